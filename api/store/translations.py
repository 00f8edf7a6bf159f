"""Stored translations per locale: approved ones are served, pending ones await review."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection

import msgspec
import sqlite_utils

from api.core.catalog import CatalogEntry, CatalogHeader, ParsedCatalog
from api.core.catalog_domains import SHARED_PREFIXES, context_ranges
from api.core.locales import served_locales
from api.core.negotiation import DEFAULT_LOCALE
from api.core.render import Catalogs
from api.core.template import Remembered
from api.store.versions import now

__all__ = [
    "TEMPLATE_LOCALE",
    "approved_memory",
    "article_catalogs",
    "available_locales",
    "catalog_entries",
    "catalog_hash",
    "catalog_header",
    "domain_filter",
    "rendered_locales",
    "replace_catalog",
    "shared_catalogs",
    "store_header",
    "store_translations",
    "translation_memory",
]

_ENTRY = "context, source, text, fuzzy, previous, comments"
# The template's header is kept beside the locales' under a key no locale code can take.
TEMPLATE_LOCALE = "*template"

_header_json = msgspec.json.Encoder(order="deterministic")
_header = msgspec.json.Decoder(CatalogHeader)


def store_translations(
    db: sqlite_utils.Database,
    locale: str,
    entries: tuple[CatalogEntry, ...],
    status: str,
    author: str,
    at: str | None = None,
) -> None:
    """Store `entries` as `author`'s, dated `at` (default now)."""
    stamp = at or now()
    # In key order, so the rows and the key's index grow at their ends instead of splitting
    # pages all over (a 100,000-entry catalog stores in two thirds of the time). A stable
    # sort: were a message there twice, the later one would still replace the earlier.
    ordered = sorted(entries, key=lambda e: (e.context, e.source))
    db.conn.executemany(
        "INSERT OR REPLACE INTO translations (locale, context, source, text, fuzzy, status, "
        "author, updated_at, previous, comments) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                locale,
                e.context,
                e.source,
                e.text,
                int(e.fuzzy),
                status,
                author,
                stamp,
                e.previous,
                "\n".join(e.comments) or None,
            )
            for e in ordered
        ),
    )


def store_header(
    db: sqlite_utils.Database, locale: str, status: str, header: CatalogHeader
) -> None:
    db.execute(
        "INSERT INTO catalog_headers (locale, header) VALUES (?, ?) "
        "ON CONFLICT (locale) DO UPDATE SET header = excluded.header",
        [f"{locale}#{status}", _header_json.encode(header).decode()],
    )


def domain_filter(domain: str | None) -> tuple[str, list[str]]:
    """An SQL condition (with its parameters) holding the messages of `domain`: the key
    ranges of its contexts; for None (the whole locale), always true."""
    if domain is None:
        return "1", []
    ranges = context_ranges(domain)
    sql = " OR ".join("(context >= ? AND context < ?)" for _ in ranges)
    return f"({sql})", [bound for pair in ranges for bound in pair]


def replace_catalog(
    db: sqlite_utils.Database,
    catalog: ParsedCatalog,
    *,
    status: str,
    author: str,
    at: str | None = None,
) -> int:
    """Make `catalog` the translations with `status` of its locale, or of its domain of
    the locale (inside a transaction), dated `at` (default now)."""
    where, bounds = domain_filter(catalog.domain)
    db.execute(
        f"DELETE FROM translations WHERE locale = ? AND status = ? AND {where}",
        [catalog.locale, status, *bounds],
    )
    store_translations(db, catalog.locale, catalog.entries, status, author, at)
    store_header(db, catalog.locale, status, catalog.header)
    return len(catalog.entries)


def catalog_entries(
    db: sqlite_utils.Database,
    locale: str,
    status: str = "approved",
    domain: str | None = None,
) -> list[CatalogEntry]:
    """A locale's stored entries (of one domain, or all)."""
    where, bounds = domain_filter(domain)
    rows = db.execute(
        f"SELECT {_ENTRY} FROM translations WHERE locale = ? AND status = ? AND {where} "
        "ORDER BY context, source",
        [locale, status, *bounds],
    ).fetchall()
    return [
        CatalogEntry(
            context=r[0],
            source=r[1],
            text=r[2],
            fuzzy=bool(r[3]),
            previous=r[4],
            comments=tuple(r[5].split("\n")) if r[5] else (),
        )
        for r in rows
    ]


def catalog_header(
    db: sqlite_utils.Database, locale: str, status: str = "approved"
) -> CatalogHeader | None:
    """The header a locale's catalog was imported or approved with."""
    row = db.execute(
        "SELECT header FROM catalog_headers WHERE locale = ?", [f"{locale}#{status}"]
    ).fetchone()
    return _header.decode(row[0]) if row else None


def catalog_hash(entries: list[CatalogEntry] | tuple[CatalogEntry, ...]) -> str:
    """A digest of a set of translations (order-independent, line numbers ignored)."""
    canonical = sorted((e.context, e.source, e.text, e.fuzzy) for e in entries)
    return "sha256:" + hashlib.sha256(msgspec.json.encode(canonical)).hexdigest()


def article_catalogs(db: sqlite_utils.Database, article: str, locales: Collection[str]) -> Catalogs:
    """The approved translations of one article's messages in `locales`, read by key
    range (an article's contexts are `<slug>/…`; "0" is the character after "/")."""
    out: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for locale in locales:
        for context, source, text in db.execute(
            "SELECT context, source, text FROM translations WHERE locale = ? "
            "AND context >= ? AND context < ? AND status = 'approved' AND fuzzy = 0 "
            "AND text != ''",
            [locale, f"{article}/", f"{article}0"],
        ):
            out[locale][(context, source)] = text
    return dict(out)


def shared_catalogs(db: sqlite_utils.Database, articles: Collection[str]) -> Catalogs:
    """Approved translations of every message that belongs to no article in `articles`
    (treatment records, fact phrases): what every article's rendering needs besides its own.
    Read by key range, so the cost follows those messages, not the catalogue; an article
    named like a shared prefix makes it read every translation."""
    out: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    approved = "status = 'approved' AND fuzzy = 0 AND text != ''"
    if set(SHARED_PREFIXES) & set(articles):
        ranges: list[tuple[str, list[str]]] = [
            ("SELECT locale, context, source, text FROM translations WHERE " + approved, [])
        ]
    else:
        ranges = [
            (
                "SELECT locale, context, source, text FROM translations "
                f"WHERE locale = ? AND context >= ? AND context < ? AND {approved}",
                [locale, f"{prefix}/", f"{prefix}0"],
            )
            for locale in _locales(db)
            for prefix in SHARED_PREFIXES
        ]
    for query, parameters in ranges:
        for locale, context, source, text in db.execute(query, parameters):
            if context.partition("/")[0] not in articles:
                out[locale][(context, source)] = text
    return dict(out)


def _locales(db: sqlite_utils.Database) -> list[str]:
    """Every locale with translations, one index seek each (a DISTINCT reads them all)."""
    found: list[str] = []
    while True:
        row = db.execute(
            "SELECT min(locale) FROM translations WHERE locale > ?", [found[-1] if found else ""]
        ).fetchone()
        if row[0] is None:
            return found
        found.append(row[0])


_MEMORY_BATCH = 500


def translation_memory(
    db: sqlite_utils.Database, locale: str, sources: Collection[str]
) -> dict[str, Remembered]:
    """For each of `sources`, an approved, served translation in `locale` of that very
    source text in any message (the first by msgctxt), if one exists. Texts are stored in
    NFC, so "identical" is equality after Unicode normalisation."""
    out: dict[str, Remembered] = {}
    wanted = sorted(set(sources))
    for start in range(0, len(wanted), _MEMORY_BATCH):
        batch = wanted[start : start + _MEMORY_BATCH]
        marks = ", ".join("?" for _ in batch)
        rows = db.execute(
            "SELECT source, text, context FROM translations WHERE locale = ? "
            "AND status = 'approved' AND fuzzy = 0 AND text != '' "
            f"AND source IN ({marks}) ORDER BY context",
            [locale, *batch],
        )
        for source, text, context in rows:
            out.setdefault(source, Remembered(text=text, context=context))
    return out


def approved_memory(db: sqlite_utils.Database, locale: str) -> list[tuple[str, str, str]]:
    """Every approved, served translation of `locale` as (source, text, msgctxt), each
    pair of source and translation once (the first msgctxt), in msgctxt order."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str, str]] = []
    for source, text, context in db.execute(
        "SELECT source, text, context FROM translations WHERE locale = ? "
        "AND status = 'approved' AND fuzzy = 0 AND text != '' ORDER BY context, source",
        [locale],
    ):
        if (source, text) not in seen:
            seen.add((source, text))
            out.append((source, text, context))
    return out


def available_locales(db: sqlite_utils.Database) -> list[str]:
    """The default locale and every locale with approved translations."""
    approved = [
        locale
        for locale in _locales(db)
        if db.execute(
            "SELECT 1 FROM translations WHERE locale = ? AND status = 'approved' LIMIT 1",
            [locale],
        ).fetchone()
    ]
    return sorted({DEFAULT_LOCALE, *approved})


def rendered_locales(db: sqlite_utils.Database) -> list[str]:
    """The locales documents are rendered and served in: `available_locales` and the
    regional locales of their languages (`api.core.locales.REGIONAL_FORMATS`)."""
    return served_locales(available_locales(db))
