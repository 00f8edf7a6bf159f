"""Documents kept on disk: a spliced answer (a locale's bundle) larger than what the
reader may keep in memory is written once per generation, with its compressed forms, to
anonymous temporary files beside the database, and served from them.

The files have no name (`tempfile.TemporaryFile`: `O_TMPFILE` on Linux), so nothing is
left behind when a worker stops or crashes. They close, and their space goes, when the
last holder of their `Spilled` lets go of it: the reader when a commit (or its closing)
drops it, and each response streaming from it when it ends.

Making one holds at most the memory budget of bytes (what is spliced while it may still
fit there) and a piece of a megabyte or so; compressing reads the spliced bytes back from
the file, after the read transaction has ended.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, NamedTuple

from api.store.documents import Document, StreamCompressor, compressed, forms_of, hashed_etag

__all__ = ["ENTRY_OVERHEAD", "Part", "Spilled", "Spool", "memory_cost", "spool"]

ENTRY_OVERHEAD = 200
"""Bytes an entry of the reader's costs beyond its bodies: its key and tuples."""
_PIECE = 1 << 20
"""Bytes read back at a time to be compressed."""


class Part(NamedTuple):
    """One form of a spilled document: an open file and the size of its bytes."""

    fd: int
    size: int


class Spilled:
    """A document on disk: the strong ETag of its bytes, their file and those of the
    compressed forms its size gains from (`forms_of`, as a stored document's). The files
    stay open while this object is held."""

    __slots__ = ("__weakref__", "body", "br", "etag", "gzip")

    def __init__(self, etag: str, files: list[IO[bytes]], sizes: list[int | None]) -> None:
        body, gzip, br = (
            None if size is None else Part(file.fileno(), size)
            for file, size in zip(files, sizes, strict=True)
        )
        assert body is not None
        self.etag = etag
        self.body: Part = body
        self.gzip = gzip
        self.br = br
        # Closed once nothing holds this object any more (CPython frees it at once).
        weakref.finalize(self, _close, files)


def _close(files: list[IO[bytes]]) -> None:
    for file in files:
        file.close()


def memory_cost(document: Document | None) -> int:
    """What keeping `document` in memory costs, in bytes."""
    if document is None:
        return ENTRY_OVERHEAD
    compressed_forms = len(document.gzip or b"") + len(document.br or b"")
    return ENTRY_OVERHEAD + len(document.body) + compressed_forms


def spool(pieces: Iterable[bytes], fits: Callable[[int], bool], folder: Path) -> Spool:
    """Take in the pieces of a document (see `Spool`)."""
    out = Spool(fits, folder)
    for piece in pieces:
        out.write(piece)
    return out


class Spool:
    """The pieces of one document, held in memory while `fits` (the reader's rule, asked
    of the memory cost) may still keep it there, and written to a file from the first
    piece it can no longer: then memory holds one piece at a time. `done` makes the
    document: in memory, or on disk with its compressed forms."""

    def __init__(self, fits: Callable[[int], bool], folder: Path) -> None:
        self._fits = fits
        self._folder = folder
        self._held: list[bytes] = []
        self._size = 0
        self._file: IO[bytes] | None = None
        self._hash = hashlib.sha256()

    def write(self, piece: bytes) -> None:
        """One more piece of the body."""
        self._size += len(piece)
        if self._file is None:
            self._held.append(piece)
            if self._fits(ENTRY_OVERHEAD + self._size):
                return
            self._file = self._new_file()
            pieces, self._held = self._held, []
        else:
            pieces = [piece]
        for each in pieces:
            self._hash.update(each)
            self._file.write(each)

    def done(self) -> Document | Spilled:
        """The document: in memory if it fits there with its compressed forms (the very
        bytes `compressed` makes of its body), else on disk."""
        if self._file is None:
            document = compressed(b"".join(self._held))
            self._held = []
            if self._fits(memory_cost(document)):
                return document
            return self._spill_made(document)
        return self._spill_file(self._file)

    def _new_file(self) -> IO[bytes]:
        return tempfile.TemporaryFile(dir=self._folder)

    def _spill_made(self, document: Document) -> Spilled:
        """A document made in memory that is too large to keep there, written out."""
        files: list[IO[bytes]] = []
        sizes: list[int | None] = []
        for form in (document.body, document.gzip, document.br):
            file = self._new_file()
            file.write(form or b"")
            file.flush()
            files.append(file)
            sizes.append(None if form is None else len(form))
        return Spilled(document.etag, files, sizes)

    def _spill_file(self, body: IO[bytes]) -> Spilled:
        """The body is on disk: its compressed forms are made from the file, a piece at a
        time."""
        body.flush()
        etag = hashed_etag(self._hash)
        gzip, br = self._new_file(), self._new_file()
        wanted = forms_of(self._size)
        compressor = StreamCompressor(self._size)
        fd = body.fileno()
        for offset in range(0, self._size, _PIECE):
            piece = os.pread(fd, _PIECE, offset)
            for file, out, want in zip((gzip, br), compressor.feed(piece), wanted, strict=True):
                if want:
                    file.write(out)
        for file, out, want in zip((gzip, br), compressor.finish(), wanted, strict=True):
            if want:
                file.write(out)
        sizes: list[int | None] = [self._size]
        for file, want in zip((gzip, br), wanted, strict=True):
            file.flush()
            sizes.append(file.tell() if want else None)
        return Spilled(etag, [body, gzip, br], sizes)
