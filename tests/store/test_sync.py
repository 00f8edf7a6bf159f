"""The sync ledger on a real database: one cursor per publish, tombstones for withdrawals."""

from __future__ import annotations

from pathlib import Path

import msgspec

from api.core.sync import Bundle
from api.sources import ContentSet
from api.store.documents import get_document
from api.store.importer import import_content
from api.store.rendering import render_documents
from api.store.schema import open_database, transaction
from api.store.sync import _body, bundle_key, changes_since, current_cursor, track_changes
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


class _Bundle(msgspec.Struct, frozen=True):
    # The wire order of api.core.sync.Bundle, with the stored documents as they are.
    locale: str
    cursor: int
    locales: msgspec.Raw
    articles: list[msgspec.Raw]
    treatments: msgspec.Raw


def test_a_bundle_built_in_place_is_what_msgspec_encodes(
    tmp_path: Path, content: ContentSet
) -> None:
    """The bundle is written body by body into one buffer (a list of the bodies beside the
    encoded bundle was the import's peak of memory); its bytes must be exactly msgspec's."""
    db = open_database(tmp_path / "v.db")
    copy = msgspec.structs.replace(content.articles[0], slug="copy-of-the-article")
    import_content(db, msgspec.structs.replace(content, articles=(*content.articles, copy)))
    for locale in available_locales(db):
        stored = get_document(db, bundle_key(locale))
        assert stored is not None
        bodies = [
            msgspec.Raw(row[0])
            for row in db.execute(
                "SELECT b.body FROM sync_items s JOIN documents d ON d.key = s.doc_key "
                "JOIN blobs b ON b.etag = d.etag WHERE s.kind = 'article' AND s.locale = ? "
                "ORDER BY s.item",
                [locale],
            )
        ]
        assert len(bodies) == 2
        expected = msgspec.json.encode(
            _Bundle(
                locale=locale,
                cursor=current_cursor(db),
                locales=_body(db, "locales"),
                articles=bodies,
                treatments=_body(db, f"treatments/{locale}"),
            )
        )
        assert stored.body == expected
        assert msgspec.json.decode(stored.body, type=Bundle).locale == locale
