"""The request-path view of the database: document lookups behind an in-process cache.

Every cached value is dropped as soon as another connection commits (SQLite's
`PRAGMA data_version` changes), so all workers see a publish at once. Asking costs a
read lock (tens of microseconds here), so the connection is asked only when the header
of the WAL-index has changed: every commit rewrites it (its `iChange` counter, last
frame and checksums; "WAL-Index Format" in SQLite's file format), and reading it from
shared memory costs no system call.

What is cached is bounded in bytes (least recently used dropped first). Queries whose cost
grows with the corpus (a search ranking every section a common word is in: 80 ms on 1,000
articles) run on the reader's own thread and connection, so a worker's event loop goes on
answering meanwhile. The answers spliced whole (a locale's bundle, the changes since a
cursor, its article list, the sitemap: seconds at 10,000 articles) are made on a second
thread of their own, so a search never waits behind one; those too large for memory are
kept on disk (api.store.spilled) until the next commit (those of the sync ledger: until
its cursor moves).
"""

from __future__ import annotations

import asyncio
import mmap
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

import sqlite_utils

from api.core.errors import Busy
from api.core.listing import ListQuery
from api.store.documents import (
    Document,
    compressed,
    get_document,
    get_latest_article,
    strong_etag,
)
from api.store.figures import locales_body
from api.store.listing import article_list_body, article_page, sitemap_body
from api.store.schedules import next_change_at
from api.store.schema import SCHEMA_VERSION, open_database, snapshot
from api.store.search import search_results
from api.store.spilled import Spilled, memory_cost, spool
from api.store.sync import bundle_parts, changes_parts, current_cursor
from api.store.translations import rendered_locales

__all__ = ["Kept", "Reader"]

Kept = Document | Spilled
"""An answer the reader keeps: in memory, or on disk when too large for it."""
MAX_DISK_BYTES = 2_000_000_000
"""Most bytes of change answers a reader keeps on disk (bodies and compressed forms): a
few answers since an old cursor at 10,000 articles (~460 MB each, ~650 MB with their
forms). Bundles, lists and the sitemap are one per locale and kind, so not counted."""
MAX_WAITING = 32
"""Distinct answers waiting for or running on a worker's reader thread: up to a few
seconds of work on a 1,000-article corpus. More are refused (503 with Retry-After) rather
than queued without end, so a flood of distinct searches cannot hold a worker's memory
or make every later search wait for it."""
_RETRY_AFTER = 1  # seconds: a search takes milliseconds to a few hundred
_WAL_INDEX_HEADER = 48  # bytes: the first of the header's two copies
_Found = TypeVar("_Found", bound=Document | None)
_Made = TypeVar("_Made", bound=Kept)


class Reader:
    """Read-only access to rendered documents for one process."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_bytes: int = 64_000_000,
        max_waiting: int = MAX_WAITING,
        max_disk_bytes: int = MAX_DISK_BYTES,
    ) -> None:
        """`max_bytes`: most bytes of documents kept in memory (bodies and compressed
        forms); `max_waiting`: most distinct answers queued or made on the reader's
        threads; `max_disk_bytes`: most bytes of change answers kept on disk (least
        recently used dropped first)."""
        self.db: sqlite_utils.Database = open_database(path)
        self._path = Path(path)
        self._data_version = -1
        self._documents: OrderedDict[tuple[str, ...], Document | None] = OrderedDict()
        self._on_disk: OrderedDict[tuple[str, ...], Spilled] = OrderedDict()
        """Spliced answers too large for memory, least recently used first: bundles,
        lists and the sitemap are one per locale and kind at most, so their number is
        bounded without a count; change answers (one per cursor a client holds) count
        against `max_disk_bytes`."""
        self.max_disk_bytes = max_disk_bytes
        self.disk_bytes = 0
        """Bytes of the change answers kept on disk."""
        self._cursors: dict[tuple[str, ...], int] = {}
        """Answers that are a function of the sync ledger (bundles, change answers), with
        the cursor they were made at: they outlive commits that leave the cursor where it
        was."""
        self.max_bytes = max_bytes
        self.cached_bytes = 0
        self.max_waiting = max_waiting
        # One thread: a flood of slow queries queues there, never on the event loop.
        self._slow = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader")
        # Another for the answers spliced whole, so no search queues behind one.
        self._splicer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="splicer")
        self._thread_db = threading.local()
        self._thread_dbs: list[sqlite_utils.Database] = []
        self.made = 0
        """How many answers were begun on the reader's threads (searches, change lists,
        splices): each is made once per generation however many ask."""
        self._making: dict[tuple[object, ...], asyncio.Future[Kept]] = {}
        self._locales: frozenset[str] = frozenset()
        self._next_change: float | None = None
        self._wal_index: mmap.mmap | None = None
        self._wal_index_tried = False
        self._seen_header = b""

    def _fresh(self) -> None:
        wal_index = self._wal_index
        if wal_index is not None:
            header = wal_index[:_WAL_INDEX_HEADER]
            if header == self._seen_header:
                return
            # Read before asking: a commit after this read changes the header again.
            self._seen_header = header
        version = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._data_version = version
            self._forget()
            self._locales = frozenset(rendered_locales(self.db))
            self._next_change = next_change_at(self.db)
        if not self._wal_index_tried:
            self._wal_index_tried = True
            self._wal_index = self._map_wal_index()

    def _forget(self) -> None:
        """After a commit: drop every answer kept, except those of the sync ledger made
        at the cursor it still has. A commit need not change content at all (a session
        touched, a webhook attempt recorded), and a bundle is the ledger's state at
        its cursor (a kiosk holding that cursor is told nothing changed): one that took
        longer to make than commits are apart would otherwise never be kept. Dropped
        files close once the last response from them ends."""
        cursor = current_cursor(self.db) if self._cursors else None
        self._cursors = {key: at for key, at in self._cursors.items() if at == cursor}
        carried = [(key, self._documents[key]) for key in self._cursors if key in self._documents]
        self._documents.clear()
        self._on_disk = OrderedDict(
            (key, kept) for key, kept in self._on_disk.items() if key in self._cursors
        )
        self.disk_bytes = sum(_disk_cost(key, kept) for key, kept in self._on_disk.items())
        self.cached_bytes = 0
        for key, value in carried:
            self._documents[key] = value
            self.cached_bytes += memory_cost(value)

    def _map_wal_index(self) -> mmap.mmap | None:
        """The shared WAL-index of this database, or None where there is none to read (not
        in WAL mode, exclusive locking, no file): then every check asks the connection.
        While this connection is open no other can truncate or recreate the file."""
        modes = [
            self.db.conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "locking_mode")
        ]
        if modes != ["wal", "normal"]:
            return None
        try:
            fd = os.open(f"{self._path}-shm", os.O_RDONLY)
        except OSError:
            return None
        try:
            if os.fstat(fd).st_size < _WAL_INDEX_HEADER:
                return None
            return mmap.mmap(fd, _WAL_INDEX_HEADER, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)

    def generation(self) -> int:
        """A number that changes whenever another connection has committed (a publish, a
        rollback, an approval, in any process): what caches of responses are keyed on."""
        self._fresh()
        return self._data_version

    def seconds_to_next_change(self) -> float | None:
        """Seconds until the next scheduled change (a publication or a withdrawal) is due,
        0 or less once it is; None when nothing is scheduled. A clock read and a
        comparison: the time itself is looked up once per commit."""
        self._fresh()
        if self._next_change is None:
            return None
        return self._next_change - time.time()

    def locales(self) -> frozenset[str]:
        """Locales that can be served."""
        self._fresh()
        return self._locales

    def document(self, key: str) -> Document | None:
        """A document by key."""
        return self._cached((key,), lambda: get_document(self.db, key))

    def latest_article(self, slug: str, locale: str, section: str | None = None) -> Document | None:
        """The latest published version of an article (or one of its sections)."""
        return self._cached(
            ("latest", slug, locale, section or ""),
            lambda: get_latest_article(self.db, slug, locale, section),
        )

    def article_page(self, locale: str, query: ListQuery) -> tuple[Document, str | None]:
        """One page of `locale`'s article list and the cursor of the next (None: the last).
        An index seek and at most a page of rows, so it is not cached."""
        self._fresh()
        bodies, after = article_page(self.db, locale, query)
        body = b"[" + b",".join(bodies) + b"]"
        return Document(strong_etag(body), body, None, None), after

    async def changes(self, since: int, locale: str, patches: bool = False) -> Kept:
        """What a client of `locale` holding cursor `since` must apply, spliced from stored
        documents and patches once per cursor of the sync ledger, off the event loop, then
        served from memory, or from disk when larger than memory may hold (the changes
        since 0 are as large as the bundle); `patches`: items the client holds come as
        JSON Patches where smaller."""
        key = ("changes", str(since), locale, "patches" if patches else "")
        held = self._held(key)
        if held is not None:
            return held
        make = partial(
            self._splice, splice=lambda db: changes_parts(db, since, locale, patches=patches)
        )
        return await self._computed(key, make, self._splicer, current_cursor(self.db))

    async def bundle(self, locale: str) -> Kept | None:
        """The offline bundle of `locale`, spliced from stored documents once per publish,
        off the event loop, then served from memory, or from disk when larger than memory
        may hold (None before anything is published)."""
        return await self._spliced(
            ("bundle", locale), lambda db: bundle_parts(db, locale) or (), by_cursor=True
        )

    async def article_list(self, locale: str) -> Kept | None:
        """Every published article's summary in `locale` (`GET /v1/articles` without
        paging), spliced from the list's rows once per publish, off the event loop, then
        served from memory (None before anything is published)."""
        return await self._spliced(
            ("articles", locale), lambda db: (article_list_body(db, locale),)
        )

    async def locale_list(self) -> Kept | None:
        """The locale metadata (`GET /v1/locales`), spliced from its rows as
        `article_list` is."""
        return await self._spliced(("locales",), lambda db: (locales_body(db),))

    async def sitemap(self) -> Kept | None:
        """The sitemap, spliced from its rows as `article_list` is."""
        return await self._spliced(("sitemap",), lambda db: (sitemap_body(db),))

    async def _spliced(
        self,
        key: tuple[str, ...],
        splice: Callable[[sqlite_utils.Database], Iterable[bytes]],
        *,
        by_cursor: bool = False,
    ) -> Kept | None:
        """An answer spliced whole from stored rows, once per generation (`by_cursor`:
        once per cursor of the sync ledger), on the splicing thread: kept in memory, or on
        disk when it does not fit there (`_in_memory`)."""
        held = self._held(key)
        if held is not None:
            return held
        cursor = current_cursor(self.db)
        if cursor == 0:
            return None
        make = partial(self._splice, splice=splice)
        return await self._computed(key, make, self._splicer, cursor if by_cursor else None)

    def _splice(
        self,
        db: sqlite_utils.Database,
        *,
        splice: Callable[[sqlite_utils.Database], Iterable[bytes]],
    ) -> Kept:
        """On the splicing thread: the pieces read in one snapshot and taken in as they
        come; compressed after the snapshot has ended."""
        with snapshot(db) as state:
            made = spool(splice(state), self._in_memory, self._path.parent)
        return made.done()

    def _held(self, key: tuple[str, ...]) -> Kept | None:
        """The answer kept for `key`, in memory or on disk (now the most recently used),
        or None: a document kept in memory is never None for a spliced answer."""
        if self._kept(key):
            return self._documents[key]
        on_disk = self._on_disk.get(key)  # _kept has seen the latest commit
        if on_disk is not None:
            self._on_disk.move_to_end(key)
        return on_disk

    def _in_memory(self, cost: int) -> bool:
        """The one rule of where an answer is kept: in memory when keeping it there costs
        (`memory_cost`) no more than the whole budget. A spliced answer that does not fit
        is kept on disk until the next commit (those of the sync ledger: until its cursor
        moves); any other is made again when asked."""
        return cost <= self.max_bytes

    async def search(self, query: str, locale: str, limit: int) -> Document:
        """The answer to a query, kept until the next publish (repeated queries, such as a
        kiosk's suggested topics, cost one FTS5 ranking per publish, off the event loop)."""
        return await self._computed(
            ("search", locale, str(limit), query),
            lambda db: _answer(db, lambda s: search_results(s, query, locale, limit)),
            self._slow,
        )

    def _kept(self, key: tuple[str, ...]) -> bool:
        """Whether `key` is kept in memory for the current generation (now the most
        recently used)."""
        self._fresh()
        if key not in self._documents:
            return False
        self._documents.move_to_end(key)
        return True

    def _cached(self, key: tuple[str, ...], load: Callable[[], _Found]) -> _Found:
        if self._kept(key):
            return cast(_Found, self._documents[key])
        value = load()
        self._keep(key, value)
        return value

    async def _computed(
        self,
        key: tuple[str, ...],
        make: Callable[[sqlite_utils.Database], _Made],
        thread: ThreadPoolExecutor,
        cursor: int | None = None,
    ) -> _Made:
        """An answer made by `make` on one of the reader's threads (with that thread's
        own connection), kept only if nothing was committed meanwhile: then it is the
        answer for the generation it is kept under. Identical requests of one generation
        while it is made wait for the same answer instead of each making it again; a
        request after a commit never waits for an answer begun before it. Busy when
        `max_waiting` other answers are queued or being made.

        `cursor`: the answer is a function of the sync ledger at this cursor (a bundle, a
        change answer),
        so "nothing committed meanwhile" means the cursor has not moved (`_forget`)."""
        if self._kept(key):
            return cast(_Made, self._documents[key])
        made_at = ("generation", self._data_version) if cursor is None else ("cursor", cursor)
        making = self._making.get((*made_at, *key))
        if making is None:
            if len(self._making) >= self.max_waiting:
                raise Busy(
                    f"{len(self._making)} searches or change lists are being answered; "
                    f"try again in {_RETRY_AFTER} second",
                    retry_after=_RETRY_AFTER,
                )
            making = asyncio.get_running_loop().run_in_executor(thread, self._make, make)
            self.made += 1
            self._making[(*made_at, *key)] = making
            making.add_done_callback(lambda _: self._made(made_at, key, making))
        # Shielded: a client that goes away cancels its wait, not the others'.
        return cast(_Made, await asyncio.shield(making))

    def _made(
        self, made_at: tuple[str, int], key: tuple[str, ...], made: asyncio.Future[Kept]
    ) -> None:
        """On the event loop, once an answer is made: kept if nothing was committed since
        it was begun (for an answer of the ledger: if its cursor is still the current)."""
        del self._making[(*made_at, *key)]
        if made.cancelled() or made.exception() is not None:
            return
        self._fresh()  # what was committed meanwhile is forgotten first
        kind, at = made_at
        if kind == "generation":
            if self._data_version == at:
                self._keep(key, made.result())
        elif current_cursor(self.db) == at:
            self._cursors[key] = at
            self._keep(key, made.result())

    def _make(self, make: Callable[[sqlite_utils.Database], _Made]) -> _Made:
        """On one of the reader's threads: its own connection, opened at first use."""
        db: sqlite_utils.Database | None = getattr(self._thread_db, "db", None)
        if db is None:
            db = self._thread_db.db = open_database(self._path)
            self._thread_dbs.append(db)
        return make(db)

    def _keep(self, key: tuple[str, ...], value: Kept | None) -> None:
        if isinstance(value, Spilled):
            self._keep_on_disk(key, value)
            return
        size = memory_cost(value)
        if not self._in_memory(size):
            self._cursors.pop(key, None)
            return
        while self.cached_bytes + size > self.max_bytes:
            dropped_key, dropped = self._documents.popitem(last=False)
            self.cached_bytes -= memory_cost(dropped)
            self._cursors.pop(dropped_key, None)
        self._documents[key] = value
        self.cached_bytes += size

    def _keep_on_disk(self, key: tuple[str, ...], value: Spilled) -> None:
        """Keep a spilled answer; change answers within `max_disk_bytes`, the least
        recently used dropped first (one larger than the whole bound is not kept: its
        files close once its responses end)."""
        replaced = self._on_disk.pop(key, None)
        if replaced is not None:
            self.disk_bytes -= _disk_cost(key, replaced)
        cost = _disk_cost(key, value)
        if cost > self.max_disk_bytes:
            self._cursors.pop(key, None)
            return
        while cost and self.disk_bytes + cost > self.max_disk_bytes:
            dropped_key = next(k for k, kept in self._on_disk.items() if _disk_cost(k, kept))
            self.disk_bytes -= _disk_cost(dropped_key, self._on_disk.pop(dropped_key))
            self._cursors.pop(dropped_key, None)
        self._on_disk[key] = value
        self.disk_bytes += cost

    def ready(self) -> bool:
        """True once the schema is current and content was stored (seeded); False
        (not an error) when the database cannot answer that at all."""
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                return False
            # Seeded: content was stored, even if reviewers have since withdrawn all of it.
            row = self.db.execute("SELECT 1 FROM versions LIMIT 1").fetchone()
        except sqlite3.Error:
            return False
        return row is not None

    def close(self) -> None:
        """Close the connections, once the reader's threads have finished their work;
        drop what is kept on disk (its files close once no response streams from them)."""
        self._slow.shutdown(wait=True)
        self._splicer.shutdown(wait=True)
        for db in self._thread_dbs:
            db.conn.close()
        self._thread_dbs.clear()
        self._on_disk.clear()
        self.disk_bytes = 0
        self._cursors.clear()
        if self._wal_index is not None:
            self._wal_index.close()
            self._wal_index = None
        self.db.conn.close()


def _answer(
    db: sqlite_utils.Database, compute: Callable[[sqlite_utils.Database], bytes]
) -> Document:
    """An answer computed in one snapshot, with its compressed forms."""
    with snapshot(db) as state:
        body = compute(state)
    return compressed(body)


def _disk_cost(key: tuple[str, ...], kept: Spilled) -> int:
    """What keeping `kept` on disk counts against `max_disk_bytes`: its forms' bytes for
    a change answer, nothing for the answers that are one per locale and kind."""
    if key[0] != "changes":
        return 0
    return sum(part.size for part in (kept.body, kept.gzip, kept.br) if part is not None)
