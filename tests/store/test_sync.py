"""The sync ledger on a real database: one cursor per publish, tombstones for withdrawals."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jsonpatch
import msgspec
import sqlite_utils

from api.core.model import Article
from api.core.sync import Bundle
from api.sources import ContentSet, read_content
from api.store.figures import locales_body
from api.store.importer import import_content
from api.store.rendering import render_documents
from api.store.schema import _v22_sync_patches, open_database, transaction
from api.store.sync import bundle_body, changes_since, current_cursor, track_changes
from api.store.translations import available_locales
from api.store.versions import latest_version, load_article
from api.store.withdrawals import approve_withdrawal, request_withdrawal
from tests.conftest import SLUG, publish_files
from tests.editing import EDITOR, REVIEWER, publish_change

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
                locales=msgspec.Raw(locales_body(db)),
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


def _patched(held: dict[str, Any], changes: dict[str, Any]) -> None:
    """A kiosk that asked for patches: the whole documents and removals as above, then
    each patch applied to the item it names by a JSON Patch library (RFC 6902), checked
    against its SHA-256."""
    _apply(held, changes)
    for patch in changes["patches"]:
        field, key = ("articles", "slug") if patch["kind"] == "article" else ("treatments", "id")
        (at,) = [n for n, item in enumerate(held[field]) if item[key] == patch["id"]]
        held[field][at] = jsonpatch.apply_patch(held[field][at], patch["ops"])
        assert hashlib.sha256(msgspec.json.encode(held[field][at])).hexdigest() == patch["sha256"]


def _paths(changes: dict[str, Any]) -> list[str]:
    return [op["path"] for patch in changes["patches"] for op in patch["ops"]]


def test_kiosks_applying_patches_from_any_cursor_hold_a_fresh_bundle_byte_for_byte(
    tree: Path,
) -> None:
    """Deltas at the granularity of the change (M2, P7): a one-paragraph correction is a
    patch of that paragraph and the article's header, not the article. A kiosk at every
    earlier cursor (patches chained across several changes) applies the changes with a
    JSON Patch library and holds the fresh bundle's bytes, through a treatment record
    withdrawn and published again and the article withdrawn and published again."""
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    article = tree / "content" / "articles" / f"{SLUG}.yaml"
    records = tree / "content" / "treatments.yaml"
    bundles = {current_cursor(db): bundle_body(db, "es")}

    def edit_file(old: str, new: str) -> None:
        text = article.read_text()
        assert text.count(old) == 1
        article.write_text(text.replace(old, new))
        publish_files(db, tree)

    def edit(old: str, new: str) -> None:
        head = latest_version(db, SLUG)
        assert head is not None
        body = msgspec.json.encode(load_article(db, SLUG, head.number))
        assert body.count(old.encode()) == 1
        publish_change(
            db, msgspec.json.decode(body.replace(old.encode(), new.encode()), type=Article)
        )

    def withdraw(kind: str, item: str) -> None:
        asked = request_withdrawal(db, EDITOR, kind, item, "Under review.")  # type: ignore[arg-type]
        approve_withdrawal(db, REVIEWER, asked.id, asked.etag)

    def add_record_again() -> None:
        old = "      quote: a medication commonly used to treat hormonal acne\n"
        text = records.read_text()
        assert text.count(old) == 1
        records.write_text(text.replace(old, old.replace(" to treat hormonal acne", "")))
        publish_files(db, tree)

    steps = [
        ("a paragraph", lambda: edit_file(SENTENCE, "Results differ.")),
        ("a record withdrawn", lambda: withdraw("treatment", "spironolactone")),
        ("the record again", add_record_again),
        ("another paragraph", lambda: edit("natural regenerative", "own regenerative")),
        ("the article withdrawn", lambda: withdraw("article", SLUG)),
        ("the article again", lambda: edit("own regenerative", "body's regenerative")),
        ("a paragraph after", lambda: edit("Results differ.", "Results vary.")),
    ]
    kinds: dict[str, list[tuple[str, str]]] = {}  # the articles sent as patches
    for name, step in steps:
        since = current_cursor(db)
        step()
        fresh = bundle_body(db, "es")
        assert current_cursor(db) > since
        for cursor, bundle in bundles.items():
            held = msgspec.json.decode(bundle or b"")
            changes = msgspec.json.decode(changes_since(db, cursor, "es", patches=True))
            _patched(held, changes)
            assert msgspec.json.encode(held) == fresh, (name, cursor)
            # Without asking, the answer is whole documents, as before.
            plain = msgspec.json.decode(changes_since(db, cursor, "es"))
            assert "patches" not in plain
        changes = msgspec.json.decode(changes_since(db, since, "es", patches=True))
        kinds[name] = [(p["kind"], p["id"]) for p in changes["patches"] if p["kind"] == "article"]
        if name == "the record again":
            assert [t["id"] for t in changes["treatments"]] == ["spironolactone"]
        if name == "a paragraph":
            # Only the corrected section and the article's own figures: nothing else.
            sections = {p.split("/")[2] for p in _paths(changes) if p.startswith("/sections/")}
            assert len(sections) == 1, _paths(changes)
            size = len(msgspec.json.encode(changes))
            whole = len(msgspec.json.encode(changes_since(db, since, "es")))
            assert size < whole / 4, (size, whole)
        bundles[current_cursor(db)] = fresh
    assert kinds == {
        "a paragraph": [("article", SLUG)],
        "another paragraph": [("article", SLUG)],
        "a record withdrawn": [],
        # Published again after its removal, the record comes whole (nobody holds it to
        # patch), beside its article's new version, which is a patch.
        "the record again": [("article", SLUG)],
        "the article withdrawn": [],
        # Published again after its withdrawal: whole (records may be patches).
        "the article again": [],
        "a paragraph after": [("article", SLUG)],
    }
    assert len(bundles) == len(steps) + 1


def test_a_withdrawn_item_leaves_no_patch_and_no_held_bytes_behind(tree: Path) -> None:
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    article = tree / "content" / "articles" / f"{SLUG}.yaml"
    article.write_text(article.read_text().replace(SENTENCE, "Results differ."))
    publish_files(db, tree)
    key = f"article/{SLUG}/"
    held = db.execute("SELECT count(*) FROM sync_items WHERE kind = 'article'").fetchone()[0]
    assert held > 1
    # One patch per locale the article is held in, each from what clients hold.
    assert (
        db.execute(
            "SELECT count(*) FROM sync_patches WHERE substr(key, 1, ?) = ?", [len(key), key]
        ).fetchone()[0]
        == held
    )
    assert (
        db.execute("SELECT count(*) FROM documents WHERE key LIKE 'sync/article/%'").fetchone()[0]
        == held
    )
    asked = request_withdrawal(db, EDITOR, "article", SLUG, "Under review.")
    approve_withdrawal(db, REVIEWER, asked.id, asked.etag)
    assert (
        db.execute(
            "SELECT count(*) FROM sync_patches WHERE substr(key, 1, ?) = ?", [len(key), key]
        ).fetchone()[0]
        == 0
    )
    assert (
        db.execute("SELECT count(*) FROM documents WHERE key LIKE 'sync/article/%'").fetchone()[0]
        == 0
    )
    # No stored bytes hold the withdrawn article's text any more.
    assert (
        db.execute(
            "SELECT count(*) FROM blobs WHERE instr(body, ?)", [b"Results differ."]
        ).fetchone()[0]
        == 0
    )


def test_a_database_from_before_patches_gets_them_from_its_next_change(tree: Path) -> None:
    """The migration pins what clients already hold, so the first correction after an
    upgrade is a patch too (not only the second)."""
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    # The database as the release before patches left it (no pins, no patch table), then
    # the migration's step.
    with transaction(db):
        db.execute("DELETE FROM documents WHERE key LIKE 'sync/%'")
        db.execute("DROP TABLE sync_patches")
        _v22_sync_patches(db)
    held = msgspec.json.decode(bundle_body(db, "es") or b"")
    since = current_cursor(db)
    article = tree / "content" / "articles" / f"{SLUG}.yaml"
    article.write_text(article.read_text().replace(SENTENCE, "Results differ."))
    publish_files(db, tree)
    changes = msgspec.json.decode(changes_since(db, since, "es", patches=True))
    assert [p["id"] for p in changes["patches"]] == [SLUG] and changes["articles"] == []
    _patched(held, changes)
    assert msgspec.json.encode(held) == bundle_body(db, "es")
