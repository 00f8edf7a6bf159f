"""The article lists as rows: one per published article and locale (its summary, as
`GET /v1/articles` serves it) and one per word of its title, written when the article is
rendered and read a page at a time by a slug cursor. A page, filtered or searched, is an
index seek plus at most a page of rows: the same work at 10 articles as at 10,000.

The whole list of a locale (`GET /v1/articles` without paging) and the sitemap (one row
per article, `sitemap_entries`) are spliced from these rows when asked for, not stored
whole at every publish (docs/decisions/spliced-lists.md)."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import sqlite_utils

from api.core.listing import ListQuery, title_words
from api.core.output import ArticleSummary
from api.store.figures import unlist_figures

__all__ = [
    "article_list_body",
    "article_page",
    "create_list_tables",
    "create_sitemap_table",
    "sitemap_body",
    "store_sitemap_entry",
    "store_summary",
    "stored_summaries",
    "unlist_article",
    "withdrawn_articles",
]

_encode = msgspec.json.Encoder(order="deterministic").encode
_summaries = msgspec.json.Decoder(list[ArticleSummary])
_summary = msgspec.json.Decoder(ArticleSummary)


def create_list_tables(db: sqlite_utils.Database) -> None:
    """The tables, and their rows from the stored lists of each locale (a database rendered
    by an earlier release)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS article_list (locale TEXT NOT NULL, slug TEXT NOT NULL, "
        "review_status TEXT, body BLOB NOT NULL, PRIMARY KEY (locale, slug)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS article_list_review ON article_list "
        "(locale, review_status, slug)"
    )
    # A withdrawal finds an article's rows in every locale by its slug.
    db.execute("CREATE INDEX IF NOT EXISTS article_list_slug ON article_list (slug)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS article_words (locale TEXT NOT NULL, word TEXT NOT NULL, "
        "slug TEXT NOT NULL, PRIMARY KEY (locale, word, slug)) WITHOUT ROWID"
    )
    rows = db.execute(
        "SELECT d.key, b.body FROM documents d JOIN blobs b ON b.etag = d.etag "
        "WHERE d.key LIKE 'articles/%'"
    ).fetchall()
    for _, body in rows:
        try:
            summaries = _summaries.decode(body)
        except msgspec.ValidationError:
            continue  # rendered by a release whose summaries differ: the next render fills it
        for summary in summaries:
            store_summary(db, summary)


def store_summary(db: sqlite_utils.Database, summary: ArticleSummary) -> None:
    """Put an article's summary in its locale's list (in the rendering transaction)."""
    body = _encode(summary)
    status = summary.review.review_status if summary.review else None
    row = db.execute(
        "SELECT body FROM article_list WHERE locale = ? AND slug = ?",
        [summary.locale, summary.slug],
    ).fetchone()
    if row is not None and bytes(row[0]) == body:
        return
    old = _words(_summary.decode(row[0])) if row is not None else frozenset()
    words = _words(summary)
    db.execute(
        "INSERT OR REPLACE INTO article_list (locale, slug, review_status, body) "
        "VALUES (?, ?, ?, ?)",
        [summary.locale, summary.slug, status, body],
    )
    # Each word by its key: an article's own words, never a scan of the locale's.
    db.conn.executemany(
        "DELETE FROM article_words WHERE locale = ? AND word = ? AND slug = ?",
        [(summary.locale, word, summary.slug) for word in sorted(old - words)],
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO article_words (locale, word, slug) VALUES (?, ?, ?)",
        [(summary.locale, word, summary.slug) for word in sorted(words - old)],
    )


def stored_summaries(
    db: sqlite_utils.Database, locale: str, slugs: Iterable[str]
) -> dict[str, ArticleSummary]:
    """The stored list entries of `slugs` in `locale` (those it holds), each by its key."""
    found = {}
    for slug in sorted(set(slugs)):
        row = db.execute(
            "SELECT body FROM article_list WHERE locale = ? AND slug = ?", [locale, slug]
        ).fetchone()
        if row is not None:
            found[slug] = _summary.decode(row[0])
    return found


def _words(summary: ArticleSummary) -> frozenset[str]:
    return title_words(summary.title.text, summary.slug)


def unlist_article(db: sqlite_utils.Database, slug: str) -> None:
    """Take a withdrawn article out of every locale's list, the sitemap and the locale
    metadata (in the withdrawing transaction): its rows and its words, each found by its
    key."""
    rows = db.execute("SELECT locale, body FROM article_list WHERE slug = ?", [slug]).fetchall()
    for locale, body in rows:
        words = _words(_summary.decode(body))
        db.conn.executemany(
            "DELETE FROM article_words WHERE locale = ? AND word = ? AND slug = ?",
            [(locale, word, slug) for word in words],
        )
        db.execute("DELETE FROM article_list WHERE locale = ? AND slug = ?", [locale, slug])
    db.execute("DELETE FROM sitemap_entries WHERE slug = ?", [slug])
    unlist_figures(db, slug)


def create_sitemap_table(db: sqlite_utils.Database) -> None:
    """The sitemap as rows, one per published article (its entry as the sitemap serves
    it), and their rows from the stored sitemap (a database rendered by an earlier
    release)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS sitemap_entries (slug TEXT PRIMARY KEY, "
        "body BLOB NOT NULL) WITHOUT ROWID"
    )
    row = db.execute(
        "SELECT b.body FROM documents d JOIN blobs b ON b.etag = d.etag WHERE d.key = 'sitemap'"
    ).fetchone()
    if row is None:
        return
    stored = msgspec.json.decode(row[0], type=_SitemapEntries)
    slugs = msgspec.json.decode(row[0], type=_SitemapSlugs)
    db.conn.executemany(
        "INSERT OR REPLACE INTO sitemap_entries (slug, body) VALUES (?, ?)",
        [
            (named.slug, bytes(entry))
            for named, entry in zip(slugs.articles, stored.articles, strict=True)
        ],
    )


def store_sitemap_entry(db: sqlite_utils.Database, slug: str, body: bytes) -> None:
    """Put an article's sitemap entry (its JSON bytes) in the sitemap (in the rendering
    transaction)."""
    db.execute(
        "INSERT INTO sitemap_entries (slug, body) VALUES (?, ?) "
        "ON CONFLICT (slug) DO UPDATE SET body = excluded.body WHERE body != excluded.body",
        [slug, body],
    )


def article_list_body(db: sqlite_utils.Database, locale: str) -> bytes:
    """`GET /v1/articles` of `locale` without paging, as final JSON: every published
    article's summary in slug order, spliced from the rows (the bytes msgspec writes for
    the list of them)."""
    rows = db.execute(
        "SELECT body FROM article_list WHERE locale = ? ORDER BY slug", [locale]
    ).fetchall()
    return b"[" + b",".join(bytes(body) for (body,) in rows) + b"]"


def sitemap_body(db: sqlite_utils.Database) -> bytes:
    """`GET /v1/sitemap` as final JSON (an api.core.sitemap.Sitemap), spliced from the
    rows in slug order."""
    rows = db.execute("SELECT body FROM sitemap_entries ORDER BY slug").fetchall()
    return b'{"articles":[' + b",".join(bytes(body) for (body,) in rows) + b"]}"


class _Slugged(msgspec.Struct):
    slug: str


class _SitemapEntries(msgspec.Struct):
    articles: list[msgspec.Raw]


class _SitemapSlugs(msgspec.Struct):
    articles: list[_Slugged]


def article_page(
    db: sqlite_utils.Database, locale: str, query: ListQuery
) -> tuple[list[bytes], str | None]:
    """The summaries (JSON bytes, as stored) of one page of `locale`'s list in slug order,
    and the cursor of the next page (None on the last).

    With words, the longest word's index entries are walked in slug order from the cursor,
    and each other word (and the review status) is a lookup per article walked."""
    params: list[object] = [locale]
    where = []
    if query.words:
        # The longest word drives the walk: longer words are rarer, so fewer articles are
        # walked to fill a page when the other words are rare too.
        first = max(query.words, key=len)
        others = [word for word in query.words if word != first]
        source = "article_words w JOIN article_list l ON l.locale = w.locale AND l.slug = w.slug"
        where.append("w.locale = ? AND w.word = ?")
        params = [locale, first]
        for word in others:
            where.append(
                "EXISTS (SELECT 1 FROM article_words x WHERE x.locale = w.locale "
                "AND x.word = ? AND x.slug = w.slug)"
            )
            params.append(word)
        slug = "w.slug"
    else:
        source = "article_list l"
        where.append("l.locale = ?")
        slug = "l.slug"
    if query.review_status is not None:
        where.append("l.review_status = ?")
        params.append(query.review_status)
    if query.after is not None:
        where.append(f"{slug} > ?")
        params.append(query.after)
    rows = db.execute(
        f"SELECT {slug}, l.body FROM {source} WHERE {' AND '.join(where)} ORDER BY {slug} LIMIT ?",
        [*params, query.limit + 1],
    ).fetchall()
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return [bytes(body) for _, body in page], (str(page[-1][0]) if more else None)


def withdrawn_articles(db: sqlite_utils.Database, limit: int) -> tuple[str, ...]:
    """The slugs of up to `limit` withdrawn articles, in slug order (read from the
    withdrawals, which are few, not from every article)."""
    rows = db.execute(
        "SELECT DISTINCT item FROM withdrawals WHERE kind = 'article' AND status = 'withdrawn' "
        "AND item NOT IN (SELECT slug FROM publications) ORDER BY item LIMIT ?",
        [limit],
    ).fetchall()
    return tuple(str(row[0]) for row in rows)
