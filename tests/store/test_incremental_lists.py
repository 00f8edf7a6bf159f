"""A publish, a withdrawal, a scheduled publication or an approval renders only what it
changed, and keeps every other article's entries in the lists, the sitemap and the locale
metadata as stored: the stored documents stay byte for byte what rendering everything
again makes."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from msgspec.structs import replace

from api.sources import read_content
from api.store.catalogs import approve_catalog
from api.store.catch_up import run_due_schedules
from api.store.drafts import schedule_draft
from api.store.figures import locales_body
from api.store.importer import import_content
from api.store.listing import article_list_body, sitemap_body
from api.store.rendering import render_documents
from api.store.schema import open_database, transaction
from api.store.versions import latest_version, load_article
from api.store.withdrawals import approve_withdrawal, request_withdrawal
from bench.corpus import SOURCE_SLUG, copy_slug, write_corpus
from tests.editing import (
    EDITOR,
    ES_REVIEWER,
    REVIEWER,
    draft_in_review,
    publish_change,
    spanish_title_in_review,
)

ARTICLES = 4
LOCALES = ("en", "es", "es-MX", "fr", "fr-CA", "ar")


def _documents(db: sqlite_utils.Database) -> dict[str, bytes]:
    """Every stored document, and the lists, the sitemap and the locale metadata as they
    are served (spliced from their rows)."""
    stored = {
        key: bytes(body)
        for key, body in db.execute(
            "SELECT d.key, b.body FROM documents d JOIN blobs b ON b.etag = d.etag"
        )
    }
    spliced = {f"articles/{locale}": article_list_body(db, locale) for locale in LOCALES}
    return {**stored, **spliced, "sitemap": sitemap_body(db), "locales": locales_body(db)}


def _rendered_again(db: sqlite_utils.Database, folder: Path) -> dict[str, bytes]:
    """The documents of a copy of `db` after rendering everything again, the rows of the
    lists, the sitemap and the locale metadata made anew."""
    path = folder / f"copy-{len(list(folder.iterdir()))}.db"
    target = sqlite3.connect(path)
    db.conn.backup(target)
    target.close()
    copy = open_database(path)
    with transaction(copy):
        for table in ("article_list", "article_words", "sitemap_entries", "locale_figures"):
            copy.execute(f"DELETE FROM {table}")
        render_documents(copy)
    documents = _documents(copy)
    copy.conn.close()
    return documents


def _assert_as_rendered_again(db: sqlite_utils.Database, folder: Path) -> None:
    stored = _documents(db)
    again = _rendered_again(db, folder)
    assert sorted(stored) == sorted(again)
    differ = [key for key in stored if stored[key] != again[key]]
    assert differ == []


def _retitled(db: sqlite_utils.Database, slug: str, title: str):  # type: ignore[no-untyped-def]
    head = latest_version(db, slug)
    assert head is not None
    return replace(load_article(db, slug, head.number), title=title)


@pytest.mark.slow  # an import and several renders: out of the fast loop
def test_changes_keep_the_lists_as_a_full_render_makes_them(tmp_path: Path) -> None:
    write_corpus(Path(__file__).resolve().parents[2], tmp_path / "tree", ARTICLES)
    db = open_database(tmp_path / "v.db")
    import_content(db, read_content(tmp_path / "tree" / "content", tmp_path / "tree" / "locales"))
    copies = tmp_path / "copies"
    copies.mkdir()
    _assert_as_rendered_again(db, copies)
    assert json.loads(_documents(db)["articles/es"])[0]["slug"] == SOURCE_SLUG
    assert len(json.loads(_documents(db)["sitemap"])["articles"]) == ARTICLES

    # A publish: a new title in the lists (and its translation missing: completeness drops).
    publish_change(db, _retitled(db, copy_slug(2), "A new title"))
    listed = _documents(db)["articles/es"]
    assert b"A new title" in listed
    _assert_as_rendered_again(db, copies)

    # A withdrawal: the article leaves the lists, the sitemap and the locale metadata.
    withdrawal = request_withdrawal(db, EDITOR, "article", copy_slug(1), "Superseded advice")
    approve_withdrawal(db, REVIEWER, withdrawal.id, withdrawal.etag)
    documents = _documents(db)
    assert copy_slug(1).encode() not in documents["sitemap"]
    assert copy_slug(1).encode() not in documents["articles/fr"]
    _assert_as_rendered_again(db, copies)

    # A scheduled publication, carried out when due.
    draft = draft_in_review(db, _retitled(db, copy_slug(3), "A scheduled title"))
    due = datetime.now(UTC) + timedelta(hours=1)
    stamp = due.strftime("%Y-%m-%dT%H:%M:%SZ")
    schedule_draft(db, REVIEWER, draft.id, draft.etag, stamp)
    assert run_due_schedules(db, due + timedelta(seconds=1))
    assert b"A scheduled title" in _documents(db)["articles/en"]
    _assert_as_rendered_again(db, copies)

    # An approval of one entry of one article's catalog.
    context, review = spanish_title_in_review(db, SOURCE_SLUG, "Un título revisado")
    approve_catalog(db, ES_REVIEWER, "es", review, [context], SOURCE_SLUG)
    assert "Un título revisado".encode() in _documents(db)["articles/es"]
    _assert_as_rendered_again(db, copies)
