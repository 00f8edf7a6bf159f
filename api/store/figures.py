"""The locale metadata (`GET /v1/locales`) as rows: each article's completeness and safety
coverage in each locale, stored when the article is rendered, and spliced into the
document when it is asked for (docs/decisions/spliced-lists.md).

The document (a list of api.core.locales.LocaleInfo) holds every published article's two
figures in every locale: about 5 MB at 10,000 articles. Rewriting it (encoding, hashing,
compressing) at every publish and approval grew with the catalogue; now a render writes
its articles' rows, and the document is spliced from the rows in slug order, the bytes
msgspec writes for the whole list, so its strong ETag is what it was.

The sync ledger holds the metadata as one item. It tells a change from the figures'
version (`figures_version`, moved on by every row a render or a withdrawal changes) and
the locales' own facts, not from a hash of the whole document, so that a publish costs
what it changed; the ETag clients see is still that of the bytes (`Reader`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

import msgspec
import sqlite_utils

from api.core.locales import describe_locale
from api.store.translations import rendered_locales

__all__ = [
    "create_figures_tables",
    "drop_other_locales",
    "figures_complete",
    "figures_held",
    "figures_token",
    "locales_body",
    "store_figures",
    "unlist_figures",
]

_encode = msgspec.json.Encoder().encode
_EMPTY = b'"completeness":{},"safety_coverage":{}}'
"""How an api.core.locales.LocaleInfo without figures ends, as msgspec writes it."""


def create_figures_tables(db: sqlite_utils.Database) -> None:
    """The tables, and their rows from the stored locale metadata (a database rendered by
    an earlier release; each figure keeps its bytes)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS locale_figures (locale TEXT NOT NULL, slug TEXT NOT NULL, "
        "completeness BLOB NOT NULL, safety BLOB NOT NULL, PRIMARY KEY (locale, slug)) "
        "WITHOUT ROWID"
    )
    # A withdrawal finds an article's rows in every locale by its slug.
    db.execute("CREATE INDEX IF NOT EXISTS locale_figures_slug ON locale_figures (slug)")
    # `complete`: every published article has its rows (else the next render makes them).
    db.execute(
        "CREATE TABLE IF NOT EXISTS figures_version (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "number INTEGER NOT NULL, complete INTEGER NOT NULL)"
    )
    db.execute("INSERT OR IGNORE INTO figures_version (id, number, complete) VALUES (1, 0, 1)")
    row = db.execute(
        "SELECT b.body FROM documents d JOIN blobs b ON b.etag = d.etag WHERE d.key = 'locales'"
    ).fetchone()
    try:
        stored = msgspec.json.decode(row[0] if row else b"[]", type=list[_StoredFigures])
    except msgspec.ValidationError:
        stored = []  # written by a release whose metadata differ
    if row is None or not stored:
        published = db.execute("SELECT 1 FROM publications LIMIT 1").fetchone() is not None
        db.execute("UPDATE figures_version SET complete = ?", [int(not published)])
        return
    db.conn.executemany(
        "INSERT OR REPLACE INTO locale_figures (locale, slug, completeness, safety) "
        "VALUES (?, ?, ?, ?)",
        [
            (info.code, slug, _figure(slug, ratio), _figure(slug, info.safety_coverage[slug]))
            for info in stored
            for slug, ratio in info.completeness.items()
            if slug in info.safety_coverage
        ],
    )


class _StoredFigures(msgspec.Struct):
    """A stored LocaleInfo's figures, each as the bytes it was written with."""

    code: str
    completeness: dict[str, msgspec.Raw]
    safety_coverage: dict[str, msgspec.Raw]


def _figure(slug: str, value: float | msgspec.Raw) -> bytes:
    """One article's entry in a figure's object: `"<slug>":<value>`."""
    raw = bytes(value) if isinstance(value, msgspec.Raw) else _encode(value)
    return _encode(slug) + b":" + raw


def store_figures(
    db: sqlite_utils.Database, locale: str, slug: str, completeness: float, safety: float
) -> bool:
    """Put an article's figures in `locale` (in the rendering transaction); return True
    when they changed (then the figures' version moves on)."""
    cursor = db.execute(
        "INSERT INTO locale_figures (locale, slug, completeness, safety) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (locale, slug) DO UPDATE SET completeness = excluded.completeness, "
        "safety = excluded.safety WHERE completeness != excluded.completeness "
        "OR safety != excluded.safety",
        [locale, slug, _figure(slug, completeness), _figure(slug, safety)],
    )
    if cursor.rowcount <= 0:
        return False
    _moved(db)
    return True


def unlist_figures(db: sqlite_utils.Database, slug: str) -> None:
    """Take a withdrawn article's figures out of every locale (by its key)."""
    if db.execute("DELETE FROM locale_figures WHERE slug = ?", [slug]).rowcount > 0:
        _moved(db)


def drop_other_locales(db: sqlite_utils.Database, locales: Iterable[str]) -> None:
    """Drop the figures of every locale not in `locales` (no longer served): a scan, for a
    render of every article only."""
    codes = sorted(locales)
    marks = ", ".join("?" for _ in codes)
    if db.execute(f"DELETE FROM locale_figures WHERE locale NOT IN ({marks})", codes).rowcount:
        _moved(db)


def _moved(db: sqlite_utils.Database) -> None:
    db.execute("UPDATE figures_version SET number = number + 1 WHERE id = 1")


def figures_held(db: sqlite_utils.Database) -> bool:
    """Whether every published article's figures are stored: what a render of some
    articles keeps of the others (else it renders every article)."""
    row = db.execute("SELECT complete FROM figures_version WHERE id = 1").fetchone()
    return bool(row and row[0])


def figures_complete(db: sqlite_utils.Database) -> None:
    """Note that every published article's figures are stored (a render of them all)."""
    db.execute("UPDATE figures_version SET complete = 1 WHERE id = 1 AND complete = 0")


def _heads(locales: Iterable[str]) -> list[bytes]:
    """Each locale's LocaleInfo up to its figures, as msgspec writes it."""
    return [_head(code) for code in locales]


@lru_cache(maxsize=64)
def _head(code: str) -> bytes:
    whole = _encode(describe_locale(code, {}, {}))
    assert whole.endswith(_EMPTY)  # the figures are LocaleInfo's last fields
    return whole[: -len(_EMPTY)]


def locales_body(db: sqlite_utils.Database) -> bytes:
    """`GET /v1/locales` as final JSON: each rendered locale, in order, with every
    published article's figures in slug order, spliced from the rows: the bytes msgspec
    writes for the list of api.core.locales.LocaleInfo."""
    locales = rendered_locales(db)
    parts = []
    for code, head in zip(locales, _heads(locales), strict=True):
        rows = db.execute(
            "SELECT completeness, safety FROM locale_figures WHERE locale = ? ORDER BY slug",
            [code],
        ).fetchall()
        completeness = b",".join(bytes(c) for c, _ in rows)
        safety = b",".join(bytes(s) for _, s in rows)
        parts.append(
            head + b'"completeness":{' + completeness + b'},"safety_coverage":{' + safety + b"}}"
        )
    return b"[" + b",".join(parts) + b"]"


def figures_token(db: sqlite_utils.Database, locales: list[str]) -> str:
    """What the sync ledger holds for the locale metadata: it changes whenever its bytes
    can have (a figure stored, an article withdrawn, a locale added or dropped, CLDR's
    names of a locale), without reading every article's figures."""
    number = db.execute("SELECT number FROM figures_version WHERE id = 1").fetchone()
    digest = hashlib.sha256(
        b"\n".join([str(number[0] if number else 0).encode(), *_heads(locales)])
    )
    return '"figures-' + digest.hexdigest()[:24] + '"'
