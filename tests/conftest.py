"""Fixtures: a real SQLite file built from the real content/ and locales/, and the real app."""

from __future__ import annotations

import atexit
import gc
import io
import os
import re
import shutil
import sys
import tempfile
import types
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from _pytest.nodeid import NodeId
from babel.messages.catalog import Catalog
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


def content_catalogs(locales: Path, locale: str | None = None) -> list[Path]:
    """The content catalog files of `locale` (one per article and the shared one), or the
    templates when `locale` is None."""
    found = locales.glob("*.pot") if locale is None else locales.glob(f"{locale}/LC_MESSAGES/*.po")
    return sorted(p for p in found if p.stem != "workspace")


def locale_catalog(locales: Path, locale: str | None = None) -> Catalog:
    """Every content catalog of `locale` (or every template) read into one Babel catalog,
    for tests that look at a whole locale."""
    merged: Catalog | None = None
    for path in content_catalogs(locales, locale):
        with path.open("rb") as handle:
            part = read_po(handle, locale=locale)
        if merged is None:
            merged = part
            continue
        for message in part:
            if message.id:
                merged[message.id] = message
    assert merged is not None, f"no catalogs of {locale} in {locales}"
    return merged


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
    catalogs = [*base.glob("locales/*.pot"), *base.glob("locales/*/LC_MESSAGES/*.po")]
    for path in [p for p in catalogs if p.stem != "workspace"]:
        catalog = read_po(io.BytesIO(path.read_bytes()))
        for message in list(catalog):
            if message.id and (message.context, message.id) not in keys:
                catalog.delete(message.id, context=message.context)
            elif message.id and message.fuzzy:
                # Translations made for version 2, awaiting review: not of version 1's time.
                message.string = ""
                message.flags.discard("fuzzy")
                message.user_comments = []
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


# The fast loop (`make test-fast`) leaves out three kinds of test: `browser` (Playwright
# and Chromium), `process` (real server, CLI, nginx or second-Python processes) and `slow`
# (fuzzing, property tests, big imports). A test is marked by what it uses, so tests added
# later are marked too: the browser fixtures make it `browser`; a test whose code, or the
# code of a fixture or a tests helper it calls, names one of `_PROCESS_NAMES` is `process`;
# Hypothesis makes it `slow`. A module can add `pytestmark = pytest.mark.slow`.
FAST_ENV = "VETTED_TEST_FAST"
KINDS = ("browser", "process", "slow")
_BROWSER_FIXTURES = frozenset({"browser", "visit"})
_PROCESS_NAMES = frozenset(
    {"subprocess", "Popen", "create_subprocess_exec", "served", "serving", "free_port"}
)


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _starts_processes(function: Any, seen: dict[types.CodeType, bool]) -> bool:
    """Whether `function`, or a function of the tests it names, names a process starter."""
    function = getattr(function, "__wrapped__", function)
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    if code in seen:
        return seen[code]
    seen[code] = False  # while looking (a recursion ends here)
    names = _code_names(code)
    found = bool(names & _PROCESS_NAMES) or any(
        _starts_processes(target, seen)
        for name in names
        if isinstance(target := function.__globals__.get(name), types.FunctionType)
        and target.__module__.startswith("tests")
    )
    seen[code] = found
    return found


def _kinds(item: pytest.Item, seen: dict[types.CodeType, bool]) -> set[str]:
    kinds: set[str] = set()
    fixtures = set(getattr(item, "fixturenames", ()))
    if fixtures & _BROWSER_FIXTURES:
        kinds.add("browser")
    function = getattr(item, "function", None)
    if getattr(function, "is_hypothesis_test", False):
        kinds.add("slow")
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info is not None else ()
    functions = [function, *(d.func for defs in definitions for d in defs)]
    if any(_starts_processes(f, seen) for f in functions if f is not None):
        kinds.add("process")
    return kinds


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test has its own node id, the one its name says, and the marks of what it uses.

    Schemathesis names each operation's test `test_x[GET /path]` (tests/web/test_fuzz.py),
    but under pytest 9.2 every one of them gets the node id of the bare function. pytest-xdist
    schedules and reports by node id, so 34 operations became one test, run once: the rest
    were dropped without a word. Here such an item gets the id its name says, and a
    collection with any id twice is refused rather than run in part."""
    seen: dict[types.CodeType, bool] = {}
    for item in items:
        if item.parent is not None and item.nodeid.rpartition("::")[2] != item.name:
            item._id = NodeId.parse(f"{item.parent.nodeid}::{item.name}")
        for kind in sorted(_kinds(item, seen)):
            item.add_marker(kind)
    twice = sorted(nodeid for nodeid, n in Counter(i.nodeid for i in items).items() if n > 1)
    if twice:
        raise pytest.UsageError(f"tests collected under the same node id: {twice}")


_MODULE_MARK = re.compile(r"^pytestmark = \[?\s*pytest\.mark\.(browser|process|slow)\b", re.M)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A module marked as a whole with a kind the mark expression leaves out (`make
    test-fast`) is not even imported: collecting the fuzz tests alone costs seconds."""
    expression = config.getoption("markexpr", "") or ""
    if collection_path.suffix != ".py" or "not " not in expression:
        return None
    found = _MODULE_MARK.search(collection_path.read_text(encoding="utf-8"))
    if found and f"not {found.group(1)}" in expression:
        return True
    return None


# Every test that uses `client` makes an app: some 100,000 objects in reference cycles
# (handlers and their routers), which survive the young generations while the test runs.
# With the interpreter's default thresholds (700, 10, 10) the collector ran so often in a
# test process, walking the modules and everything collection made, that it took about a
# quarter of the fast loop's CPU. What collection made stays for the whole session: frozen,
# the collector no longer walks it; a larger first threshold makes collections rarer. Every
# cycle is still collected (`tests/store/test_import_memory.py` collects explicitly).
def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


# A test that starts a process without being marked for it is caught when it does: the
# audit hook sees every subprocess. In the fast loop that fails the test (it would make
# the loop slow); in `make test` it is a warning naming the mark to add.
_running: list[pytest.Item] = []
_unmarked_starts: dict[str, str] = {}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event in ("subprocess.Popen", "os.posix_spawn", "os.system") and _running:
        item = _running[-1]
        if not any(item.get_closest_marker(kind) for kind in KINDS):
            _unmarked_starts.setdefault(item.nodeid, f"{event} {str(args[:2])[:120]}")


sys.addaudithook(_audit)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    result = yield
    started = _unmarked_starts.pop(item.nodeid, None)
    if started is not None:
        message = (
            f"{item.nodeid} started a process ({started}) but is not marked: "
            "add `@pytest.mark.process` (or `pytestmark` in its module)"
        )
        if os.environ.get(FAST_ENV) == "1":
            pytest.fail(message)
        warnings.warn(message, pytest.PytestWarning, stacklevel=1)
    return result


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
