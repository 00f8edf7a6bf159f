"""The reviewed history travels with an export: `vetted export` writes `content/history/`
as the database has it, so the files it writes are the repository again, and they import
into an empty database as the same versions, people, dates and documents."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from msgspec.structs import replace

from api.core.model import Article, Paragraph, walk_sections
from api.sources import ContentReader
from api.store.schema import open_database
from api.store.versions import latest_version, load_article, published_versions
from tests.conftest import ROOT, SLUG
from tests.editing import EDITOR, REVIEWER, publish_change

HISTORY = f"content/history/{SLUG}"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], cwd=cwd, capture_output=True, text=True
    )


def _content_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted((root / "content").rglob("*"))
        if p.is_file()
    }


def _documents(path: Path) -> dict[str, str]:
    """Every stored document's ETag by key; a bundle's without its sync cursor, which counts
    the changes of the database it was rendered in."""
    db = open_database(path)
    try:
        out = {}
        for key, etag, body in db.execute(
            "SELECT d.key, d.etag, b.body FROM documents d JOIN blobs b ON b.etag = d.etag"
        ):
            if key.startswith("bundle/"):
                document = json.loads(body)
                document.pop("cursor")
                etag = json.dumps(document, sort_keys=True)
            out[key] = etag
        return out
    finally:
        db.conn.close()


def test_the_shipped_history_exports_byte_for_byte(shipped_tree: Path) -> None:
    """Seed from the repository as shipped, remove content/, export: the history folder
    (version 1 whole, the log with every reason and citation) comes back byte for byte.
    Before, export wrote only the current article, so the history was lost."""
    original = _content_bytes(shipped_tree)
    assert any(path.startswith(HISTORY) for path in original)
    assert run("import", "--db", "v.db", cwd=shipped_tree).returncode == 0
    shutil.rmtree(shipped_tree / "content")
    exported = run("export", "--db", "v.db", cwd=shipped_tree)
    assert exported.returncode == 0, exported.stderr
    assert _content_bytes(shipped_tree) == original


def _rewrite(article: Article, path: str, text: str) -> Article:
    """`article` with the text of paragraph `path` (`<section>/<block>`) replaced."""
    section_id, block_id = path.rsplit("/", 1)

    def visit(sections: tuple) -> tuple:  # type: ignore[type-arg]
        out = []
        for section in sections:
            blocks = tuple(
                replace(b, text=text)
                if section.id == section_id and b.id == block_id and isinstance(b, Paragraph)
                else b
                for b in section.blocks
            )
            out.append(replace(section, blocks=blocks, sections=visit(section.sections)))
        return tuple(out)

    return replace(article, sections=visit(article.sections))


def _cited_paragraph(article: Article) -> tuple[str, Paragraph]:
    for section in walk_sections(article.sections):
        for block in section.blocks:
            if isinstance(block, Paragraph) and block.cites:
                return f"{section.id}/{block.id}", block
    raise AssertionError("version 2 has a paragraph citing a reference")


def test_a_version_published_in_the_workspace_exports_a_history_that_imports_again(
    shipped_tree: Path, tmp_path: Path
) -> None:
    """Version 3, drafted by one person and published by another through the workflow,
    exports as the current file with version 2 moved into the history and a log entry
    naming both people, the draft's message as the reason and the block's references as
    its citations. The export is a valid repository (it is read with the same rules as the
    shipped one), and an empty database importing it has the same versions and documents.
    Before, the export kept the old log, and every import of it was refused."""
    assert run("import", "--db", "v.db", cwd=shipped_tree).returncode == 0
    db = open_database(shipped_tree / "v.db")
    head = latest_version(db, SLUG)
    assert head is not None and head.number == 2
    article = load_article(db, SLUG, 2)
    path, block = _cited_paragraph(article)
    publish_change(
        db,
        _rewrite(article, path, block.text + " (Reviewed again.)"),
        message="A note that the statement was checked again against its sources",
    )
    assert [v.number for v in published_versions(db, SLUG)] == [1, 2, 3]
    db.conn.close()

    out = tmp_path / "exported"
    exported = run("export", "--db", str(shipped_tree / "v.db"), "--root", str(out), cwd=ROOT)
    assert exported.returncode == 0, exported.stderr
    log = (out / HISTORY / "log.yaml").read_text(encoding="utf-8")
    assert (out / HISTORY / "2" / "article.yaml").is_file()
    assert (out / HISTORY / "2" / "treatments.yaml").is_file()
    entry = log.split("- number: 3\n", 1)[1]
    assert f"author: {EDITOR.name}\n" in entry and f"reviewer: {REVIEWER.name}\n" in entry
    assert f"block: {path}\n" in entry
    assert "reason: A note that the statement was checked again against its sources" in entry
    assert all(f"- {ref}\n" in entry for ref in block.cites)
    # The shipped entries are carried over word for word.
    shipped_log = (shipped_tree / HISTORY / "log.yaml").read_text(encoding="utf-8")
    assert log.startswith(shipped_log)

    reader = ContentReader(out / "content", out / "locales")
    assert reader.errors == []
    fresh = tmp_path / "fresh.db"
    paths = ["--content", str(out / "content"), "--locales", str(out / "locales")]
    seeded = run("import", "--db", str(fresh), *paths, cwd=ROOT)
    assert seeded.returncode == 0, seeded.stderr
    again = open_database(fresh)
    assert [
        (v.number, v.author, v.reviewer, v.published_at) for v in published_versions(again, SLUG)
    ] == [
        (v.number, v.author, v.reviewer, v.published_at)
        for v in published_versions(open_database(shipped_tree / "v.db"), SLUG)
    ]
    again.conn.close()
    assert _documents(fresh) == _documents(shipped_tree / "v.db")


def test_every_database_seeded_from_the_same_files_serves_the_same_bytes(
    shipped_tree: Path, shipped_db: Path
) -> None:
    """A translation's sign-off, which every translated document shows, is dated as the
    catalog file dates its revision (`PO-Revision-Date`), not when the database was seeded:
    so `?version=1` is the same bytes, with the same ETag, in every fresh database. Before,
    each seed wrote its own time into every translated document."""
    time.sleep(1.1)  # a later second than the session's seeded database
    assert run("import", "--db", "v.db", cwd=shipped_tree).returncode == 0
    assert _documents(shipped_tree / "v.db") == _documents(shipped_db)
    db = open_database(shipped_db)
    signed = db.execute(
        "SELECT DISTINCT updated_at FROM translations WHERE locale = 'es' AND status = 'approved'"
    ).fetchall()
    db.conn.close()
    assert signed == [("2026-11-25T00:34:00Z",)]  # the es catalog's PO-Revision-Date
