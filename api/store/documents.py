"""Pre-rendered response documents: final JSON bytes with their ETag and compressed forms.

Documents are written at import/publish time and only read on the request path.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable

import brotli
import msgspec
import sqlite_utils

from api.core.locales import describe_locale
from api.core.model import TreatmentCatalog
from api.core.render import (
    ArticleSummary,
    Catalogs,
    VersionInfo,
    render_article,
    render_treatment,
    section_documents,
    summarize,
)
from api.store.search import index_article
from api.store.translations import approved_catalogs, available_locales
from api.store.versions import load_article, load_treatments, published_slugs, published_versions

__all__ = [
    "COMPRESS_MIN_BYTES",
    "Document",
    "article_key",
    "get_document",
    "get_latest_article",
    "put_document",
    "render_documents",
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
    body = _encode(value)
    etag = strong_etag(body)
    row = db.execute("SELECT etag FROM documents WHERE key = ?", [key]).fetchone()
    if row and row[0] == etag:
        return False
    big = len(body) >= COMPRESS_MIN_BYTES
    db.table("documents").upsert(
        {
            "key": key,
            "etag": etag,
            "body": body,
            "gzip": gzip.compress(body, 9, mtime=0) if big else None,
            "br": brotli.compress(body, quality=9) if big else None,
        },
        pk="key",
    )
    return True


def get_document(db: sqlite_utils.Database, key: str) -> Document | None:
    """A stored document by key."""
    row = db.execute("SELECT etag, body, gzip, br FROM documents WHERE key = ?", [key]).fetchone()
    return Document(*row) if row else None


def get_latest_article(
    db: sqlite_utils.Database, slug: str, locale: str, section: str | None = None
) -> Document | None:
    """The document of the latest published version of an article (or one of its sections)."""
    suffix = f"/{section}" if section else ""
    kind = "section" if section else "article"
    row = db.execute(
        "SELECT d.etag, d.body, d.gzip, d.br FROM publications p JOIN documents d "
        "ON d.key = ? || '/' || p.slug || '/' || p.number || '/' || ? || ? WHERE p.slug = ?",
        [kind, locale, suffix, slug],
    ).fetchone()
    return Document(*row) if row else None


def render_documents(
    db: sqlite_utils.Database,
    slugs: set[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Render every published version of `slugs` (default all) in every locale, plus the
    lists, treatments and locale metadata. Call inside a transaction. Returns documents written.
    """
    catalogs = approved_catalogs(db)
    locales = available_locales(db)
    treatments = load_treatments(db)
    written = 0
    latest: dict[str, dict[str, ArticleSummary]] = {locale: {} for locale in locales}
    ratios: dict[str, dict[str, float]] = {locale: {} for locale in locales}
    for slug, current in published_slugs(db):
        for row in published_versions(db, slug):
            if slugs is not None and slug not in slugs and row.number != current:
                continue
            article = load_article(db, slug, row.number)
            info = VersionInfo(
                number=row.number,
                content_hash=row.content_hash,
                published_at=row.published_at or row.created_at,
            )
            for locale in locales:
                rendered = render_article(article, info, locale, catalogs, treatments)
                if row.number == current:
                    latest[locale][slug] = summarize(rendered)
                    ratios[locale][slug] = rendered.completeness.ratio
                    index_article(db, rendered)
                if slugs is not None and slug not in slugs:
                    continue
                written += put_document(db, article_key(slug, row.number, locale), rendered)
                for doc in section_documents(rendered):
                    written += put_document(
                        db, f"section/{slug}/{row.number}/{locale}/{doc.section.id}", doc
                    )
        if progress:
            progress(slug)
    written += _render_shared(db, locales, catalogs, treatments, latest, ratios)
    return written


def _render_shared(
    db: sqlite_utils.Database,
    locales: list[str],
    catalogs: Catalogs,
    treatments: TreatmentCatalog,
    latest: dict[str, dict[str, ArticleSummary]],
    ratios: dict[str, dict[str, float]],
) -> int:
    written = 0
    for locale in locales:
        written += put_document(db, f"articles/{locale}", list(latest[locale].values()))
        rendered = [render_treatment(t, locale, catalogs) for t in treatments.treatments]
        written += put_document(db, f"treatments/{locale}", rendered)
        for treatment in rendered:
            written += put_document(db, f"treatment/{treatment.id}/{locale}", treatment)
    written += put_document(
        db, "locales", [describe_locale(code, ratios[code]) for code in locales]
    )
    return written
