"""An import over published content never publishes: changes become drafts in review and
pending catalogs by a named author, and an old checkout stores nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils
from msgspec.structs import replace

from api.core.errors import AuthorRequired, ImportRefused, ImportRejected, NotFound
from api.core.model import Paragraph
from api.sources import ContentReader, catalog_path, read_content
from api.store.audit import list_audit
from api.store.catalogs import approve_catalog, pending_review
from api.store.drafts import (
    draft_treatments,
    get_draft,
    list_drafts,
    publish_draft,
)
from api.store.importer import import_content
from api.store.schema import open_database
from api.store.translations import catalog_entries, catalog_hash
from api.store.versions import latest_version, load_article, load_treatments
from tests.conftest import EDITOR, REVIEWER, SLUG
from tests.editing import publish_change

SENTENCE = "Not everyone experiences the same degree of transformation."
OLD_P1 = "Stem cell therapy for hair loss is a revolutionary approach"
TABLES = ("versions", "publications", "drafts", "draft_revisions", "translations", "audit")
TABLES += ("treatment_sets", "documents", "file_sync", "catalog_headers")


def _seeded(tree: Path) -> sqlite_utils.Database:
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    return db


# A name must appear in the record's section (evidence rule): the article's own spelling.
RENAMED = "minoxidil"


def _edit(tree: Path, relative: str, old: str, new: str) -> None:
    path = tree / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _state(db: sqlite_utils.Database) -> dict[str, list[tuple[object, ...]]]:
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}


ARTICLE = f"content/articles/{SLUG}.yaml"


def _publish_correction(db: sqlite_utils.Database) -> None:
    """Version 2 through the editorial workflow: written by one person, published by another."""
    article = load_article(db, SLUG, 1)
    section = article.sections[0]
    first = section.blocks[0]
    assert isinstance(first, Paragraph) and OLD_P1 in first.text
    block = replace(first, text=first.text.replace("a revolutionary", "an"))
    blocks = (block, *section.blocks[1:])
    corrected = replace(article, sections=(replace(section, blocks=blocks), *article.sections[1:]))
    publish_change(db, corrected, "Drop 'revolutionary'")


def test_a_changed_article_becomes_a_draft_in_review_by_its_author(tree: Path) -> None:
    db = _seeded(tree)
    documents = db.execute("SELECT key, etag FROM documents ORDER BY key").fetchall()
    _edit(tree, ARTICLE, SENTENCE, "Results differ.")
    report = import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    assert report.new_versions == {} and list(report.drafts) == [SLUG]
    draft, article = get_draft(db, report.drafts[SLUG])
    assert (draft.status, draft.author, draft.base_version) == ("in_review", "ed", 1)
    assert "Results differ." in str(article)
    head = latest_version(db, SLUG)
    assert head is not None and head.number == 1  # readers still get version 1
    assert db.execute("SELECT key, etag FROM documents ORDER BY key").fetchall() == documents
    entries = [(e.actor, e.role, e.action) for e in list_audit(db).entries[:2]]
    assert entries == [("ed", "editor", "draft.submit"), ("ed", "editor", "draft.create")]
    # The review rule holds for imported drafts too: the author cannot publish them.
    again = import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    assert again.drafts == {} and again.awaiting == [
        f"{ARTICLE}: already draft {draft.id} (in_review)"
    ]
    assert len(list_drafts(db)) == 1


def test_a_change_without_an_author_stores_nothing(tree: Path) -> None:
    db = _seeded(tree)
    before = _state(db)
    _edit(tree, ARTICLE, SENTENCE, "Results differ.")
    with pytest.raises(AuthorRequired) as caught:
        import_content(db, read_content(tree / "content", tree / "locales"))
    assert ARTICLE in str(caught.value) and "nothing was stored" in str(caught.value)
    assert _state(db) == before


def test_unchanged_files_need_no_author(tree: Path) -> None:
    db = _seeded(tree)
    before = _state(db)
    report = import_content(db, read_content(tree / "content", tree / "locales"))
    assert report.unchanged == [SLUG] and report.drafts == {} and report.pending == []
    assert _state(db) == before


def test_a_catalog_staged_before_a_bad_one_is_found_is_rolled_back(tree: Path) -> None:
    db = _seeded(tree)
    po = catalog_path(tree / "locales", "es", SLUG)
    _edit(tree, str(po.relative_to(tree)), "Las células madre", "Las celulas madre")
    fr = catalog_path(tree / "locales", "fr", SLUG)
    fr.write_text(
        fr.read_text(encoding="utf-8") + '\nmsgctxt "no/such/block"\nmsgid "a"\nmsgstr "b"\n'
    )
    with pytest.raises(ImportRejected):
        import_content(db, ContentReader(tree / "content", tree / "locales"), author=EDITOR)
    assert catalog_entries(db, "es", "pending") == []
    assert [e.action for e in list_audit(db).entries if e.action == "catalog.upload"] == []


def test_a_changed_catalog_becomes_a_pending_upload_by_its_author(tree: Path) -> None:
    db = _seeded(tree)
    translator = replace(EDITOR, name="lucia", role="translator", locales=("es",))
    approved = catalog_hash(catalog_entries(db, "es"))
    po = catalog_path(tree / "locales", "es", SLUG)
    _edit(tree, str(po.relative_to(tree)), "Las células madre", "Las celulas madre")
    report = import_content(db, read_content(tree / "content", tree / "locales"), author=translator)
    assert report.pending == [f"es/{SLUG}"] and report.drafts == {}
    pending = pending_review(db, "es")
    assert (pending.uploaded_by, len(pending.entries)) == ("lucia", 1)
    assert catalog_hash(catalog_entries(db, "es")) == approved  # readers: unchanged
    entry = list_audit(db).entries[0]
    assert (entry.actor, entry.action, entry.target) == (
        "lucia",
        "catalog.upload",
        f"catalogs/es/{SLUG}",
    )
    again = import_content(db, read_content(tree / "content", tree / "locales"), author=translator)
    assert again.pending == [] and again.awaiting == [
        f"locales/es/LC_MESSAGES/{SLUG}.po: already pending review"
    ]


def test_changed_treatments_go_to_review_beside_the_changed_article(tree: Path) -> None:
    db = _seeded(tree)
    _edit(tree, ARTICLE, SENTENCE, "Results differ.")
    _edit(tree, "content/treatments.yaml", "name: Minoxidil", f"name: {RENAMED}")
    report = import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    (draft_id,) = report.drafts.values()
    draft = get_draft(db, draft_id)[0]
    proposed = draft_treatments(db, draft)
    assert proposed is not None and proposed.treatments[1].name == RENAMED
    assert load_treatments(db).treatments[1].name == "Minoxidil", "nothing published yet"
    publish_draft(db, REVIEWER, draft_id, draft.etag)
    assert load_treatments(db).treatments[1].name == RENAMED
    actions = [e.action for e in list_audit(db).entries[:3]]
    assert actions == ["article.publish", "treatments.publish", "draft.publish"]


def test_changed_treatments_alone_go_to_review_with_their_article(tree: Path) -> None:
    db = _seeded(tree)
    _edit(tree, "content/treatments.yaml", "name: Minoxidil", f"name: {RENAMED}")
    report = import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    draft = get_draft(db, report.drafts[SLUG])[0]
    assert draft.status == "in_review"
    again = import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    assert again.drafts == {} and again.awaiting == [
        f"content/treatments.yaml: already draft {draft.id}"
    ]


def test_treatments_equal_to_an_earlier_set_store_nothing(tree: Path) -> None:
    db = _seeded(tree)
    old = (tree / "content/treatments.yaml").read_text()
    _edit(tree, "content/treatments.yaml", "name: Minoxidil", f"name: {RENAMED}")
    report = import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    draft = get_draft(db, report.drafts[SLUG])[0]
    publish_draft(db, REVIEWER, draft.id, draft.etag)
    (tree / "content/treatments.yaml").write_text(old)
    before = _state(db)
    with pytest.raises(ImportRefused) as caught:
        import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    assert caught.value.reasons == [
        "content/treatments.yaml is set 1 of the treatment records; the database has "
        "published up to set 2: nothing stored"
    ]
    assert _state(db) == before


def test_a_checkout_equal_to_an_earlier_version_stores_nothing(tree: Path) -> None:
    db = _seeded(tree)
    _publish_correction(db)
    before = _state(db)
    with pytest.raises(ImportRefused) as caught:
        import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    assert caught.value.reasons == [
        f"{ARTICLE} is version 1; the database has published up to version 2: nothing stored"
    ]
    assert _state(db) == before


def test_a_checkout_based_on_an_earlier_version_stores_nothing(tree: Path) -> None:
    db = _seeded(tree)
    _publish_correction(db)
    before = _state(db)
    _edit(tree, ARTICLE, SENTENCE, "Results differ.")  # an edit elsewhere, on the old text
    with pytest.raises(ImportRefused) as caught:
        import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    assert caught.value.reasons == [
        f"{ARTICLE} is based on version 1 (introduction/p1 has version 1's text, replaced "
        "since); the database has published up to version 2: nothing stored"
    ]
    assert _state(db) == before


def test_a_catalog_equal_to_an_earlier_approved_one_stores_nothing(tree: Path) -> None:
    db = _seeded(tree)
    po = catalog_path(tree / "locales", "es", SLUG)
    original = po.read_bytes()
    _edit(tree, str(po.relative_to(tree)), "Las células madre", "Las celulas madre")
    import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    approve_catalog(db, replace(REVIEWER, locales=("es",)), "es", pending_review(db, "es").etag)
    po.write_bytes(original)
    before = _state(db)
    with pytest.raises(ImportRefused) as caught:
        import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    (reason,) = caught.value.reasons
    assert reason.startswith(
        f"locales/es/LC_MESSAGES/{SLUG}.po holds the es translations approved at"
    )
    assert reason.endswith("the database has approved newer ones since: nothing stored")
    assert _state(db) == before


def test_a_failure_while_proposing_rolls_back_every_draft(tree: Path) -> None:
    db = _seeded(tree)
    before = _state(db)
    _edit(tree, ARTICLE, SENTENCE, "Results differ.")
    po = catalog_path(tree / "locales", "es", SLUG)
    _edit(tree, str(po.relative_to(tree)), "Las células madre", "Las celulas madre")

    def explode(message: str) -> None:
        if message.startswith("catalog es"):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        import_content(
            db, read_content(tree / "content", tree / "locales"), progress=explode, author=EDITOR
        )
    assert _state(db) == before
    with pytest.raises(NotFound):
        pending_review(db, "es")
