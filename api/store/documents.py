"""Pre-rendered response documents: final JSON bytes with their ETag and compressed forms.

Documents are written at import/publish time (see `rendering`) and only read on the
request path. Bytes are stored once per content, as a blob keyed by their strong ETag;
a document key points at its blob, so identical documents share one copy (and one
compression), and a blob goes when the last key pointing at it moves on.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from types import TracebackType
from typing import Any, NamedTuple

import brotli
import msgspec
import sqlite_utils
from isal import igzip, isal_zlib

__all__ = [
    "BROTLI_MIN_BYTES",
    "COMPRESS_MIN_BYTES",
    "Document",
    "DocumentWriter",
    "Forms",
    "StreamCompressor",
    "article_key",
    "compressed",
    "delete_documents",
    "forms_of",
    "get_document",
    "get_latest_article",
    "hashed_etag",
    "html_key",
    "jsonld_key",
    "put_bytes",
    "strong_etag",
]

COMPRESS_MIN_BYTES = 1024
"""Bodies from which a gzip form is made (and stored when smaller than the body)."""
BROTLI_MIN_BYTES = 8192
"""Bodies from which a brotli form is made too (and stored when smaller than the gzip
form). On these documents brotli (quality 3) comes within 5-15 % of gzip's size at every
size, for twice gzip's CPU: below 8 KiB that is under 100 bytes a response, while the section
documents (~2.5 KB, 70,000 of a 1,000-article import's 88,000 documents) took 11 s of
brotli. A client that accepts only brotli gets those bodies uncompressed."""
Body = bytes | bytearray
"""Final response bytes (a large bundle is built in place, as a bytearray)."""
Forms = tuple[bytes | None, bytes | None]
"""The gzip and brotli forms of some bytes, as stored (`compressed`)."""
_encode = msgspec.json.Encoder().encode


class Document(msgspec.Struct, frozen=True):
    """Stored bytes of one response and their variants."""

    etag: str
    body: bytes
    gzip: bytes | None
    br: bytes | None


def article_key(slug: str, number: int, locale: str) -> str:
    """The document key of one rendered article version."""
    return f"article/{slug}/{number}/{locale}"


def html_key(slug: str, locale: str) -> str:
    """The document key of the latest version's semantic HTML in one locale."""
    return f"html/{slug}/{locale}"


def jsonld_key(slug: str, locale: str) -> str:
    """The document key of the latest version's schema.org JSON-LD in one locale."""
    return f"jsonld/{slug}/{locale}"


def strong_etag(body: Body) -> str:
    """The strong validator of exact bytes."""
    return hashed_etag(hashlib.sha256(body))


def hashed_etag(sha256: hashlib._Hash) -> str:
    """The strong validator of the bytes `sha256` has hashed (fed in pieces, say)."""
    return '"' + sha256.hexdigest()[:32] + '"'


def put_bytes(db: sqlite_utils.Database, key: str, body: Body) -> bool:
    """Point `key` at these final response bytes, storing and compressing them only when
    no document holds them yet; return False when `key` already had them."""
    with DocumentWriter(db, threads=0) as writer:
        return writer.put_bytes(key, body)


class _Pending(NamedTuple):
    key: str
    etag: str
    old: str | None
    """The etag `key` holds when this is written (the database's, or an earlier pending's)."""
    body: Body
    new: bool
    """This document stores the blob (False: it is stored already, or an earlier pending
    document is compressing it)."""
    gzip: Future[bytes] | bytes | None
    br: Future[bytes] | bytes | None
    """None: no such form (the body is too small for it, or the blob is not new); bytes:
    made by the caller."""


class DocumentWriter:
    """Stores the documents of one rendering pass, compressing them on worker threads
    while the caller renders the next ones (zlib and brotli let go of the GIL, so
    compression runs on another core). Every write happens in the caller's thread, in the
    order the documents were put, inside the caller's transaction, a batch of statements
    at a time; `flush` writes all that is pending, and leaving the `with` block flushes
    (or, on an error, drops what was pending, which the transaction's rollback undoes).

    The same rules as one `put_bytes` at a time: bytes already stored are neither stored
    nor compressed again, and a key's old blob is deleted once nothing points at it, nor
    will (a pending document may hold the same bytes). At most `window` documents, and
    about `window_bytes` of their bodies, wait to be written, which bounds the memory held
    (a 1,000-article bundle is ~30 MB); writing starts once `batch` documents wait.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        threads: int | None = None,
        window: int = 256,
        window_bytes: int = 32_000_000,
        batch: int = 64,
    ) -> None:
        self._db = db
        self._batch = batch
        if threads is None:
            # The caller keeps a core busy itself (and compresses while it waits); more
            # threads than cores only queue up for the GIL it needs between statements.
            threads = min(3, _cores() - 1)
        self._compressor = _Compressor(threads)
        self._window = window
        self._window_bytes = window_bytes
        self._pending_bytes = 0
        self._pending: deque[_Pending] = deque()
        self._pending_etags: Counter[str] = Counter()
        self._pending_keys: dict[str, _Pending] = {}
        """key -> its latest pending document."""
        self._compressing: set[str] = set()
        """Etags of the blobs a pending document is being compressed for."""

    def __enter__(self) -> DocumentWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.flush()
        finally:
            self._compressor.close()

    def put(self, key: str, value: object) -> bool:
        """Encode `value` and store it under `key` (see put_bytes)."""
        return self.put_bytes(key, _encode(value))

    def put_bytes(self, key: str, body: Body) -> bool:
        """Point `key` at these bytes; return False when `key` already has them."""
        return bool(self.put_all_bytes([(key, body)]))

    def put_all(self, documents: Iterable[tuple[str, object]]) -> int:
        """Encode and store several documents (see put_all_bytes)."""
        return self.put_all_bytes([(key, _encode(value)) for key, value in documents])

    def put_all_bytes(
        self,
        documents: list[tuple[str, Body]],
        etags: list[str] | None = None,
        forms: list[Forms | None] | None = None,
    ) -> int:
        """Point each key at its bytes, in order, as that many `put_bytes` would; return
        how many keys did not have their bytes yet. What the keys hold and which bytes are
        stored is asked in one statement each, not two per document. `etags`: the bytes'
        strong ETags, when the caller has them already (`strong_etag` of each). `forms`:
        their compressed forms (`compressed` of each), where the caller made them already
        (None: not made); those of bytes stored already are dropped."""
        if etags is None:
            etags = [strong_etag(body) for _, body in documents]
        made = forms if forms is not None else [None] * len(documents)
        held = self._held([key for key, _ in documents if key not in self._pending_keys])
        stored = self._stored(etags)
        written = 0
        for (key, body), etag, ready in zip(documents, etags, made, strict=True):
            latest = self._pending_keys.get(key)
            old = latest.etag if latest is not None else held.get(key)
            if old == etag:
                continue
            if etag in self._compressing or etag in stored:
                pending = _Pending(key, etag, old, body, False, None, None)
            elif ready is not None:
                pending = _Pending(key, etag, old, body, True, *ready)
                self._compressing.add(etag)
            else:
                gz, br = (
                    self._compressor.submit(compress, body) if wanted else None
                    for compress, wanted in _forms(body)
                )
                pending = _Pending(key, etag, old, body, True, gz, br)
                if gz is not None:
                    self._compressing.add(etag)
            self._pending.append(pending)
            self._pending_bytes += len(body)
            self._pending_etags[etag] += 1
            self._pending_keys[key] = pending
            written += 1
        # Only now, with every one of them pending: a write deletes no bytes that one of
        # them was found to share.
        self._write_ready()
        return written

    def _held(self, keys: list[str]) -> dict[str, str]:
        return {
            key: etag
            for key, etag in self._in("SELECT key, etag FROM documents WHERE key IN", keys)
        }

    def _stored(self, etags: list[str]) -> set[str]:
        return {etag for (etag,) in self._in("SELECT etag FROM blobs WHERE etag IN", etags)}

    def _in(self, select: str, values: list[str]) -> list[Any]:
        found: list[Any] = []
        unique = list(dict.fromkeys(values))
        for start in range(0, len(unique), _MAX_VARIABLES):
            chunk = unique[start : start + _MAX_VARIABLES]
            marks = ", ".join("?" for _ in chunk)
            found.extend(self._db.execute(f"{select} ({marks})", chunk).fetchall())
        return found

    def flush(self) -> None:
        """Write every pending document."""
        self._write([self._pending.popleft() for _ in range(len(self._pending))])

    def _write_ready(self) -> None:
        """Write the pending documents at the front whose compression is done, and more
        while over the window; in batches (a statement per document and table kept the
        writing thread waiting for the GIL each time)."""
        pending = self._pending
        if len(pending) < self._batch and self._pending_bytes <= self._window_bytes:
            return
        batch: list[_Pending] = []
        held = self._pending_bytes
        while pending:
            first = pending[0]
            ready = all(not isinstance(f, Future) or f.done() for f in (first.gzip, first.br))
            full = len(pending) > self._window or held > self._window_bytes
            if not ready and not full:
                break
            batch.append(pending.popleft())
            held -= len(first.body)
        self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        if not batch:
            return
        conn = self._db.conn
        # In put order: a blob compressed for one key is inserted before a later key that
        # shares it is written; bytes already stored are ignored (too small to compress,
        # so pending twice).
        result = self._compressor.result
        conn.executemany(
            "INSERT OR IGNORE INTO blobs (etag, body, gzip, br) VALUES (?, ?, ?, ?)",
            [
                (
                    p.etag,
                    p.body,
                    *_smaller(
                        p.body,
                        result(p.gzip) if isinstance(p.gzip, Future) else p.gzip,
                        result(p.br) if isinstance(p.br, Future) else p.br,
                    ),
                )
                for p in batch
                if p.new
            ],
        )
        conn.executemany(
            "INSERT INTO documents (key, etag) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET etag = excluded.etag",
            [(p.key, p.etag) for p in batch],
        )
        for p in batch:
            self._pending_bytes -= len(p.body)
            if p.new:
                self._compressing.discard(p.etag)
            self._pending_etags[p.etag] -= 1
            if not self._pending_etags[p.etag]:
                del self._pending_etags[p.etag]
            if self._pending_keys.get(p.key) is p:
                del self._pending_keys[p.key]
        # The bytes a key held are garbage once no key holds them nor will (a pending
        # document may); checked here, by index, so no old bytes are left behind.
        gone = {p.old for p in batch if p.old is not None and p.old != p.etag}
        conn.executemany(
            "DELETE FROM blobs WHERE etag = ? AND NOT EXISTS "
            "(SELECT 1 FROM documents WHERE etag = ?)",
            [(old, old) for old in gone if old not in self._pending_etags],
        )


class _Compressor:
    """Compression jobs, run by worker threads and by the writer itself while it waits for
    one to finish (so the writer's core does not idle while the workers catch up);
    `threads=0` compresses at once, in the caller's thread."""

    def __init__(self, threads: int) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name="compress", daemon=True)
            for _ in range(max(0, threads))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, compress: Callable[[Body], bytes], body: Body) -> Future[bytes]:
        job = _Job(compress, body, Future())
        if self._threads:
            self._jobs.put(job)
        else:
            job.run()
        return job.future

    def result(self, future: Future[bytes]) -> bytes:
        """The bytes of `future`, running queued jobs meanwhile."""
        while not future.done():
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.run()
        return future.result()

    def close(self) -> None:
        """Drop the jobs not started and stop the threads."""
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            job.run()


class _Job(NamedTuple):
    compress: Callable[[Body], bytes]
    body: Body
    future: Future[bytes]

    def run(self) -> None:
        try:
            self.future.set_result(self.compress(self.body))
        except BaseException as exc:  # handed to whoever waits for the bytes
            self.future.set_exception(exc)


_MAX_VARIABLES = 500
"""Values bound in one `IN (...)` lookup."""


def _cores() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


_GZIP_LEVEL = 3  # ISA-L's levels are 0 to 3
_BROTLI_QUALITY = 3
_BROTLI_MAX_WINDOW = 22  # brotli's default: 4 MB


def _gzip(body: Body) -> bytes:
    # ISA-L at its level 3: 2.8 times as fast as zlib's level 6 on these documents (an
    # import compresses ~400 MB of them), within 2 % of its size on the sections (most
    # documents, and the ones readers get gzip of) and 6-8 % on the large documents,
    # whose brotli form most readers get.
    return igzip.compress(body, _GZIP_LEVEL, mtime=0)


def _brotli(body: Body) -> bytes:
    # Quality 3: on these documents 8 % smaller than their gzip form (quality 5 and 6: 16 %)
    # at 40 % of quality 5's cost, which was the largest single cost of rendering an
    # article; the HTML documents gain the most (15 %). A window no larger than the body
    # (brotli's default is 4 MB) compresses the same bytes as small, a fifth faster: the
    # encoder sets up tables the size of its window.
    out: bytes = brotli.compress(body, quality=_BROTLI_QUALITY, lgwin=_brotli_window(len(body)))
    return out


def _brotli_window(size: int) -> int:
    """The window of a body of `size` bytes: no larger than the body, at most brotli's
    default."""
    return min(_BROTLI_MAX_WINDOW, max(10, (size - 1).bit_length()))


class StreamCompressor:
    """The gzip and brotli forms of `size` bytes that come in pieces, at the levels and
    brotli window `compressed` uses (and so brotli's very bytes; gzip's may differ by a
    few bytes, decompressing to the same). `feed` returns the compressed bytes each form
    has ready; `finish` the rest."""

    def __init__(self, size: int) -> None:
        self._gzip = isal_zlib.compressobj(_GZIP_LEVEL, isal_zlib.DEFLATED, _GZIP_WBITS)
        self._brotli = brotli.Compressor(quality=_BROTLI_QUALITY, lgwin=_brotli_window(size))
        self._head: bytes | None = b""
        """The gzip bytes held back until the whole header is there (None: it was)."""

    def feed(self, piece: Body) -> tuple[bytes, bytes]:
        """Compress one more piece; (gzip bytes, brotli bytes) ready so far."""
        gz = self._headed(self._gzip.compress(piece))
        out: bytes = self._brotli.process(piece)
        return gz, out

    def finish(self) -> tuple[bytes, bytes]:
        """The last bytes of each form."""
        gz = self._headed(self._gzip.flush())
        out: bytes = self._brotli.finish()
        return gz, out

    def _headed(self, gz: bytes) -> bytes:
        if self._head is None:
            return gz
        self._head += gz
        if len(self._head) < _GZIP_HEADER:
            return b""
        head, self._head = self._head, None
        # The header `igzip.compress` writes: no time, the operating system unknown.
        return head[:4] + bytes(4) + head[8:9] + b"\xff" + head[_GZIP_HEADER:]


_GZIP_WBITS = 31  # a gzip header and trailer around the deflate stream
_GZIP_HEADER = 10


def compressed(body: bytes, etag: str | None = None) -> Document:
    """A document of final bytes, with the compressed forms its size gains from."""
    gz, br = (compress(body) if wanted else None for compress, wanted in _forms(body))
    gz, br = _smaller(body, gz, br)
    return Document(etag or strong_etag(body), body, gz, br)


def _forms(body: Body) -> tuple[tuple[Callable[[Body], bytes], bool], ...]:
    """Each compression, and whether `body` gets that form."""
    gzip, br = forms_of(len(body))
    return (_gzip, gzip), (_brotli, br)


def forms_of(size: int) -> tuple[bool, bool]:
    """Whether a body of `size` bytes gets a gzip form and a brotli form: the one rule
    for stored, spliced and spilled documents alike."""
    return size >= COMPRESS_MIN_BYTES, size >= BROTLI_MIN_BYTES


def _smaller(body: Body, gz: bytes | None, br: bytes | None) -> tuple[bytes | None, bytes | None]:
    """The forms worth storing: a coding is kept only when it is smaller than what a
    client that cannot take it gets instead (gzip than the body, brotli than the gzip
    form, or the body when there is none); a client is then sent the smallest form it
    accepts (api.web.sending)."""
    if gz is not None and len(gz) >= len(body):
        gz = None
    if br is not None and len(br) >= len(gz if gz is not None else body):
        br = None
    return gz, br


def get_document(db: sqlite_utils.Database, key: str) -> Document | None:
    """A stored document by key."""
    row = db.execute(
        "SELECT b.etag, b.body, b.gzip, b.br FROM documents d JOIN blobs b ON b.etag = d.etag "
        "WHERE d.key = ?",
        [key],
    ).fetchone()
    return Document(*row) if row else None


def get_latest_article(
    db: sqlite_utils.Database, slug: str, locale: str, section: str | None = None
) -> Document | None:
    """The document of the latest published version of an article (or one of its sections)."""
    suffix = f"/{section}" if section else ""
    kind = "section" if section else "article"
    row = db.execute(
        "SELECT b.etag, b.body, b.gzip, b.br FROM publications p JOIN documents d "
        "ON d.key = ? || '/' || p.slug || '/' || p.number || '/' || ? || ? "
        "JOIN blobs b ON b.etag = d.etag WHERE p.slug = ?",
        [kind, locale, suffix, slug],
    ).fetchone()
    return Document(*row) if row else None


def delete_documents(db: sqlite_utils.Database, prefixes: Iterable[str]) -> int:
    """Remove every document whose key starts with one of `prefixes` (inside the caller's
    transaction), and the bytes no other document holds; return the documents removed."""
    removed = 0
    for prefix in prefixes:
        rows = db.execute(
            "SELECT key, etag FROM documents WHERE substr(key, 1, ?) = ?", [len(prefix), prefix]
        ).fetchall()
        db.conn.executemany("DELETE FROM documents WHERE key = ?", [(key,) for key, _ in rows])
        db.conn.executemany(
            "DELETE FROM blobs WHERE etag = ? AND NOT EXISTS "
            "(SELECT 1 FROM documents WHERE etag = ?)",
            [(etag, etag) for etag in {etag for _, etag in rows}],
        )
        removed += len(rows)
    return removed
