"""The article lists as rows: a page by a slug cursor, filtered by review status and
searched by title words, kept in step with publishing and withdrawing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import msgspec
import sqlite_utils

from api.core.listing import ListQuery, query_words
from api.store.documents import put_bytes
from api.store.listing import article_list_body, article_page, sitemap_body
from api.store.schema import migrate, open_database
from api.store.translations import rendered_locales
from api.store.withdrawals import approve_withdrawal, request_withdrawal
from tests.conftest import SLUG
from tests.editing import EDITOR, REVIEWER, new_article, publish_change


def _slugs(
    db: sqlite_utils.Database, locale: str, query: ListQuery
) -> tuple[list[str], str | None]:
    bodies, after = article_page(db, locale, query)
    return [json.loads(b)["slug"] for b in bodies], after


def _db(tmp_path: Path, imported_db: Path) -> sqlite_utils.Database:
    shutil.copyfile(imported_db, tmp_path / "vetted.db")
    return open_database(tmp_path / "vetted.db")


def test_pages_follow_the_cursor_in_slug_order(tmp_path: Path, imported_db: Path) -> None:
    db = _db(tmp_path, imported_db)
    for slug, title in [("acne-basics", "Acne basics"), ("zinc-and-hair", "Zinc and hair")]:
        publish_change(db, new_article(slug, title), "New article")
    first, after = _slugs(db, "en", ListQuery(limit=2))
    assert first == ["acne-basics", SLUG]
    assert after == SLUG
    rest, end = _slugs(db, "en", ListQuery(limit=2, after=after))
    assert (rest, end) == (["zinc-and-hair"], None)
    # Every locale lists the new articles, in the source text until translated.
    spanish, _ = article_page(db, "es", ListQuery(after=SLUG))
    assert [msgspec.json.decode(b)["title"] for b in spanish] == [
        {"text": "Zinc and hair", "locale": "en", "fallback": True}
    ]


def test_search_finds_every_word_of_the_title_or_slug(tmp_path: Path, imported_db: Path) -> None:
    db = _db(tmp_path, imported_db)
    publish_change(db, new_article("zinc-and-hair", "Zinc and Hair Growth"), "New article")
    assert _slugs(db, "en", ListQuery(words=query_words("HAIR")))[0] == [SLUG, "zinc-and-hair"]
    assert _slugs(db, "en", ListQuery(words=query_words("hair growth")))[0] == ["zinc-and-hair"]
    assert _slugs(db, "en", ListQuery(words=query_words("hair nothing")))[0] == []
    # Spanish readers find the article by its Spanish title, accents ignored.
    assert _slugs(db, "es", ListQuery(words=query_words("celulas")))[0] == [SLUG]


def test_the_review_status_filters(tmp_path: Path, imported_db: Path) -> None:
    db = _db(tmp_path, imported_db)
    status = json.loads(article_page(db, "en", ListQuery())[0][0])["review"]["review_status"]
    other = "overdue" if status != "overdue" else "current"
    assert _slugs(db, "en", ListQuery(review_status=status))[0] == [SLUG]
    assert _slugs(db, "en", ListQuery(review_status=other))[0] == []


def test_a_withdrawn_article_leaves_the_lists(tmp_path: Path, imported_db: Path) -> None:
    db = _db(tmp_path, imported_db)
    publish_change(db, new_article("zinc-and-hair", "Zinc and hair"), "New article")
    asked = request_withdrawal(db, EDITOR, "article", "zinc-and-hair", "Under review.")
    approve_withdrawal(db, REVIEWER, asked.id, asked.etag)
    assert _slugs(db, "en", ListQuery())[0] == [SLUG]
    assert _slugs(db, "en", ListQuery(words=("zinc",)))[0] == []
    listed = [entry["slug"] for entry in json.loads(sitemap_body(db))["articles"]]
    assert listed == [SLUG]


def test_the_migration_fills_the_lists_from_the_stored_ones(
    tmp_path: Path, imported_db: Path
) -> None:
    db = _db(tmp_path, imported_db)
    served = {code: article_list_body(db, code) for code in rendered_locales(db)}
    sitemap = sitemap_body(db)
    # Schema 20 stored the lists and the sitemap whole, and had no rows of them.
    for code, body in served.items():
        put_bytes(db, f"articles/{code}", body)
    put_bytes(db, "sitemap", sitemap)
    for table in ("article_list", "article_words", "sitemap_entries"):
        db.execute(f"DROP TABLE {table}")
    db.execute("PRAGMA user_version = 20")
    migrate(db)
    assert _slugs(db, "ar", ListQuery())[0] == [SLUG]
    assert _slugs(db, "en", ListQuery(words=("stem", "cell")))[0] == [SLUG]
    # Migration 23: the same bytes served from the rows, the stored ones gone.
    assert {code: article_list_body(db, code) for code in served} == served
    assert sitemap_body(db) == sitemap
    keys = db.execute("SELECT key FROM documents WHERE key LIKE 'articles/%' OR key = 'sitemap'")
    assert keys.fetchall() == []


def test_a_new_title_is_found_by_its_words_and_not_the_old_ones(
    tmp_path: Path, imported_db: Path
) -> None:
    db = _db(tmp_path, imported_db)
    publish_change(db, new_article("zinc-and-hair", "Zinc and hair"), "New article")
    publish_change(db, new_article("zinc-and-hair", "Zinc supplements"), "Retitled")
    assert _slugs(db, "en", ListQuery(words=("supplements",)))[0] == ["zinc-and-hair"]
    assert _slugs(db, "en", ListQuery(words=("zinc", "hair")))[0] == ["zinc-and-hair"]  # slug
    assert _slugs(db, "en", ListQuery(words=("and", "supplements")))[0] == ["zinc-and-hair"]
    words = db.execute(
        "SELECT word FROM article_words WHERE locale = 'en' AND slug = 'zinc-and-hair'"
    ).fetchall()
    assert sorted(w for (w,) in words) == ["and", "hair", "supplements", "zinc"]
