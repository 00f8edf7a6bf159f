"""Fixtures of the workspace tests: the real app over a copy of the real database with a
token per person (in-process), and, for browser tests, the real server process driven by
Debian's Chromium through Playwright (one browser per session, a context per test)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from litestar.testing import TestClient

from api.config import Settings
from api.web.app import create_app
from tests.workspace.people import make_tokens

Client = TestClient[Any]


class Seeded(NamedTuple):
    """A database with work waiting, and the tokens of its people."""

    path: Path
    tokens: dict[str, str]


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory, imported_db: Path) -> Seeded:
    """The real content with a token per person and work waiting (`tests.workspace.seed`:
    version 2, a draft in review, a pending Spanish catalog), made once per session (per
    xdist worker); a test asking for `seeded` gets a copy of it."""
    from tests.workspace.seed import seed_work

    path = tmp_path_factory.mktemp("seeded") / "vetted.db"
    shutil.copyfile(imported_db, path)
    tokens = make_tokens(path)
    seed_work(path)  # closes its connection: the file alone holds everything
    return Seeded(path, tokens)


@pytest.fixture()
def db_path(request: pytest.FixtureRequest, tmp_path: Path, imported_db: Path) -> Path:
    """This test's copy of the real content, or of the seeded template when the test asks
    for `seeded`."""
    path = tmp_path / "vetted.db"
    if "seeded" in request.fixturenames:
        shutil.copyfile(request.getfixturevalue("seeded_template").path, path)
    else:
        shutil.copyfile(imported_db, path)
    return path


@pytest.fixture()
def seeded(db_path: Path) -> Path:
    """Version 2 published, a draft in review, a pending Spanish catalog: this test's
    database is a copy of the seeded template (see `db_path`)."""
    return db_path


@pytest.fixture()
def tokens(request: pytest.FixtureRequest, db_path: Path) -> dict[str, str]:
    """A token for each person, in this test's database."""
    if "seeded" in request.fixturenames:
        return dict(request.getfixturevalue("seeded_template").tokens)
    return make_tokens(db_path)


@pytest.fixture()
def settings(db_path: Path) -> Settings:
    return Settings(db=str(db_path))


@pytest.fixture()
def ws(db_path: Path, tokens: dict[str, str], settings: Settings) -> Iterator[Client]:
    """The real app, as a browser on the same origin sees it."""
    with TestClient(create_app(db_path, settings)) as client:
        yield client


def chromium_path() -> str:
    """Debian's Chromium; in CI its absence is a failure (`.ci/run` installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI (.ci/run installs the Debian package)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


class LiveServer:
    """The real server process over a seeded database, and the tokens of its people."""

    def __init__(self, url: str, db_path: Path, tokens: dict[str, str]) -> None:
        self.url = url
        self.db_path = db_path
        self.tokens = tokens


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, seeded_template: Seeded) -> Iterator[LiveServer]:
    """`vetted serve` on a free port over a copy of the seeded template (the real
    database with work waiting: see `tests.workspace.seed`)."""
    from bench.servers import free_port
    from tests.test_server import served

    folder = tmp_path_factory.mktemp("live")
    db_path = folder / "vetted.db"
    shutil.copyfile(seeded_template.path, db_path)
    port = free_port()
    with served(folder, db_path, port):
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, dict(seeded_template.tokens))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole session (Debian's, not a downloaded build)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture()
def visit(browser: Any, live: LiveServer) -> Iterator[Any]:
    """A fresh browser context (its own cookies) on the live server."""
    from tests.workspace.browser import Visit

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield Visit(context.new_page(), live.url)
    finally:
        context.close()
