"""Version 1 stays the source, verbatim, forever; the corrections are a reviewed version 2.

A fresh database (seeded from content/ and locales/) publishes version 1 from
content/history/, by the people and on the date its log names, then version 2 from the
current files; every version-1 document is byte for byte what it was before version 2
existed, in every locale; version 2 carries each correction with its reason, its citations,
its author and a different reviewer; and the catalogs keep version 1's translations beside
the (unreviewed, fuzzy) translations of version 2's new text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sqlite_utils
import yaml
from litestar.testing import TestClient

from api.core.content import dump_yaml, parse_article
from api.core.errors import ImportRejected
from api.core.history import block_differences
from api.core.messages import block_fields
from api.core.model import content_hash
from api.sources import ContentSet, read_content
from api.store.documents import article_key, strong_etag
from api.store.schema import open_database
from api.store.versions import load_article, load_treatments, published_versions
from tests.conftest import (
    HISTORY,
    ROOT,
    SHIPPED_ARTICLE,
    SHIPPED_LOCALES,
    SLUG,
    VERSION_1_FILE,
    VERSION_1_RECORDS,
    locale_catalog,
)

PINNED = json.loads((ROOT / "tests" / "data" / "version-1-documents.json").read_text())
"""sha256 of every version-1 document (article and sections, en/es/fr/ar) of a fresh
database, captured from main before version 2 existed, with `published_at` written `*`."""
LOG = HISTORY / "log.yaml"
TRANSLATED = ("es", "fr", "ar")


def _document(db: sqlite_utils.Database, key: str) -> tuple[str, bytes]:
    row = db.execute(
        "SELECT d.etag, b.body FROM documents d JOIN blobs b ON b.etag = d.etag WHERE d.key = ?",
        [key],
    ).fetchone()
    assert row is not None, key
    return row[0], bytes(row[1])


def _canonical(body: bytes) -> bytes:
    """A document as pinned: its JSON with `published_at` as `*` and without the review block,
    which issue 24's point 2 adds and which says `superseded` once version 2 exists (every
    other byte of version 1 is as main rendered it before version 2)."""
    document = json.loads(body)
    document.pop("review", None)
    if "published_at" in document:
        document["published_at"] = "*"
    return json.dumps(document, sort_keys=True, ensure_ascii=False).encode()


def test_every_version_1_document_is_byte_identical_to_before_version_2(
    shipped_db: Path,
) -> None:
    db = open_database(shipped_db)
    (first, second) = published_versions(db, SLUG)
    assert (first.number, second.number) == (1, 2)
    stamp = f'"published_at":"{first.published_at}"'.encode()
    keys = [
        row[0]
        for row in db.execute(
            "SELECT key FROM documents WHERE key LIKE ? OR key LIKE ? ORDER BY key",
            [f"article/{SLUG}/1/%", f"section/{SLUG}/1/%"],
        )
    ]
    assert keys == sorted(PINNED["documents"])
    for key in keys:
        etag, body = _document(db, key)
        assert hashlib.sha256(_canonical(body)).hexdigest() == PINNED["documents"][key], key
        assert etag == strong_etag(body)  # the ETag is of these exact bytes
        assert body.count(stamp) <= 1
    # The date is the log's, so the bytes (and ETags) are the same in every fresh database.
    assert first.published_at == "2026-11-25T00:30:46Z"


def test_readers_get_version_1_unchanged_with_version_2_as_the_latest(
    shipped_db: Path, shipped_client: TestClient[Any]
) -> None:
    db = open_database(shipped_db)
    for locale in ("en", *TRANSLATED):
        etag, body = _document(db, article_key(SLUG, 1, locale))
        pinned = shipped_client.get(
            f"/v1/articles/{SLUG}?version=1&locale={locale}",
            headers={"Accept-Encoding": "identity"},
        )
        assert pinned.status_code == 200
        assert pinned.content == body
        assert pinned.headers["etag"] == etag
        latest = shipped_client.get(f"/v1/articles/{SLUG}?locale={locale}").json()
        assert latest["version"] == 2


def test_version_1_in_a_fresh_database_is_the_content_of_record(shipped_db: Path) -> None:
    """The fidelity tests (tests/core/test_content.py) read the history's version-1 file;
    this is that file, as published."""
    db = open_database(shipped_db)
    v1 = parse_article(VERSION_1_FILE.read_bytes(), "v1")
    assert content_hash(load_article(db, SLUG, 1)) == content_hash(v1)
    (first, second) = published_versions(db, SLUG)
    records = yaml.safe_load(VERSION_1_RECORDS.read_text(encoding="utf-8"))
    stored = msgspec.json.decode(msgspec.json.encode(load_treatments(db, first.treatments)))
    assert stored == records
    assert content_hash(load_article(db, SLUG, 2)) == content_hash(
        parse_article(SHIPPED_ARTICLE.read_bytes(), "v2")
    )
    assert second.treatments > first.treatments


def test_each_version_names_its_author_and_a_different_reviewer(shipped_db: Path) -> None:
    db = open_database(shipped_db)
    (first, second) = published_versions(db, SLUG)
    assert (first.authors, first.reviewer) == (("content-of-record",), "import")
    assert (second.authors, second.reviewer) == (("medical-content-editor",), "medical-reviewer")
    assert second.published_at == "2026-12-07T19:00:00Z"
    assert "E1-E10" in second.message
    audit = db.execute(
        "SELECT detail FROM audit WHERE action = 'article.import' ORDER BY id"
    ).fetchall()
    assert "reviewed by import" in audit[0][0]


def test_version_2_gives_every_changed_block_a_reason_and_a_citation(
    shipped_content: ContentSet,
) -> None:
    (history,) = shipped_content.history
    v1, v2 = history.articles
    entry = history.log.versions[1]
    references = {r.id: r for r in v2.references}
    changed = block_differences(v1, v2)
    listed = {c.block: c for c in entry.changes}
    assert sorted(changed) == sorted(listed)
    text_changes = [path for path in changed if _text(v1, path) != _text(v2, path)]
    assert len(text_changes) >= 20
    for path in text_changes:
        change = listed[path]
        assert change.reason and len(change.reason) > 30, path
        assert change.cites, path
        assert all(ref in references for ref in change.cites), path
        # The block itself cites what its change rests on, so readers see it too.
        assert set(change.cites) <= set(_cites(v2, path)), path
    for reference in v2.references:
        assert reference.accessed == "2026-12-07"
        assert reference.url or reference.doi
    findings = " ".join(c.findings or "" for c in entry.changes)
    for finding in [f"E{n}" for n in range(1, 11)] + ["SM-2", "SM-3"]:
        assert f"{finding}," in findings + "," or f"{finding} " in findings, finding
    assert {r.treatment for r in entry.records} >= {
        "minoxidil",
        "finasteride",
        "dutasteride",
        "spironolactone",
        "stem-cell-therapy",
    }


def _block(article: Any, path: str) -> Any:
    from api.core.model import walk_sections

    section, _, block = path.rpartition("/")
    for s in walk_sections(article.sections):
        if s.id == section:
            return next((b for b in s.blocks if b.id == block), None)
    return None


def _text(article: Any, path: str) -> tuple[str, ...] | None:
    from api.core.messages import block_fields

    block = _block(article, path)
    return tuple(t for _, t in block_fields(block)) if block is not None else None


def _cites(article: Any, path: str) -> tuple[str, ...]:
    return tuple(getattr(_block(article, path), "cites", ()))


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda log: log["versions"][1]["changes"].pop(0), "gives no reason"),
        (lambda log: log["versions"][1]["changes"][0].update(cites=[]), "without a citation"),
        (
            lambda log: log["versions"][1]["changes"][0].update(cites=["not-a-reference"]),
            "unknown reference 'not-a-reference'",
        ),
        (
            lambda log: log["versions"][1].update(reviewer="medical-content-editor"),
            "a second person must review it",
        ),
        (lambda log: log["versions"][1].update(number=3), "number them"),
    ],
)
def test_a_history_without_reasons_citations_or_a_second_person_is_refused(
    shipped_tree: Path, edit: Any, problem: str
) -> None:
    log_file = shipped_tree / "content" / "history" / SLUG / "log.yaml"
    log = yaml.safe_load(log_file.read_text(encoding="utf-8"))
    edit(log)
    log_file.write_text(yaml.safe_dump(log, allow_unicode=True, sort_keys=False), "utf-8")
    with pytest.raises(ImportRejected) as caught:
        read_content(shipped_tree / "content", shipped_tree / "locales", shipped_tree)
    error = caught.value.errors[0]
    assert problem in error.detail
    assert error.file == f"content/history/{SLUG}/log.yaml"


def test_an_import_of_the_history_publishes_nothing_when_it_is_refused(shipped_tree: Path) -> None:
    """The review rule holds on the import path: the seed refuses a version whose reviewer
    wrote it, and nothing is stored."""
    log_file = shipped_tree / "content" / "history" / SLUG / "log.yaml"
    log_file.write_text(
        log_file.read_text(encoding="utf-8").replace(
            "reviewer: import", "reviewer: content-of-record"
        ),
        "utf-8",
    )
    with pytest.raises(ImportRejected):
        read_content(shipped_tree / "content", shipped_tree / "locales", shipped_tree)


def test_catalogs_keep_version_1_translations_beside_version_2s(
    shipped_content: ContentSet,
) -> None:
    """For every block version 2 changes, each catalog still holds the approved translation
    of version 1's words (so version 1 renders as before) and, for the new words, a
    translation marked fuzzy: it awaits a translation reviewer and is not served."""
    (history,) = shipped_content.history
    v1, v2 = history.articles
    for locale in TRANSLATED:
        po = locale_catalog(SHIPPED_LOCALES, locale)
        kept = new = 0
        for path in block_differences(v1, v2):
            if _text(v1, path) == _text(v2, path):
                continue  # a marking: the same words, the same translations
            before_fields = dict(block_fields(_block(v1, path))) if _block(v1, path) else {}
            for suffix, fresh in block_fields(_block(v2, path)):
                context = f"{SLUG}/{path.rpartition('/')[0]}/{suffix}"
                old = before_fields.get(suffix)
                if old == fresh:
                    continue  # a FAQ's unchanged question
                if old is not None:
                    before = po.get(old, context=context)
                    if before is not None and before.string:
                        assert not before.fuzzy, (locale, context)
                        kept += 1
                after = po.get(fresh, context=context)
                assert after is not None and after.string, (locale, context)
                assert after.fuzzy, (locale, context)
                assert any("needs review" in c for c in after.user_comments)
                new += 1
        assert kept >= 10 and new >= 20, (locale, kept, new)


def test_the_history_round_trips_through_the_canonical_dump() -> None:
    text = LOG.read_text(encoding="utf-8")
    from api.core.content import parse_history_log

    assert dump_yaml(parse_history_log(text, "log.yaml")) == text  # type: ignore[arg-type]


def _records(shipped_content: ContentSet) -> dict[str, Any]:
    return {t.id: t for t in shipped_content.treatments.treatments}


def test_the_records_follow_version_2(shipped_content: ContentSet) -> None:
    """E1, E2, E3, E5, E8, E9 in the records; TR-1 (no `suitable_for` for spironolactone),
    TR-4 (stem-cell cautions and requirement), TR-5 (a regulatory statement that names forms
    quotes the clause naming them)."""
    records = _records(shipped_content)

    def statuses(record: str) -> dict[str, tuple[str, ...]]:
        return {r.status: r.forms for r in records[record].regulatory}

    assert statuses("minoxidil") == {
        "fda-approved": ("topical",),
        "off-label": ("oral",),
        "prescription": ("oral",),
    }
    for record in ("finasteride", "dutasteride"):
        women = [c for c in records[record].cautions if "women" in c.audience]
        assert women and "pregnant" in women[0].statement, record
        assert any("give blood" in c.statement for c in records[record].cautions)
    assert "fda-approved" not in statuses("finasteride") or statuses("finasteride")[
        "fda-approved"
    ] == ("oral",)
    assert statuses("finasteride")["not-fda-approved"] == ("topical",)
    spironolactone = records["spironolactone"]
    assert "off-label" in statuses("spironolactone")
    assert spironolactone.suitable_for is None  # TR-1
    assert {a for c in spironolactone.cautions for a in c.audience} == {"women", "men"}
    assert any("potassium" in c.statement for c in spironolactone.cautions)
    stem_cells = records["stem-cell-therapy"]
    assert "not-fda-approved" in statuses("stem-cell-therapy")
    assert any("infection" in c.statement for c in stem_cells.cautions)  # TR-4
    assert [r.text for r in stem_cells.requirements] == ["repeat sessions may be needed"]
    assert statuses("lllt") == {"fda-cleared": ("device",)}
    assert "off-label" in statuses("prp")
    words = {
        "topical": ("Topical", "topical"),
        "oral": ("tablets", "Oral", "oral"),
        "device": ("Laser caps and combs",),
    }
    for record in records.values():
        for regulation in record.regulatory:
            for form in regulation.forms:
                if form in words:
                    assert any(w in regulation.statement for w in words[form]), (record.id, form)
    # Every claim that cites, cites a reference of its article.
    (article,) = shipped_content.articles
    known = {r.id for r in article.references}
    cited = [ref for r in records.values() for reg in r.regulatory for ref in reg.cites]
    assert cited and set(cited) <= known


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_shipped_catalogs_are_valid_in_sync_and_hold_their_reviews(locale: str) -> None:
    """The shipped catalogs (version 1's messages and version 2's) are in sync with the
    shipped template; Spanish translates every message; every translation that is not
    approved is marked as awaiting a translation reviewer."""
    template = locale_catalog(SHIPPED_LOCALES)
    catalog = locale_catalog(SHIPPED_LOCALES, locale)
    assert [problem for problem in catalog.check() if problem[1]] == []
    keys = {(m.context, str(m.id)) for m in catalog if m.id}
    assert keys == {(m.context, str(m.id)) for m in template if m.id}
    for message in catalog:
        if message.id and message.fuzzy:
            assert any("needs review" in c for c in message.user_comments), message.context
    if locale == "es":
        assert [m.context for m in catalog if m.id and not m.string] == []
