"""What a database must look like after any write, finished, interrupted or restored:
intact, and every published article served whole at its published version."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from api.store.documents import article_key, get_document
from api.store.listing import article_list_body
from api.store.translations import available_locales
from api.store.versions import latest_version, published_slugs

# Every stored version has exactly one of these audit entries, written with it.
VERSION_ACTIONS = ("article.import", "article.publish", "article.rollback")


def integrity(db: sqlite_utils.Database) -> list[str]:
    return [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]


def _section_ids(sections: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for section in sections:
        out.append(section["id"])
        out.extend(_section_ids(section["sections"]))
    return out


def _json(db: sqlite_utils.Database, key: str) -> Any:
    document = get_document(db, key)
    assert document is not None, f"missing document {key}"
    return json.loads(document.body)


def assert_consistent(db: sqlite_utils.Database) -> None:
    """Integrity holds and, for every published article and every locale, the served
    documents (article, each section, the list) are all of the published version."""
    assert integrity(db) == ["ok"]
    locales = available_locales(db)
    for slug, number in published_slugs(db):
        head = latest_version(db, slug)
        assert head is not None and head.number == number, slug
        audited = db.execute(
            f"SELECT count(*) FROM audit WHERE target = ? AND action IN "
            f"({', '.join('?' * len(VERSION_ACTIONS))})",
            [f"articles/{slug}", *VERSION_ACTIONS],
        ).fetchone()[0]
        assert audited == number, f"{slug}: {audited} audit entries for {number} versions"
        for locale in locales:
            article = _json(db, article_key(slug, number, locale))
            assert (article["version"], article["content_hash"]) == (number, head.content_hash)
            for section in _section_ids(article["sections"]):
                doc = _json(db, f"section/{slug}/{number}/{locale}/{section}")
                assert (doc["version"], doc["content_hash"]) == (number, head.content_hash)
                assert doc["section"]["id"] == section
            listed = {e["slug"]: e["version"] for e in json.loads(article_list_body(db, locale))}
            assert listed[slug] == number, f"articles/{locale} lists {slug} v{listed[slug]}"
