"""Fixtures: a real SQLite file built from the real content/ and locales/, and the real app."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from _pytest.nodeid import NodeId
from litestar.testing import TestClient

from api.sources import ContentSet, read_content
from api.store.drafts import get_draft, publish_draft
from api.store.importer import ImportReport, import_content
from api.store.schema import open_database
from api.web.app import create_app
from tests.editing import EDITOR, REVIEWER

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
LOCALES = ROOT / "locales"
SLUG = "stem-cell-therapy-for-hair-loss"
ARTICLE_FILE = CONTENT / "articles" / f"{SLUG}.yaml"
"""The latest reviewed version of the article."""
HISTORY = CONTENT / "history" / SLUG
VERSION_1_FILE = HISTORY / "1" / "article.yaml"
"""Version 1: the content of record, verbatim, forever (docs/medical/content-history.md)."""
VERSION_1_RECORDS = HISTORY / "1" / "treatments.yaml"


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
