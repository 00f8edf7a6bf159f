"""The sync ledger on a real database: one cursor per publish, tombstones for withdrawals."""

from __future__ import annotations

from pathlib import Path

import msgspec

from api.sources import ContentSet
from api.store.importer import import_content
from api.store.rendering import render_documents
from api.store.schema import open_database, transaction
from api.store.sync import changes_since, current_cursor, track_changes
from api.store.translations import available_locales


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
