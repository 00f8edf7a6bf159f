"""The sync ledger on a real database: one cursor per publish, tombstones for withdrawals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import sqlite_utils

from api.core.sync import Bundle
from api.sources import ContentSet, read_content
from api.store.importer import import_content
from api.store.rendering import render_documents
from api.store.schema import open_database, transaction
from api.store.sync import _body, bundle_body, changes_since, current_cursor, track_changes
from api.store.translations import available_locales
from api.store.withdrawals import approve_withdrawal, request_withdrawal
from tests.conftest import SLUG, publish_files
from tests.editing import EDITOR, REVIEWER

SENTENCE = "Not everyone experiences the same degree of transformation."


def test_a_locale_no_longer_served_is_removed_for_its_clients(
    tmp_path: Path, content: ContentSet
) -> None:
    db = open_database(tmp_path / "v.db")
    import_content(db, content)
    before = current_cursor(db)
    with transaction(db):
        assert track_changes(db, [c for c in available_locales(db) if c != "fr"])
    assert current_cursor(db) == before + 1
    fr = msgspec.json.decode(changes_since(db, before, "fr"))
    assert fr["articles"] == [] and fr["treatments"] == []
    assert {(r["kind"], r["id"]) for r in fr["removed"]} == {
        ("article", "stem-cell-therapy-for-hair-loss"),
        *(("treatment", t.id) for t in content.treatments.treatments),
    }
    assert msgspec.json.decode(changes_since(db, before, "es"))["removed"] == []


def test_rendering_again_without_change_keeps_the_cursor(
    tmp_path: Path, content: ContentSet
) -> None:
    db = open_database(tmp_path / "v.db")
    import_content(db, content)
    cursor = current_cursor(db)
    with transaction(db):
        assert render_documents(db) == 0
    assert current_cursor(db) == cursor


class _Bundle(msgspec.Struct, frozen=True):
    # The wire order of api.core.sync.Bundle, with the stored documents as they are.
    locale: str
    cursor: int
    locales: msgspec.Raw
    articles: list[msgspec.Raw]
    treatments: list[msgspec.Raw]


def _stored(db: sqlite_utils.Database, kind: str, locale: str) -> list[msgspec.Raw]:
    return [
        msgspec.Raw(row[0])
        for row in db.execute(
            "SELECT b.body FROM sync_items s JOIN documents d ON d.key = s.doc_key "
            "JOIN blobs b ON b.etag = d.etag WHERE s.kind = ? AND s.locale = ? "
            "ORDER BY s.item",
            [kind, locale],
        )
    ]


def test_a_bundle_spliced_from_stored_documents_is_what_msgspec_encodes(
    tmp_path: Path, content: ContentSet
) -> None:
    """The bundle is spliced body by body from the stored documents; its bytes must be
    exactly msgspec's, articles sorted by slug and records by id (M3)."""
    db = open_database(tmp_path / "v.db")
    copy = msgspec.structs.replace(content.articles[0], slug="copy-of-the-article")
    import_content(db, msgspec.structs.replace(content, articles=(*content.articles, copy)))
    assert db.execute("SELECT count(*) FROM documents WHERE key LIKE 'bundle/%'").fetchone()[0] == 0
    for locale in available_locales(db):
        body = bundle_body(db, locale)
        assert body is not None
        articles = _stored(db, "article", locale)
        treatments = _stored(db, "treatment", locale)
        assert len(articles) == 2 and len(treatments) == len(content.treatments.treatments)
        expected = msgspec.json.encode(
            _Bundle(
                locale=locale,
                cursor=current_cursor(db),
                locales=_body(db, "locales"),
                articles=articles,
                treatments=treatments,
            )
        )
        assert body == expected
        bundle = msgspec.json.decode(body, type=Bundle)
        assert bundle.locale == locale
        assert [a.slug for a in bundle.articles] == sorted(["copy-of-the-article", SLUG])
        ids = [t.id for t in bundle.treatments]
        assert ids == sorted(ids) != [t.id for t in content.treatments.treatments]


def _apply(held: dict[str, Any], changes: dict[str, Any]) -> None:
    """What a kiosk does with a changes answer, by the contract's rules (Bundle, Changes)."""
    held["cursor"] = changes["cursor"]
    if changes["locales"] is not None:
        held["locales"] = changes["locales"]
    for field, kind, key in (("articles", "article", "slug"), ("treatments", "treatment", "id")):
        items = {item[key]: item for item in held[field]}
        items.update({item[key]: item for item in changes[field]})
        for gone in changes["removed"]:
            if gone["kind"] == kind:
                items.pop(gone["id"], None)
        held[field] = [items[name] for name in sorted(items)]


def test_a_kiosk_applying_every_change_holds_a_fresh_bundle_byte_for_byte(tree: Path) -> None:
    """An edited paragraph, a treatment record withdrawn, then a new reviewed version of
    it (the record added again): after each, the kiosk's store equals the bundle (M3)."""
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    held = msgspec.json.decode(bundle_body(db, "es") or b"")
    article = tree / "content" / "articles" / f"{SLUG}.yaml"
    records = tree / "content" / "treatments.yaml"

    def edit_article() -> None:
        article.write_text(article.read_text().replace(SENTENCE, "Results differ."))
        publish_files(db, tree)

    def withdraw_record() -> None:
        asked = request_withdrawal(db, EDITOR, "treatment", "spironolactone", "Under review.")
        approve_withdrawal(db, REVIEWER, asked.id, asked.etag)

    def add_record_again() -> None:
        # A new reviewed version of the record: its kind quotes its evidence more briefly.
        old = "      quote: a medication commonly used to treat hormonal acne\n"
        text = records.read_text()
        assert text.count(old) == 1
        records.write_text(text.replace(old, old.replace(" to treat hormonal acne", "")))
        publish_files(db, tree)

    removed = []
    for step in (edit_article, withdraw_record, add_record_again):
        since = held["cursor"]
        step()
        changes = msgspec.json.decode(changes_since(db, since, "es"))
        _apply(held, changes)
        removed.append([r["id"] for r in changes["removed"]])
        assert msgspec.json.encode(held) == bundle_body(db, "es")
    assert removed == [[], ["spironolactone"], []]
    ids = [t["id"] for t in held["treatments"]]
    assert "spironolactone" in ids and ids == sorted(ids)
