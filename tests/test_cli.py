"""The `vetted` command: check, import (with progress and clear rejections), openapi."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from msgspec.structs import replace

from api.cli import build_parser
from api.core.access import Principal
from api.core.errors import Unauthorized
from api.sources import catalog_path
from api.store.accounts import authenticate
from api.store.audit import list_audit
from api.store.exporting import export_tree
from api.store.schema import open_database
from api.store.translations import catalog_header, store_header
from api.store.versions import latest_version, load_article
from tests.conftest import ARTICLE_FILE, ROOT, SLUG, VERSION_1_TREE
from tests.editing import draft_in_review, publish_change

# Out of the fast loop (`make test-fast`): every test runs `vetted` as a process.
pytestmark = pytest.mark.process

VETTED = [sys.executable, "-m", "api.cli"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VETTED, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_import_reports_progress_and_is_idempotent(tree: Path) -> None:
    first = run("import", "--db", "v.db", cwd=tree)
    assert first.returncode == 0, first.stderr
    assert "stem-cell-therapy-for-hair-loss: version 1" in first.stderr
    assert "catalog es: 163 translations" in first.stderr
    second = run("import", "--db", "v.db", cwd=tree)
    assert "new versions: none" in second.stderr


def test_broken_catalog_is_rejected_with_file_and_line_and_nothing_stored(tree: Path) -> None:
    po = catalog_path(tree / "locales", "fr", SLUG)
    lines = po.read_text().splitlines()
    target = next(
        n for n, line in enumerate(lines) if line.startswith('msgstr "') and len(line) > 12
    )
    lines[target] = lines[target][:-1] + ' <script>alert(1)</script>"'
    po.write_text("\n".join(lines) + "\n")
    result = run("import", "--db", "v.db", cwd=tree)
    assert result.returncode == 1
    assert f"locales/fr/LC_MESSAGES/{SLUG}.po:{target + 1}: markup in msgstr" in result.stderr
    assert "nothing was stored" in result.stderr
    check = run("check", cwd=tree)
    assert check.returncode == 1
    assert not (tree / "v.db").exists()  # validation runs before the database is opened


def test_check_accepts_the_shipped_content() -> None:
    result = run("check", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "catalogs: ar, es, fr" in result.stderr
    assert "warning" not in result.stderr


def test_check_and_import_warn_of_translations_of_an_old_source_text(tree: Path) -> None:
    old = "Not everyone experiences the same degree of transformation."
    article = tree / "content" / "articles" / f"{SLUG}.yaml"
    article.write_text(article.read_text().replace(old, "Not everyone sees the same change."))
    lines = catalog_path(tree / "locales", "es", SLUG).read_text().splitlines()
    line = lines.index(f'msgid "{old}"') + 1
    warning = (
        f"warning: locales/es/LC_MESSAGES/{SLUG}.po:{line}: msgid is not the current source "
        f"text of {SLUG}/safety-and-efficacy/p5"
    )
    for command in (("check",), ("import", "--db", "v.db")):
        result = run(*command, cwd=tree)
        assert result.returncode == 0, result.stderr
        assert warning in result.stderr


def test_each_catalog_is_checked_against_its_own_article(tree: Path) -> None:
    """With one catalog per article, a stale entry is named in its own article's catalog
    only: the same words in another article's catalog translate that article's current
    text."""
    old = "Not everyone experiences the same degree of transformation."
    copy = f"{SLUG}-copy"
    source = (tree / "content" / "articles" / f"{SLUG}.yaml").read_text()
    copied = source.replace(f"slug: {SLUG}\n", f"slug: {copy}\n", 1)
    changed = copied.replace(old, "Not everyone sees the same change.")
    (tree / "content" / "articles" / f"{copy}.yaml").write_text(changed)
    po = catalog_path(tree / "locales", "es", SLUG)
    renamed = po.read_text().replace(f'msgctxt "{SLUG}/', f'msgctxt "{copy}/')
    catalog_path(tree / "locales", "es", copy).write_text(renamed)
    line = renamed.splitlines().index(f'msgid "{old}"') + 1
    for command in (("check",), ("import", "--db", "v.db")):
        result = run(*command, cwd=tree)
        assert result.returncode == 0, result.stderr
        assert (
            f"warning: locales/es/LC_MESSAGES/{copy}.po:{line}: msgid is not the current source "
            f"text of {copy}/safety-and-efficacy/p5"
        ) in result.stderr
        # The original's catalog holds the same entry: its article still says so.
        assert f"LC_MESSAGES/{SLUG}.po" not in result.stderr
        assert "shared.po" not in result.stderr


def test_openapi_command_writes_the_served_contract(tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    result = run("openapi", "--output", str(out), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert out.read_text() == (ROOT / "openapi.yaml").read_text()


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for folder in ("content", "locales")
        for p in sorted((root / folder).rglob("*"))
        # The workspace's own words (domain `workspace`) are not content: no round trip.
        if p.is_file() and p.suffix != ".mo" and not p.name.startswith("workspace.")
    }


def test_import_then_export_reproduces_the_files_byte_for_byte(tree: Path) -> None:
    original = _tree_bytes(tree)
    assert run("import", "--db", "v.db", cwd=tree).returncode == 0
    shutil.rmtree(tree / "content")
    shutil.rmtree(tree / "locales")
    exported = run("export", "--db", "v.db", cwd=tree)
    assert exported.returncode == 0, exported.stderr
    assert _tree_bytes(tree) == original
    again = run("export", "--db", "v.db", cwd=tree)
    assert ", 0 changed" in again.stderr


def test_import_refuses_a_file_based_on_an_older_version(tree: Path) -> None:
    assert run("import", "--db", "v.db", cwd=tree).returncode == 0
    db = open_database(tree / "v.db")
    article = load_article(db, SLUG, 1)
    publish_change(db, replace(article, title="T"))
    db.conn.close()
    path = tree / "content" / "articles" / f"{SLUG}.yaml"
    path.write_text(path.read_text().replace("revolutionary approach", "approach"))
    refused = run("import", "--db", "v.db", cwd=tree)
    assert refused.returncode == 1
    assert (
        f"error: content/articles/{SLUG}.yaml is based on version 1 (title has version 1's "
        "text, replaced since); the database has published up to version 2: nothing stored"
    ) in refused.stderr
    assert "nothing was stored" in refused.stderr
    check = open_database(tree / "v.db")
    assert [r[0] for r in check.execute("SELECT number FROM versions")] == [1, 2]


def _tokens(tree: Path, *people: tuple[str, str]) -> None:
    for name, role in people:
        made = run("token", "create", "--name", name, "--role", role, "--db", "v.db", cwd=tree)
        assert made.returncode == 0, made.stderr


def test_an_old_checkout_after_an_export_elsewhere_publishes_nothing(tree: Path) -> None:
    """The finding: a correction published through review, exported to a scratch folder;
    importing from the checkout that still has the old files republished the old text."""
    assert run("import", "--db", "v.db", cwd=tree).returncode == 0
    _tokens(tree, ("ed", "editor"))
    db = open_database(tree / "v.db")
    article = load_article(db, SLUG, 1)
    corrected = replace(article, title=article.title + " (corrected)")
    publish_change(
        db,
        corrected,
        "Correct the title",
        Principal(name="ana", role="editor"),
        Principal(name="ben", role="reviewer"),
    )
    db.conn.close()
    exported = run("export", "--db", "v.db", "--root", "scratch", cwd=tree)
    assert exported.returncode == 0, exported.stderr
    assert "(corrected)" in (tree / "scratch" / "content" / "articles" / f"{SLUG}.yaml").read_text()
    before = _rows(tree / "v.db")

    for extra in ([], ["--author", "ed"]):
        old = run("import", "--db", "v.db", *extra, cwd=tree)
        assert old.returncode == 1, old.stderr
        assert (
            f"error: content/articles/{SLUG}.yaml is version 1; the database has published up "
            "to version 2: nothing stored"
        ) in old.stderr
        assert _rows(tree / "v.db") == before
    head = latest_version(open_database(tree / "v.db"), SLUG)
    assert head is not None and (head.number, head.author, head.reviewer) == (2, "ana", "ben")


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = open_database(path)
    tables = ("versions", "publications", "drafts", "translations", "audit", "documents")
    try:
        return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    finally:
        db.conn.close()


def test_import_over_published_content_submits_changes_for_review(tree: Path) -> None:
    assert run("import", "--db", "v.db", cwd=tree).returncode == 0
    _tokens(tree, ("ed", "editor"))
    path = tree / "content" / "articles" / f"{SLUG}.yaml"
    path.write_text(path.read_text().replace("revolutionary approach", "approach"))
    before = _rows(tree / "v.db")

    anonymous = run("import", "--db", "v.db", cwd=tree)
    assert anonymous.returncode == 2
    errors = [line for line in anonymous.stderr.splitlines() if not line.startswith("warning:")]
    assert errors[0].startswith("vetted: error: --author: the database has published")
    assert f"content/articles/{SLUG}.yaml" in anonymous.stderr
    unknown = run("import", "--db", "v.db", "--author", "nobody", cwd=tree)
    assert unknown.returncode == 2
    assert "--author: no active token named 'nobody'" in unknown.stderr
    assert _rows(tree / "v.db") == before

    proposed = run("import", "--db", "v.db", "--author", "ed", cwd=tree)
    assert proposed.returncode == 0, proposed.stderr
    assert f"article {SLUG}: draft 1, in review" in proposed.stderr
    assert f"submitted for review by ed: draft 1 ({SLUG})" in proposed.stderr
    db = open_database(tree / "v.db")
    assert [r[0] for r in db.execute("SELECT number FROM versions")] == [1]
    audit = [(e.actor, e.action) for e in list_audit(db).entries[:2]]
    assert audit == [("ed", "draft.submit"), ("ed", "draft.create")]
    again = run("import", "--db", "v.db", "--author", "ed", cwd=tree)
    assert (
        "awaiting review: content/articles" in again.stderr
        and "draft 1 (in_review)" in again.stderr
    )


def test_make_serve_does_not_import_over_the_database() -> None:
    """`vetted serve` seeds an empty database; `make serve` must not import before it."""
    planned = subprocess.run(
        ["make", "-n", "serve", "DB=x.db"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    commands = [line for line in planned.stdout.splitlines() if "vetted " in line]
    assert commands == [".venv/bin/vetted serve --db x.db --host 127.0.0.1 --port 8000"]


def test_token_create_list_revoke(tree: Path) -> None:
    created = run(
        "token",
        "create",
        "--name",
        "ana",
        "--role",
        "translator",
        "--locales",
        "es",
        "--db",
        "v.db",
        cwd=tree,
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("vt_") and "shown only this once" in created.stderr
    db = open_database(tree / "v.db")
    assert secret.split("_", 2)[2] not in "".join(db.conn.iterdump())  # only the hash is kept
    assert authenticate(db, f"Bearer {secret}") == Principal(
        name="ana", role="translator", locales=("es",), token="ana", token_created_by="operator"
    )
    listed = run("token", "list", "--db", "v.db", cwd=tree)
    assert listed.stdout.split("\n")[0].split("\t")[:4] == ["ana", "translator", "es", "active"]
    assert secret not in listed.stdout
    assert run("token", "revoke", "ana", "--db", "v.db", cwd=tree).returncode == 0
    with pytest.raises(Unauthorized):
        authenticate(db, f"Bearer {secret}")
    duplicate = run("token", "create", "--name", "ana", "--role", "admin", "--db", "v.db", cwd=tree)
    assert duplicate.returncode == 1 and "exists" in duplicate.stderr
    actions = [e.action for e in list_audit(db).entries]
    assert actions[:2] == ["token.revoke", "token.create"]


def test_backup_and_restore_commands(db_path: Path, tmp_path: Path) -> None:
    made = run("backup", "b.db", "--db", str(db_path), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "backup: 100% (" in made.stderr
    assert "article(s), schema version" in made.stderr and "integrity ok" in made.stderr
    again = run("backup", "b.db", "--db", str(db_path), cwd=tmp_path)
    assert again.returncode == 1 and "b.db exists; pass --force" in again.stderr
    assert run("backup", "b.db", "--force", "--db", str(db_path), cwd=tmp_path).returncode == 0

    db = open_database(db_path)
    article = load_article(db, SLUG, 1)
    draft_in_review(db, replace(article, title="Kept in review"))
    (tmp_path / "junk.db").write_text("not a database")
    junk = run("restore", "junk.db", "--db", str(db_path), cwd=tmp_path)
    assert junk.returncode == 1
    assert "junk.db: not a readable SQLite database" in junk.stderr
    assert db.execute("SELECT count(*) FROM drafts").fetchone()[0] == 1

    restored = run("restore", "b.db", "--db", str(db_path), cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "restore: 100% (" in restored.stderr and f"restored {db_path}" in restored.stderr
    assert db.execute("SELECT count(*) FROM drafts").fetchone()[0] == 0


def test_every_command_is_in_the_documented_command_list() -> None:
    page = (ROOT / "docs" / "editors" / "files-and-database.md").read_text()
    listing = page.split("## Content and the `vetted` command", 1)[1].split("```", 2)[1]
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands is not None
    missing = [name for name in commands if f"vetted {name}" not in listing]
    assert missing == []


def _replace_in(path: Path, old: str, new: str) -> int:
    """Replace `old` in the file; the line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("es", 'msgstr "{range} por plan"', 'msgstr "{range} por plan {"', "format string"),
        ("es", 'msgstr "{range} por plan"', 'msgstr "{{range}} por plan"', "placeholders differ"),
        ("es", "charset=utf-8", "charset=x-bogus-42", "declares charset 'x-bogus-42'"),
        ("es", "charset=utf-8", "charset=ISO-8859-1", "declares charset 'ISO-8859-1'"),
        ("article", "title: Stem cell therapy", 'title: "Stem cell\\0 therapy', "U+0000"),
        ("article", "title: Stem cell therapy", "title: <script>Stem cell therapy", "markup"),
        ("article", "- patients", "- '<script>'", "audience"),
    ],
    ids=["stray-brace", "escaped-braces", "bogus-charset", "latin-1", "nul", "script", "audience"],
)
def test_check_and_import_refuse_with_file_and_line(
    tree: Path, file: str, old: str, new: str, message: str
) -> None:
    """`vetted check` and `vetted import` run the validation the HTTP doors run."""
    article = tree / ARTICLE_FILE.relative_to(VERSION_1_TREE)
    # The fact phrases are in the shared catalog, the article's own text in the article's.
    domain = "shared" if "range" in old else SLUG
    path = catalog_path(tree / "locales", "es", domain) if file == "es" else article
    line = _replace_in(path, old, new)
    if new.startswith('title: "'):
        _replace_in(path, "therapy for hair loss\n", 'therapy for hair loss"\n')
    shown = path.relative_to(tree)
    for command in (["check"], ["import", "--db", "v.db"]):
        result = run(*command, cwd=tree)
        assert result.returncode == 1, result.stderr
        assert f"{shown}:{line}: " in result.stderr and message in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tree / "v.db").exists()


@pytest.mark.parametrize("code", ["zzz", "qaa", "und", "articles"])
def test_token_scopes_are_locales_cldr_knows(tree: Path, code: str) -> None:
    made = run(
        "token", "create", "--name", "t", "--role", "translator", "--locales", code, "--db", "v.db",
        cwd=tree,
    )  # fmt: skip
    assert made.returncode == 1
    assert f"locales: {code!r} is not a" in made.stderr


def test_a_regional_catalog_folder_is_checked_as_its_language_with_a_note(tree: Path) -> None:
    (tree / "locales" / "es").rename(tree / "locales" / "es_ES")
    result = run("check", cwd=tree)
    assert result.returncode == 0, result.stderr
    assert f"locales/es_ES/LC_MESSAGES/{SLUG}.po is stored as the catalog of 'es'" in result.stderr
    shutil.copytree(tree / "locales" / "es_ES", tree / "locales" / "es")
    twice = run("check", cwd=tree)
    assert twice.returncode == 1
    assert "is the catalog of 'es' already" in twice.stderr


def test_export_declares_utf8_even_for_a_header_stored_before_the_rule(db_path: Path) -> None:
    db = open_database(db_path)
    header = catalog_header(db, "es")
    assert header is not None and "charset=utf-8" in header.text
    legacy = replace(header, text=header.text.replace("charset=utf-8", "charset=x-bogus-42"))
    store_header(db, "es", "approved", replace(legacy, fields=(("Content-Type", "x"),)))
    exported = export_tree(db).files[f"locales/es/LC_MESSAGES/{SLUG}.po"]
    assert b"charset=utf-8" in exported and b"x-bogus-42" not in exported
    exported.decode("utf-8")
