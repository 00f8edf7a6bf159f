"""Pre-rendered response documents: final JSON bytes with their ETag and compressed forms.

Documents are written at import/publish time (see `rendering`) and only read on the
request path. Bytes are stored once per content, as a blob keyed by their strong ETag;
a document key points at its blob, so identical documents share one copy (and one
compression), and a blob goes when the last key pointing at it moves on.
"""

from __future__ import annotations

import gzip
import hashlib

import brotli
import msgspec
import sqlite_utils

__all__ = [
    "COMPRESS_MIN_BYTES",
    "Document",
    "article_key",
    "compressed",
    "get_document",
    "get_latest_article",
    "put_bytes",
    "put_document",
    "strong_etag",
]

COMPRESS_MIN_BYTES = 1024
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


def strong_etag(body: bytes) -> str:
    """The strong validator of exact bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def put_document(db: sqlite_utils.Database, key: str, value: object) -> bool:
    """Encode and store a document unless identical bytes are already there."""
    return put_bytes(db, key, _encode(value))


def put_bytes(db: sqlite_utils.Database, key: str, body: bytes) -> bool:
    """Point `key` at these final response bytes, storing and compressing them only when
    no document holds them yet; return False when `key` already had them."""
    etag = strong_etag(body)
    row = db.execute("SELECT etag FROM documents WHERE key = ?", [key]).fetchone()
    if row and row[0] == etag:
        return False
    if db.execute("SELECT 1 FROM blobs WHERE etag = ?", [etag]).fetchone() is None:
        document = compressed(body, etag)
        db.execute(
            "INSERT INTO blobs (etag, body, gzip, br) VALUES (?, ?, ?, ?)",
            [etag, document.body, document.gzip, document.br],
        )
    db.execute(
        "INSERT INTO documents (key, etag) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET etag = excluded.etag",
        [key, etag],
    )
    if row:
        # The bytes this key held are garbage once no other key holds them; checked here,
        # by index, so replacing a document never leaves its old bytes behind.
        db.execute(
            "DELETE FROM blobs WHERE etag = ? AND NOT EXISTS "
            "(SELECT 1 FROM documents WHERE etag = ?)",
            [row[0], row[0]],
        )
    return True


def compressed(body: bytes, etag: str | None = None) -> Document:
    """A document of final bytes, with gzip and brotli forms when it is big enough to gain."""
    big = len(body) >= COMPRESS_MIN_BYTES
    # Brotli quality 6 is within 1 % of quality 9 on these documents at a tenth of the cost,
    # which keeps a 1,000-article import within its time budget.
    return Document(
        etag or strong_etag(body),
        body,
        gzip.compress(body, 6, mtime=0) if big else None,
        brotli.compress(body, quality=6) if big else None,
    )


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
