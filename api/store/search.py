"""Per-locale full-text indexes (SQLite FTS5) of the latest published version of each
article, written at import/publish time and only queried on the request path.

There is one FTS5 table per locale (`search_en`, `search_es`, `search_ar`, ...) rather than
one table with a locale column: bm25's statistics (how rare a term is, how long a section
is) then describe exactly the text a reader of that locale searches, Arabic sections with
their English fallback blocks are never ranked against Spanish ones, and a query reads
only its own locale's index. `search_articles` records which version and text each index
holds, so re-rendering unchanged content writes nothing.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3

import msgspec
import sqlite_utils

from api.core.errors import InvalidParameter
from api.core.locales import is_fallback
from api.core.output import ArticleOut, TreatmentOut
from api.core.search import (
    ELLIPSIS,
    MARK_CLOSE,
    MARK_OPEN,
    RecordHit,
    SearchHit,
    SearchResults,
    SectionLayout,
    SectionText,
    fold,
    match_expression,
    parse_snippet,
    record_text,
    section_texts,
)

__all__ = [
    "create_index_table",
    "create_records_table",
    "index_article",
    "index_records",
    "index_sections",
    "index_table",
    "indexed_locales",
    "records_table",
    "search_records",
    "search_results",
    "search_sections",
    "unindex_article",
]

# remove_diacritics 2 folds every Latin diacritic (`células` ~ `celulas`, also letters
# that version 1 misses); Arabic marks are removed before indexing by `fold`.
_TOKENIZER = "unicode61 remove_diacritics 2"
# bm25 weights, one per column: headings count four times as much as body text.
_RANK = "bm25(0.0, 0.0, 0.0, 0.0, 4.0, 1.0)"
_SNIPPET_TOKENS = 24
_TABLE_NAME = re.compile(r"^[a-z]{2,8}(?:_[a-z0-9]{1,8})*$")
_layout = msgspec.json.Decoder(SectionLayout)
_encode = msgspec.json.Encoder().encode


def index_table(locale: str) -> str:
    """The FTS5 table of a locale (`es-MX` -> `search_es_mx`); ValueError for anything that
    is not a plain locale code, since the name is part of SQL."""
    name = locale.lower().replace("-", "_")
    if not _TABLE_NAME.match(name):
        raise ValueError(f"{locale!r} cannot name a search index")
    return f"search_{name}"


def create_index_table(db: sqlite_utils.Database, table: str) -> None:
    """The FTS5 table of one locale's index, unless it exists."""
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    if exists:
        return
    db.execute(
        f"CREATE VIRTUAL TABLE {table} USING fts5(slug UNINDEXED, "
        "version UNINDEXED, section UNINDEXED, layout UNINDEXED, heading, body, "
        f"tokenize = '{_TOKENIZER}')"
    )
    # A persistent rank function lets `ORDER BY rank LIMIT n` use FTS5's fast path.
    db.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('rank', ?)", [_RANK])


def index_article(db: sqlite_utils.Database, rendered: ArticleOut) -> bool:
    """Replace what the index of `rendered.locale` holds for this article with this
    rendered version. Call inside the publishing transaction. False when nothing changed."""
    return index_sections(
        db, rendered.locale, rendered.slug, rendered.version, section_texts(rendered)
    )


def index_sections(
    db: sqlite_utils.Database, locale: str, slug: str, version: int, texts: list[SectionText]
) -> bool:
    """`index_article` of the section texts of a rendered version (`section_texts`)."""
    table = index_table(locale)
    digest = hashlib.sha256(_encode(texts)).hexdigest()
    row = db.execute(
        "SELECT version, digest, first_rowid, last_rowid FROM search_articles "
        "WHERE locale = ? AND slug = ?",
        [locale, slug],
    ).fetchone()
    if row is not None and tuple(row[:2]) == (version, digest):
        return False
    create_index_table(db, table)
    if row is not None:
        db.execute(f"DELETE FROM {table} WHERE rowid BETWEEN ? AND ?", [row[2], row[3]])
    last = db.execute(f"SELECT rowid FROM {table} ORDER BY rowid DESC LIMIT 1").fetchone()
    first = (last[0] if last else 0) + 1
    db.conn.executemany(
        f"INSERT INTO {table} (rowid, slug, version, section, layout, heading, body) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (n, slug, version, t.section, _encode(t.layout), t.heading, t.body)
            for n, t in enumerate(texts, start=first)
        ],
    )
    db.execute(
        "INSERT OR REPLACE INTO search_articles "
        "(locale, slug, version, digest, first_rowid, last_rowid) VALUES (?, ?, ?, ?, ?, ?)",
        [locale, slug, version, digest, first, first + len(texts) - 1],
    )
    return True


def indexed_locales(db: sqlite_utils.Database) -> list[str]:
    """Locales that have a search index."""
    return [r[0] for r in db.execute("SELECT DISTINCT locale FROM search_articles ORDER BY 1")]


def search_sections(
    db: sqlite_utils.Database, locale: str, expression: str, limit: int
) -> tuple[SearchHit, ...]:
    """The best sections for an FTS5 expression (from `match_expression`) in one locale's
    index, best first. A locale without an index has no results."""
    if db.execute("SELECT 1 FROM search_articles WHERE locale = ?", [locale]).fetchone() is None:
        return ()
    table = index_table(locale)
    try:
        rows = db.execute(
            f"SELECT slug, version, section, layout, heading, body, "
            f"snippet({table}, -1, ?, ?, ?, ?) FROM {table} WHERE {table} MATCH ? "
            "ORDER BY rank LIMIT ?",
            [MARK_OPEN, MARK_CLOSE, ELLIPSIS, _SNIPPET_TOKENS, expression, limit],
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise
        # match_expression quotes every word, so this is a safety net, never a 500.
        raise InvalidParameter("q", "cannot be searched; use plain words") from exc
    return tuple(_hit(locale, *row) for row in rows)


def search_results(db: sqlite_utils.Database, query: str, locale: str, limit: int) -> bytes:
    """The final JSON answer to a reader's query in one locale."""
    hits = search_sections(db, locale, match_expression(query), limit)
    return _encode(SearchResults(query=query, locale=locale, results=hits))


def _hit(
    locale: str,
    slug: str,
    version: int,
    section: str,
    layout_json: str,
    heading: str | None,
    body: str,
    marked: str,
) -> SearchHit:
    snippet, spans = parse_snippet(marked)
    layout = _layout.decode(layout_json)
    text_locale = layout.heading_locale or locale
    block: str | None = None
    # The snippet is a verbatim stretch of the body or the heading, between optional
    # ellipses: where it sits in the body tells which block its first match is in.
    lead = len(ELLIPSIS) if snippet.startswith(ELLIPSIS) else 0
    fragment = snippet[lead:].removesuffix(ELLIPSIS)
    at = body.replace("\n", " ").find(fragment) if fragment else -1
    if at >= 0:
        first = at + (spans[0].start - lead if spans else 0)
        for span in layout.blocks:
            if span.start <= first <= span.end:
                block, text_locale = span.id, span.locale
                break
    return SearchHit(
        slug=slug,
        version=version,
        section_id=section,
        heading=heading,
        block_id=block,
        locale=text_locale,
        fallback=is_fallback(text_locale, locale),
        snippet=snippet,
        highlights=spans,
    )


def unindex_article(db: sqlite_utils.Database, slug: str) -> None:
    """Remove an article from every locale's index (it was withdrawn), inside the
    withdrawing transaction."""
    rows = db.execute(
        "SELECT locale, first_rowid, last_rowid FROM search_articles WHERE slug = ?", [slug]
    ).fetchall()
    for locale, first, last in rows:
        db.execute(f"DELETE FROM {index_table(locale)} WHERE rowid BETWEEN ? AND ?", [first, last])
    db.execute("DELETE FROM search_articles WHERE slug = ?", [slug])


def create_records_table(db: sqlite_utils.Database, table: str) -> bool:
    """The FTS5 table of one locale's treatment records, unless it exists (True: made)."""
    if not table.startswith("records_search_") or not _TABLE_NAME.match(
        table.removeprefix("records_search_")
    ):
        raise ValueError(f"{table!r} is not a records index")
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    if exists:
        return False
    db.execute(
        f"CREATE VIRTUAL TABLE {table} USING fts5(id UNINDEXED, article UNINDEXED, "
        f"section UNINDEXED, name, body, tokenize = '{_TOKENIZER}')"
    )
    return True


def records_table(locale: str) -> str:
    """The FTS5 table of a locale's treatment records (`es` -> `records_search_es`)."""
    return "records_" + index_table(locale)


def index_records(db: sqlite_utils.Database, locale: str, records: list[TreatmentOut]) -> bool:
    """Replace the index of `locale`'s treatment records with these rendered ones, inside
    the render's transaction (a handful of rows, written whole; nothing when unchanged).
    False when nothing changed."""
    table = records_table(locale)
    rows = [(r.id, r.article, r.section, fold(r.name.text), record_text(r)) for r in records]
    made = create_records_table(db, table)
    stored = db.execute(f"SELECT id, article, section, name, body FROM {table} ORDER BY rowid")
    if not made and [tuple(row) for row in stored] == rows:
        return False
    db.execute(f"DELETE FROM {table}")
    db.conn.executemany(
        f"INSERT INTO {table} (id, article, section, name, body) VALUES (?, ?, ?, ?, ?)", rows
    )
    return True


def search_records(
    db: sqlite_utils.Database, locale: str, expression: str, limit: int
) -> tuple[RecordHit, ...]:
    """The treatment records of `locale` matching an FTS5 expression (from
    `match_expression`), best first; none when the locale has no records index."""
    table = records_table(locale)
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    if not exists:
        return ()
    try:
        rows = db.execute(
            f"SELECT id, name, article, section, snippet({table}, -1, ?, ?, ?, ?) FROM {table} "
            f"WHERE {table} MATCH ? ORDER BY rank LIMIT ?",
            [MARK_OPEN, MARK_CLOSE, ELLIPSIS, _SNIPPET_TOKENS, expression, limit],
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise
        raise InvalidParameter("q", "cannot be searched; use plain words") from exc
    out = []
    for record_id, name, article, section, marked in rows:
        snippet, spans = parse_snippet(marked)
        out.append(
            RecordHit(
                id=record_id,
                name=name,
                article=article,
                section=section,
                locale=locale,
                snippet=snippet,
                highlights=spans,
            )
        )
    return tuple(out)
