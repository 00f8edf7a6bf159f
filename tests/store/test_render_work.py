"""An import renders its articles in worker processes while it writes the ones before; a
publish renders in line. Both store the same bytes, list rows, search rows and figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from api.sources import read_content
from api.store.importer import import_content
from api.store.rendering import render_documents
from api.store.schema import open_database, transaction
from api.store.search import index_table
from api.store.translations import rendered_locales
from bench.corpus import write_corpus

# Worker processes: a second Python (the mark `make test-fast` leaves out).
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = 3
_MADE_AGAIN = (
    "article_list",
    "article_words",
    "sitemap_entries",
    "locale_figures",
    "search_articles",
)


def _state(db: sqlite_utils.Database) -> dict[str, Any]:
    """What rendering stores: documents (by key, the bytes and their compressed forms),
    the list, sitemap and search rows (search rows without their rowids)."""
    state: dict[str, Any] = {
        "documents": db.execute(
            "SELECT d.key, b.body, b.gzip, b.br FROM documents d JOIN blobs b "
            "ON b.etag = d.etag ORDER BY d.key"
        ).fetchall()
    }
    for table in _MADE_AGAIN:
        state[table] = sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    for locale in rendered_locales(db):
        table = index_table(locale)
        state[table] = sorted(
            db.execute(f"SELECT slug, version, section, layout, heading, body FROM {table}")
        )
    state["search_articles"] = sorted(
        db.execute("SELECT locale, slug, version, digest FROM search_articles").fetchall()
    )
    return state


@pytest.mark.parametrize("first", [True, False], ids=["first-render", "render-again"])
def test_worker_processes_store_what_an_inline_render_stores(tmp_path: Path, first: bool) -> None:
    tree = write_corpus(ROOT, tmp_path / "tree", ARTICLES)
    db = open_database(tmp_path / "v.db")
    report = import_content(db, read_content(tree / "content", tree / "locales"))
    assert report.documents_written > 0
    inline = _state(db)
    # Everything rendering makes, made again by a worker process: from nothing (as a first
    # import: the workers compress too), or beside the documents only the sync ledger's
    # pins hold (the bytes clients hold), as they would stay.
    with transaction(db):
        if first:
            db.execute("DELETE FROM sync_items")
            db.execute("DELETE FROM documents")
        else:
            db.execute("DELETE FROM documents WHERE key NOT LIKE 'sync/%'")
        db.execute("DELETE FROM blobs WHERE etag NOT IN (SELECT etag FROM documents)")
        for table in _MADE_AGAIN:
            db.execute(f"DELETE FROM {table}")
        for locale in rendered_locales(db):
            db.execute(f"DELETE FROM {index_table(locale)}")
        told: list[str] = []
        written = render_documents(db, progress=told.append, processes=1)
    assert written == report.documents_written
    assert told == sorted(told) and len(told) == ARTICLES
    assert _state(db) == inline
