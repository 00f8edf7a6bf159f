"""`vetted export` then `vetted import --author` (security probe 2026-12-07, D8): once a
correction leaves translations stale, the exported files still import as "unchanged",
with or without an author, and nothing is staged or stored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from msgspec.structs import replace

from api.core.access import Principal
from api.core.model import Paragraph
from api.store.schema import open_database
from api.store.versions import latest_version, load_article
from tests.conftest import ROOT, SLUG, content_catalogs
from tests.editing import publish_change

ANA = Principal(name="ana", role="editor")
BEN = Principal(name="ben", role="reviewer")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = open_database(path)
    tables = ("versions", "drafts", "translations", "catalog_headers", "documents")
    try:
        return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    finally:
        db.conn.close()


@pytest.fixture()
def corrected(tree: Path) -> Path:
    """The probe's database after version 2: ana's correction of introduction/p1, published
    by ben, which leaves every catalog's translation of p1 stale; then exported."""
    assert run("import", "--db", "v.db", cwd=tree).returncode == 0
    for name, role in (("ana", "editor"), ("ben", "reviewer")):
        made = run("token", "create", "--name", name, "--role", role, "--db", "v.db", cwd=tree)
        assert made.returncode == 0, made.stderr
    db = open_database(tree / "v.db")
    article = load_article(db, SLUG, 1)
    intro = article.sections[0]
    first = intro.blocks[0]
    assert isinstance(first, Paragraph) and first.id == "p1"
    edited = replace(first, text=first.text.replace("revolutionary", "experimental"))
    assert edited != first
    changed = replace(
        article,
        sections=(replace(intro, blocks=(edited, *intro.blocks[1:])), *article.sections[1:]),
    )
    assert publish_change(db, changed, "Say experimental", ANA, BEN).number == 2
    db.conn.close()
    exported = run("export", "--db", "v.db", "--root", "exp", cwd=tree)
    assert exported.returncode == 0, exported.stderr
    return tree


@pytest.mark.parametrize("author", [["--author", "ana"], []], ids=["author", "no-author"])
def test_the_export_of_stale_translations_imports_as_unchanged(
    corrected: Path, author: list[str]
) -> None:
    before = _rows(corrected / "v.db")
    paths = ["--content", "exp/content", "--locales", "exp/locales"]
    again = run("import", "--db", "v.db", *paths, *author, cwd=corrected)
    assert again.returncode == 0, again.stderr
    assert "unchanged: 1" in again.stderr
    assert "pending" not in again.stderr
    assert _rows(corrected / "v.db") == before
    head = latest_version(open_database(corrected / "v.db"), SLUG)
    assert head is not None and head.number == 2


@pytest.mark.parametrize("locale", ["ar", "es", "fr"])
def test_one_exported_catalog_alone_imports_as_unchanged(corrected: Path, locale: str) -> None:
    """The probe: the same with only the exported `ar` catalog (never uploaded), `es` or
    `fr` beside the shipped ones."""
    for exported in content_catalogs(corrected / "exp" / "locales", locale):
        shipped = corrected / "locales" / exported.relative_to(corrected / "exp" / "locales")
        shipped.write_bytes(exported.read_bytes())
    before = _rows(corrected / "v.db")
    paths = ["--content", "exp/content", "--locales", "locales"]
    again = run("import", "--db", "v.db", *paths, "--author", "ana", cwd=corrected)
    assert again.returncode == 0, again.stderr
    assert _rows(corrected / "v.db") == before


def test_a_new_translation_of_the_corrected_text_is_still_a_change(corrected: Path) -> None:
    """Only a restated stale translation is taken for what is stored: the translator's
    new text for the corrected source goes to review."""
    po = corrected / "exp" / "locales" / "es" / "LC_MESSAGES" / f"{SLUG}.po"
    text = po.read_text(encoding="utf-8")
    old = "es un enfoque revolucionario"
    # Twice: version 1's approved entry, which the history keeps for readers of version 1,
    # and the stale translation offered fuzzy under version 2's text.
    assert text.count(old) == 2
    entries = text.split("\n\n")
    (n,) = [
        i
        for i, e in enumerate(entries)
        if f'msgctxt "{SLUG}/introduction/p1"' in e and "#, fuzzy" in e
    ]
    # As a translator does: the new text, and the fuzzy mark (with the old msgid) taken off.
    kept = "\n".join(line for line in entries[n].split("\n") if not line.startswith(("#,", "#|")))
    entries[n] = kept.replace(old, "es un enfoque experimental")
    po.write_text("\n\n".join(entries), encoding="utf-8")
    paths = ["--content", "exp/content", "--locales", "exp/locales"]
    again = run("import", "--db", "v.db", *paths, "--author", "ana", cwd=corrected)
    assert again.returncode == 0, again.stderr
    assert f"catalog es/{SLUG}: " in again.stderr and "pending review" in again.stderr
    db = open_database(corrected / "v.db")
    pending = db.execute(
        "SELECT text FROM translations WHERE locale = 'es' AND status = 'pending' AND context = ?",
        [f"{SLUG}/introduction/p1"],
    ).fetchall()
    assert [row[0] for row in pending] == [
        next(line for line in po.read_text().splitlines() if "enfoque experimental" in line)
        .removeprefix('msgstr "')
        .removesuffix('"')
    ]


def test_the_shipped_repository_exports_and_imports_back_unchanged(shipped_tree: Path) -> None:
    """The repository as shipped (version 2 beside its history, version 2's translations
    offered fuzzy for a translation reviewer): a seeded database exports files that import
    back, with an author, as unchanged. Before, staging found nothing to stage in the
    exported catalogs and the whole import failed with "nothing changed"."""
    assert run("import", "--db", "v.db", cwd=shipped_tree).returncode == 0
    made = run(
        "token", "create", "--name", "ana", "--role", "editor", "--db", "v.db", cwd=shipped_tree
    )
    assert made.returncode == 0, made.stderr
    exported = run("export", "--db", "v.db", "--root", "exp", cwd=shipped_tree)
    assert exported.returncode == 0, exported.stderr
    before = _rows(shipped_tree / "v.db")
    paths = ["--content", "exp/content", "--locales", "exp/locales"]
    again = run("import", "--db", "v.db", *paths, "--author", "ana", cwd=shipped_tree)
    assert again.returncode == 0, again.stderr
    assert "unchanged: 1" in again.stderr
    assert _rows(shipped_tree / "v.db") == before
