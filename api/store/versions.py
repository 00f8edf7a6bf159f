"""Immutable article versions and which one is published."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import msgspec
import sqlite_utils

from api.core.errors import NotFound
from api.core.model import Article, TreatmentCatalog, content_hash

__all__ = [
    "VersionRow",
    "article_versions",
    "holds_content",
    "latest_version",
    "load_article",
    "load_treatments",
    "now",
    "publish_version",
    "published_among",
    "published_articles",
    "published_slugs",
    "published_versions",
    "save_treatments",
    "stored_slugs",
    "treatments_number",
    "version_row",
]

_article = msgspec.json.Decoder(Article)
_treatments = msgspec.json.Decoder(TreatmentCatalog)
_encode = msgspec.json.Encoder(order="deterministic").encode


class VersionRow(msgspec.Struct, frozen=True, kw_only=True):
    """One stored version of an article (its body decoded on demand)."""

    slug: str
    number: int
    content_hash: str
    status: str
    author: str
    message: str
    created_at: str
    published_at: str | None
    reviewer: str | None
    authors: tuple[str, ...] = ()
    """Everyone who wrote any revision of the draft this version was published from."""
    treatments: int = 0
    """The set of treatment records published beside it: its documents name those, so a
    later change to the records never changes a pinned version's bytes."""


def now() -> str:
    """The current time as an RFC 3339 UTC string, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


_COLUMNS = (
    "slug, number, content_hash, status, author, message, created_at, published_at, reviewer, "
    "authors, treatments"
)
_authors = msgspec.json.Decoder(tuple[str, ...])


def _row(values: tuple[object, ...]) -> VersionRow:
    fields = dict(zip(_COLUMNS.split(", "), values, strict=True))
    fields["authors"] = _authors.decode(str(fields["authors"] or "[]"))
    fields["treatments"] = fields["treatments"] or 0
    return msgspec.convert(fields, VersionRow)


def latest_version(db: sqlite_utils.Database, slug: str) -> VersionRow | None:
    """The newest published version of an article."""
    row = db.execute(
        f"SELECT {_COLUMNS} FROM versions WHERE slug = ? ORDER BY number DESC LIMIT 1", [slug]
    ).fetchone()
    return _row(row) if row else None


def version_row(db: sqlite_utils.Database, slug: str, number: int) -> VersionRow:
    """One stored version's record."""
    row = db.execute(
        f"SELECT {_COLUMNS} FROM versions WHERE slug = ? AND number = ?", [slug, number]
    ).fetchone()
    if row is None:
        raise NotFound(f"article {slug!r} has no version {number}")
    return _row(row)


def published_versions(db: sqlite_utils.Database, slug: str) -> list[VersionRow]:
    """Every published version of an article, oldest first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM versions WHERE slug = ? AND status = 'published' ORDER BY number",
        [slug],
    ).fetchall()
    return [_row(r) for r in rows]


def article_versions(db: sqlite_utils.Database, slug: str) -> list[VersionRow]:
    """Every stored version of an article, oldest first, withdrawn ones too (for staff)."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM versions WHERE slug = ? ORDER BY number", [slug]
    ).fetchall()
    return [_row(r) for r in rows]


def holds_content(db: sqlite_utils.Database) -> bool:
    """Whether any article version was ever stored (published or since withdrawn): a
    database that holds content is never seeded from files again."""
    return db.execute("SELECT 1 FROM versions LIMIT 1").fetchone() is not None


def stored_slugs(db: sqlite_utils.Database) -> list[str]:
    """Every article with a stored version, published or withdrawn (for staff)."""
    return [r[0] for r in db.execute("SELECT DISTINCT slug FROM versions ORDER BY slug")]


def published_slugs(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """(slug, latest published version number) of every published article."""
    return [
        (r[0], r[1])
        for r in db.execute("SELECT slug, number FROM publications ORDER BY slug").fetchall()
    ]


def published_among(db: sqlite_utils.Database, slugs: Iterable[str]) -> list[tuple[str, int]]:
    """(slug, latest published version number) of each of `slugs` that is published, in
    slug order: a lookup per slug, not a read of every publication."""
    out = []
    for slug in sorted(set(slugs)):
        row = db.execute("SELECT number FROM publications WHERE slug = ?", [slug]).fetchone()
        if row is not None:
            out.append((slug, int(row[0])))
    return out


def published_articles(db: sqlite_utils.Database, slugs: Iterable[str]) -> list[Article]:
    """The latest published version of each of `slugs` that is published, in slug order:
    a few articles' content without reading every article's."""
    out = []
    for slug in sorted(slugs):
        row = db.execute("SELECT number FROM publications WHERE slug = ?", [slug]).fetchone()
        if row is not None:
            out.append(load_article(db, slug, int(row[0])))
    return out


def load_article(db: sqlite_utils.Database, slug: str, number: int) -> Article:
    """The content of one version."""
    row = db.execute(
        "SELECT body FROM versions WHERE slug = ? AND number = ?", [slug, number]
    ).fetchone()
    if row is None:
        raise NotFound(f"article {slug!r} has no version {number}")
    return _article.decode(row[0])


def publish_version(
    db: sqlite_utils.Database,
    article: Article,
    *,
    authors: tuple[str, ...],
    reviewer: str,
    message: str,
    published_at: str | None = None,
) -> VersionRow:
    """Append the next published version and make it current (inside a transaction).
    `published_at`: when it was published, for a version the repository's history dates
    (default now)."""
    previous = latest_version(db, article.slug)
    stamp = published_at or now()
    row = VersionRow(
        slug=article.slug,
        number=(previous.number if previous else 0) + 1,
        content_hash=content_hash(article),
        status="published",
        author=authors[0],
        message=message,
        created_at=stamp,
        published_at=stamp,
        reviewer=reviewer,
        authors=authors,
        treatments=treatments_number(db),
    )
    db.table("versions").insert(
        {
            **msgspec.to_builtins(row),
            "authors": _encode(row.authors).decode(),
            "body": _encode(article).decode(),
        }
    )
    db.table("publications").upsert(
        {"slug": row.slug, "number": row.number, "published_at": stamp}, pk="slug"
    )
    return row


def load_treatments(db: sqlite_utils.Database, number: int | None = None) -> TreatmentCatalog:
    """The current treatment records, or those of set `number`."""
    if number is None:
        row = db.execute("SELECT body FROM treatment_sets ORDER BY number DESC LIMIT 1").fetchone()
    else:
        row = db.execute("SELECT body FROM treatment_sets WHERE number = ?", [number]).fetchone()
    return _treatments.decode(row[0]) if row else TreatmentCatalog(treatments=())


def treatments_number(db: sqlite_utils.Database) -> int:
    """The number of the current set of treatment records (0 before any)."""
    row = db.execute("SELECT max(number) FROM treatment_sets").fetchone()
    return int(row[0] or 0)


def save_treatments(db: sqlite_utils.Database, catalog: TreatmentCatalog) -> bool:
    """Store the treatment records if they changed; True when a new set was written."""
    digest = content_hash(catalog)
    row = db.execute(
        "SELECT number, content_hash FROM treatment_sets ORDER BY number DESC LIMIT 1"
    ).fetchone()
    if row and row[1] == digest:
        return False
    db.table("treatment_sets").insert(
        {
            "number": (row[0] if row else 0) + 1,
            "content_hash": digest,
            "body": _encode(catalog).decode(),
            "created_at": now(),
        }
    )
    return True
