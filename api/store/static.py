"""What static delivery exports: every stored document key with its ETag, the stored
codings of each blob, the latest published version of each article, and the locales
served. Read in one read transaction, so an export is one consistent state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import msgspec
import sqlite_utils

from api.store.documents import Document
from api.store.schedules import next_change_at
from api.store.translations import rendered_locales

__all__ = ["Snapshot", "blob", "data_version", "read_snapshot"]


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    """One consistent state of the rendered documents."""

    documents: dict[str, str]
    """Document key -> strong ETag (quoted)."""
    forms: dict[str, str]
    """ETag -> the compressed forms stored beside the identity bytes: "", "g" or "gb"."""
    latest: dict[str, int]
    """Slug -> the number of its latest published version."""
    locales: list[str]
    next_change: float | None = None
    """When the next scheduled change is due (seconds since the epoch), or None."""


@contextmanager
def _read(db: sqlite_utils.Database) -> Iterator[None]:
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.execute("COMMIT")


def read_snapshot(db: sqlite_utils.Database) -> Snapshot:
    """Every document key, its ETag and forms, and what the routes need, at one instant."""
    with _read(db):
        documents = dict(db.execute("SELECT key, etag FROM documents ORDER BY key").fetchall())
        forms = {
            etag: ("g" if gz else "") + ("b" if br else "")
            for etag, gz, br in db.execute(
                "SELECT etag, gzip IS NOT NULL, br IS NOT NULL FROM blobs"
            ).fetchall()
        }
        latest = dict(db.execute("SELECT slug, number FROM publications").fetchall())
        locales = sorted(rendered_locales(db))
        next_change = next_change_at(db)
    return Snapshot(
        documents=documents, forms=forms, latest=latest, locales=locales, next_change=next_change
    )


def blob(db: sqlite_utils.Database, etag: str) -> Document | None:
    """The stored bytes of one ETag, with their compressed forms."""
    row = db.execute("SELECT etag, body, gzip, br FROM blobs WHERE etag = ?", [etag]).fetchone()
    return Document(*row) if row else None


def data_version(db: sqlite_utils.Database) -> int:
    """SQLite's counter of commits by other connections (changes on every publish)."""
    value: int = db.conn.execute("PRAGMA data_version").fetchone()[0]
    return value
