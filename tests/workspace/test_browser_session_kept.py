"""A session expires mid-edit and nothing is lost (issue 25, point 2; workspace walk
finding 2), in a real browser against the real server, by clicks and typing only: the
server's idle timeout is short, the editor types a change, waits past it and presses
Save; the sign-in page says the change is kept, signing in leads back to the editor with
the typed text and says so, and pressing Save then starts the draft with that text."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.core.model import walk_sections
from api.store.drafts import get_draft, list_drafts
from api.store.schema import open_database
from tests.conftest import SLUG
from tests.workspace.conftest import LiveServer

pytestmark = pytest.mark.browser

IDLE = 10
EDITOR = f"/workspace/articles/{SLUG}/edit/introduction"
TYPED = " Ask your doctor first if you are pregnant or may become pregnant."
MESSAGE = "Pregnancy caution in the introduction"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, imported_db: Path) -> Iterator[LiveServer]:
    """The real server, whose sessions end after IDLE seconds without a request."""
    from bench.servers import free_port
    from tests.test_server import served
    from tests.workspace.people import make_tokens

    folder = tmp_path_factory.mktemp("session-kept")
    db_path = folder / "vetted.db"
    shutil.copyfile(imported_db, db_path)
    tokens = make_tokens(db_path)
    port = free_port()
    with served(folder, db_path, port, env={"VETTED_SESSION_IDLE_TIMEOUT": str(IDLE)}):
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, tokens)


def test_a_session_expires_mid_edit_and_nothing_is_lost(browser: Any, server: LiveServer) -> None:
    from tests.workspace.browser import Visit

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        ana = Visit(context.new_page(), server.url)
        page = ana.page
        signed_in_at = time.monotonic()
        ana.sign_in(server.tokens["editor"], EDITOR)
        assert page.url.endswith(EDITOR)
        text = page.locator("#f-block-0-text")
        stored = text.input_value()
        text.click()
        page.keyboard.press("Control+End")
        page.keyboard.type(TYPED)
        page.get_by_label("What you changed and why").click()
        page.keyboard.type(MESSAGE)

        # The phone call: the session expires on the server, for real.
        time.sleep(max(0.0, signed_in_at + IDLE + 1.5 - time.monotonic()))
        page.get_by_role("button", name="Save").first.click()
        page.wait_for_url(lambda url: "/workspace/?next=" in url)
        status = page.get_by_role("status")
        assert "What you typed is kept" in status.inner_text()
        ana.check("session-ended-sign-in")
        assert _drafts(server.db_path) == []

        page.get_by_label("API token").click()
        page.keyboard.type(server.tokens["editor"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**" + EDITOR)
        said = page.get_by_role("status").inner_text()
        assert "your changes were kept" in said and "send again" in said
        assert page.locator("#f-block-0-text").input_value() == stored + TYPED
        assert page.get_by_label("What you changed and why").input_value() == MESSAGE
        assert _drafts(server.db_path) == []  # shown again, never sent by itself
        ana.check("session-kept-form")

        page.get_by_role("button", name="Save").first.click()
        page.wait_for_url("**/workspace/drafts/*")
        assert "started" in page.get_by_role("status").inner_text()
        (draft_id,) = _drafts(server.db_path)
        db = open_database(server.db_path)
        try:
            draft, article = get_draft(db, draft_id)
        finally:
            db.conn.close()
        intro = next(s for s in walk_sections(article.sections) if s.id == "introduction")
        assert getattr(intro.blocks[0], "text", "") == stored + TYPED
        assert draft.author == "ana"
    finally:
        context.close()


def _drafts(db_path: Path) -> list[int]:
    db = open_database(db_path)
    try:
        return [draft.id for draft in list_drafts(db)]
    finally:
        db.conn.close()
