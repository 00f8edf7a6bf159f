"""Fixtures: a real SQLite file built from the real content/ and locales/, and the real app."""

from __future__ import annotations

import atexit
import io
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from _pytest.nodeid import NodeId
from babel.messages.pofile import read_po, write_po
from litestar.testing import TestClient

from api.core.content import parse_article, parse_treatments
from api.core.messages import current_messages
from api.sources import ContentSet, read_content, write_tree
from api.store.drafts import get_draft, publish_draft
from api.store.exporting import export_tree
from api.store.importer import ImportReport, import_content
from api.store.schema import open_database
from api.web.app import create_app
from tests.editing import EDITOR, REVIEWER

ROOT = Path(__file__).resolve().parent.parent
SLUG = "stem-cell-therapy-for-hair-loss"
SHIPPED_CONTENT = ROOT / "content"
SHIPPED_LOCALES = ROOT / "locales"
SHIPPED_ARTICLE = SHIPPED_CONTENT / "articles" / f"{SLUG}.yaml"
"""The latest reviewed version of the article (version 2: the medical corrections)."""
HISTORY = SHIPPED_CONTENT / "history" / SLUG
VERSION_1_FILE = HISTORY / "1" / "article.yaml"
"""Version 1: the content of record, verbatim, forever (docs/medical/content-history.md)."""
VERSION_1_RECORDS = HISTORY / "1" / "treatments.yaml"


def _version_1_tree() -> Path:
    """The repository as it stood with version 1 as its only version: the history's version-1
    article and records as the current files, no history, and the catalogs and template with
    version 1's messages only (each entry as shipped). The tests of the machinery (workflow,
    translation fallback, search, sync, catalog review, the workspace) run on this tree, so
    what they assert about "the article" is asserted about version 1, explicitly; the shipped
    tree (version 2 and its history) has its own tests (tests/test_content_history.py,
    tests/web/test_safety_walk.py, tests/test_locales.py, tests/core/test_content.py)."""
    base = Path(tempfile.mkdtemp(prefix="vetted-version-1-"))
    atexit.register(shutil.rmtree, base, True)
    shutil.copytree(SHIPPED_CONTENT, base / "content", ignore=shutil.ignore_patterns("history"))
    shutil.copyfile(VERSION_1_FILE, base / "content" / "articles" / f"{SLUG}.yaml")
    shutil.copyfile(VERSION_1_RECORDS, base / "content" / "treatments.yaml")
    shutil.copytree(SHIPPED_LOCALES, base / "locales")
    article = parse_article(VERSION_1_FILE.read_bytes(), "v1")
    records = parse_treatments(VERSION_1_RECORDS.read_bytes(), "v1")
    keys = {(m.context, m.source) for m in current_messages([article], records)}
    for path in [base / "locales" / "messages.pot", *base.glob("locales/*/LC_MESSAGES/content.po")]:
        catalog = read_po(io.BytesIO(path.read_bytes()))
        for message in list(catalog):
            if message.id and (message.context, message.id) not in keys:
                catalog.delete(message.id, context=message.context)
        out = io.BytesIO()
        write_po(out, catalog, width=None, ignore_obsolete=True)
        path.write_bytes(out.getvalue())
    # As `vetted export` writes them, the form every file of record is kept in.
    db = open_database(base / "export.db")
    import_content(db, read_content(base / "content", base / "locales", base))
    write_tree(base, export_tree(db).files)
    db.conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{base / 'export.db'}{suffix}").unlink(missing_ok=True)
    return base


VERSION_1_TREE = _version_1_tree()
CONTENT = VERSION_1_TREE / "content"
LOCALES = VERSION_1_TREE / "locales"
ARTICLE_FILE = CONTENT / "articles" / f"{SLUG}.yaml"
"""Version 1 of the article, as the machinery tests' tree holds it."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test has its own node id, the one its name says.

    Schemathesis names each operation's test `test_x[GET /path]` (tests/web/test_fuzz.py),
    but under pytest 9.2 every one of them gets the node id of the bare function. pytest-xdist
    schedules and reports by node id, so 34 operations became one test, run once: the rest
    were dropped without a word. Here such an item gets the id its name says, and a
    collection with any id twice is refused rather than run in part."""
    for item in items:
        if item.parent is not None and item.nodeid.rpartition("::")[2] != item.name:
            item._id = NodeId.parse(f"{item.parent.nodeid}::{item.name}")
    twice = sorted(nodeid for nodeid, n in Counter(i.nodeid for i in items).items() if n > 1)
    if twice:
        raise pytest.UsageError(f"tests collected under the same node id: {twice}")


def publish_files(db: sqlite_utils.Database, root: Path) -> ImportReport:
    """How a change to the files reaches readers once the database has published content:
    the import submits it for review by an editor, and a second person publishes it."""
    report = import_content(db, read_content(root / "content", root / "locales"), author=EDITOR)
    for draft_id in report.drafts.values():
        publish_draft(db, REVIEWER, draft_id, get_draft(db, draft_id)[0].etag)
    return report


def source_text_path() -> Path:
    """The content of record, shared beside the repository (or vendored for CI)."""
    for candidate in (ROOT.parent / "shared" / "source", ROOT / "tests" / "data"):
        path = candidate / f"{SLUG}.txt"
        if path.exists():
            return path
    raise FileNotFoundError(f"{SLUG}.txt")


@pytest.fixture(scope="session")
def content() -> ContentSet:
    return read_content(CONTENT, LOCALES)


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A writable copy of content/ and locales/ for tests that edit files."""
    shutil.copytree(CONTENT, tmp_path / "content")
    shutil.copytree(LOCALES, tmp_path / "locales")
    return tmp_path


@pytest.fixture(scope="session")
def imported_db(tmp_path_factory: pytest.TempPathFactory, content: ContentSet) -> Path:
    """The real content imported once; tests get their own copy of the file."""
    path = tmp_path_factory.mktemp("template") / "vetted.db"
    db = open_database(path)
    import_content(db, content)
    db.conn.close()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture()
def db_path(tmp_path: Path, imported_db: Path) -> Path:
    path = tmp_path / "vetted.db"
    shutil.copyfile(imported_db, path)
    return path


@pytest.fixture()
def client(db_path: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(db_path)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def shipped_content() -> ContentSet:
    """The repository as shipped: version 2 and the history that holds version 1."""
    return read_content(SHIPPED_CONTENT, SHIPPED_LOCALES, ROOT)


@pytest.fixture()
def shipped_tree(tmp_path: Path) -> Path:
    """A writable copy of the shipped content/ and locales/."""
    shutil.copytree(SHIPPED_CONTENT, tmp_path / "content")
    shutil.copytree(SHIPPED_LOCALES, tmp_path / "locales")
    return tmp_path


@pytest.fixture(scope="session")
def shipped_db(tmp_path_factory: pytest.TempPathFactory, shipped_content: ContentSet) -> Path:
    """A fresh database seeded from the shipped repository (as `vetted import` seeds it)."""
    path = tmp_path_factory.mktemp("shipped") / "vetted.db"
    db = open_database(path)
    import_content(db, shipped_content)
    db.conn.close()
    return path


@pytest.fixture()
def shipped_client(tmp_path: Path, shipped_db: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    path = tmp_path / "shipped.db"
    shutil.copyfile(shipped_db, path)
    with TestClient(create_app(path)) as test_client:
        yield test_client
