"""One catalog per article: an earlier release's catalogs (`content.po` per locale and
`messages.pot`, a copy of the repository's of 2026-12-07 in tests/data) split without
losing a translation, a sign-off or an approval record, and the layout translation tools
find with a file mask."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import msgspec
import pytest
from babel.messages.pofile import read_po
from msgspec.structs import replace

from api.cli import main
from api.core.catalog_domains import SHARED_DOMAIN
from api.sources import ContentReader, read_content
from api.store.catalogs import approve_catalog, pending_review, stage_catalog
from api.store.importer import import_content
from api.store.schema import open_database
from tests.conftest import ROOT, SLUG, content_catalogs, locale_catalog
from tests.editing import EDITOR, REVIEWER

LEGACY = ROOT / "tests" / "data" / "catalogs-2026-12-07"
LOCALES = ("ar", "es", "fr")
FROZEN = "2026-12-07T12:00:00Z"

# The file mask documented for Weblate (docs/translators/weblate.md): one component per
# article, its files found by this regular expression, its template beside them.
WEBLATE_MASK = r"^locales/(?P<language>[^/.]+)/LC_MESSAGES/(?P<component>[^/.]+)\.po$"
WEBLATE_TEMPLATE = "locales/{component}.pot"


def _legacy_tree(tmp_path: Path) -> Path:
    """The repository's content beside the catalogs as they were before the split."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "content", tree / "content")
    shutil.copytree(LEGACY, tree / "locales")
    return tree


def _entries(catalog: object) -> set[tuple[object, ...]]:
    return {
        (
            m.context,
            m.id,
            m.string,
            tuple(sorted(m.flags)),
            tuple(m.user_comments),
            tuple(m.auto_comments),
            tuple(m.previous_id) if isinstance(m.previous_id, list) else m.previous_id,
        )
        for m in catalog  # type: ignore[attr-defined]
        if m.id
    }


def test_the_split_keeps_every_entry_and_is_the_repositorys_layout(tmp_path: Path) -> None:
    tree = _legacy_tree(tmp_path)
    assert main(["catalogs", "split", "--locales", str(tree / "locales")]) == 0
    assert not list((tree / "locales").glob("*/LC_MESSAGES/content.po"))
    assert not (tree / "locales" / "messages.pot").exists()
    for locale in (*LOCALES, None):
        if locale is None:
            legacy_path = LEGACY / "messages.pot"
        else:
            legacy_path = LEGACY / locale / "LC_MESSAGES" / "content.po"
        with legacy_path.open("rb") as handle:
            legacy = read_po(handle, locale=locale)
        split = locale_catalog(tree / "locales", locale)
        # Every translation, flag, comment and previous msgid, and nothing else.
        assert _entries(split) == _entries(legacy), locale
        assert [p.stem for p in content_catalogs(tree / "locales", locale)] == [
            SHARED_DOMAIN,
            SLUG,
        ]
    # The repository's own catalogs are this split, byte for byte.
    for path in sorted((tree / "locales").rglob("*.po*")):
        relative = path.relative_to(tree)
        assert path.read_bytes() == (ROOT / relative).read_bytes(), relative


def test_splitting_twice_refuses_to_overwrite(tmp_path: Path) -> None:
    tree = _legacy_tree(tmp_path)
    assert main(["catalogs", "split", "--locales", str(tree / "locales")]) == 0
    shutil.copy(LEGACY / "es" / "LC_MESSAGES" / "content.po", tree / "locales/es/LC_MESSAGES")
    assert main(["catalogs", "split", "--locales", str(tree / "locales")]) == 1
    # Read together, the two layouts are refused with what to do.
    reader = ContentReader(tree / "content", tree / "locales")
    assert not reader.valid


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Translations are dated by the clock: two imports a second apart differ only there."""
    monkeypatch.setattr("api.store.translations.now", lambda: FROZEN)


def _documents(path: Path) -> dict[str, bytes]:
    db = open_database(path)
    rows = db.execute(
        "SELECT d.key, b.body FROM documents d JOIN blobs b ON b.etag = d.etag ORDER BY d.key"
    ).fetchall()
    return {key: bytes(body) for key, body in rows}


@pytest.mark.usefixtures("frozen_clock")
def test_the_split_catalogs_serve_byte_identical_documents(tmp_path: Path) -> None:
    legacy = _legacy_tree(tmp_path)
    for tree, name in ((legacy, "before.db"), (ROOT, "after.db")):
        db = open_database(tmp_path / name)
        import_content(db, read_content(tree / "content", tree / "locales"))
        db.conn.close()
    before, after = _documents(tmp_path / "before.db"), _documents(tmp_path / "after.db")
    assert len(before) > 300
    assert before == after


def test_a_legacy_database_keeps_its_sign_off_through_export_and_import(tmp_path: Path) -> None:
    """Seeded from the old layout, a translation approved through the API (a sign-off),
    then `vetted export`: the files are the new layout, the old ones gone, and importing
    them changes nothing; every translation and sign-off stays."""
    tree = _legacy_tree(tmp_path)
    path = tmp_path / "v.db"
    db = open_database(path)
    import_content(db, read_content(tree / "content", tree / "locales"))
    translator = replace(EDITOR, name="lucia", role="translator", locales=("es",))
    parsed = read_content(tree / "content", tree / "locales")
    es = next(c for c in parsed.catalogs if c.locale == "es")
    assert es.domain is None  # the whole locale, as the old layout has it
    entries = tuple(
        msgspec.structs.replace(e, text=e.text.replace("Las células madre", "Las celulas madre"))
        for e in es.entries
    )
    stage_catalog(db, translator, msgspec.structs.replace(es, entries=entries))
    approve_catalog(db, replace(REVIEWER, locales=("es",)), "es", pending_review(db, "es").etag)

    def state() -> tuple[object, ...]:
        return (
            db.execute("SELECT * FROM catalog_signoffs ORDER BY id").fetchall(),
            db.execute(
                "SELECT locale, context, source, text, fuzzy, status FROM translations "
                "ORDER BY locale, context, source, status"
            ).fetchall(),
            db.execute("SELECT count(*) FROM audit").fetchone(),
        )

    signed = state()
    assert signed[0], "the approval is recorded in the sign-off"
    db.conn.close()
    assert main(["export", "--db", str(path), "--root", str(tree)]) == 0
    assert not (tree / "locales/es/LC_MESSAGES/content.po").exists()
    assert not (tree / "locales/messages.pot").exists()
    article = (tree / f"locales/es/LC_MESSAGES/{SLUG}.po").read_text(encoding="utf-8")
    assert "Las celulas madre" in article
    db = open_database(path)
    # (An exported catalog offers earlier versions' translations, fuzzy: what differs from
    # the database is only what staging leaves out, so nothing is staged.)
    tree_now = read_content(tree / "content", tree / "locales")
    report = import_content(db, tree_now, author=translator)
    assert (report.pending, report.drafts) == ([], {})
    after = state()
    assert after[:2] == signed[:2]


def test_the_documented_file_mask_finds_every_catalog_and_its_template() -> None:
    """What Weblate's component discovery (and Pontoon's l10n.toml) match: every content
    catalog of the repository, each with its template, and nothing else."""
    mask = re.compile(WEBLATE_MASK)
    found: dict[str, set[str]] = {}
    for path in sorted(ROOT.glob("locales/*/LC_MESSAGES/*.po")):
        match = mask.match(path.relative_to(ROOT).as_posix())
        assert match is not None, path
        found.setdefault(match["component"], set()).add(match["language"])
        template = ROOT / WEBLATE_TEMPLATE.format(component=match["component"])
        assert template.is_file(), template
    assert found[SLUG] == set(LOCALES) and found[SHARED_DOMAIN] == set(LOCALES)
    assert found["workspace"] == {"es"}
    documented = (ROOT / "docs" / "translators" / "weblate.md").read_text(encoding="utf-8")
    assert (
        WEBLATE_MASK in documented
        and WEBLATE_TEMPLATE.replace("{", "{{ ").replace("}", " }}") in documented
    )
    toml = (ROOT / "l10n.toml").read_text(encoding="utf-8")
    assert 'reference = "locales/*.pot"' in toml
    assert 'l10n = "locales/{locale}/LC_MESSAGES/*.po"' in toml
    assert set(Path(p).stem for p in ROOT.glob("locales/*.pot")) == set(found)
