"""A new article in a real browser (issue 27 point 4): an author writes it in the New
article form (a taken slug is refused at the field first), cannot publish it alone (the
button disabled with the one reason, a forced post refused), a reviewer approves it, and
a reader gets it. Every page is checked with axe-core, for other origins and CSP."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SLUG
from tests.workspace.conftest import LiveServer
from tests.workspace.people import make_tokens

pytestmark = pytest.mark.browser

NEW_SLUG = "hair-loss-in-women"
REASON = "you wrote part of this draft: a second person must review it"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, imported_db: Path) -> Iterator[LiveServer]:
    from bench.servers import free_port
    from tests.test_server import served

    folder = tmp_path_factory.mktemp("new-article")
    db_path = folder / "vetted.db"
    shutil.copyfile(imported_db, db_path)
    tokens = make_tokens(db_path)
    port = free_port()
    with served(folder, db_path, port):
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, tokens)


@pytest.fixture()
def person(browser: Any, server: LiveServer) -> Iterator[Any]:
    from tests.workspace.browser import signed_in

    with signed_in(browser, server.url, server.tokens) as open_as:
        yield open_as


def test_an_article_is_created_reviewed_and_read(person: Any, server: LiveServer) -> None:
    root = person("admin")
    page = root.page
    root.goto("/workspace/drafts")
    page.get_by_role("link", name="New article").click()
    page.wait_for_url("**/workspace/drafts/new")
    root.check("new-article")
    page.get_by_label("Slug", exact=False).fill(SLUG)
    page.get_by_label("Title", exact=True).fill("Hair loss in women")
    first = page.locator("#section-0")
    first.get_by_label("Heading", exact=True).fill("What it is")
    first.get_by_label("Text", exact=False).fill(
        "Hair thins over the whole scalp.\n\nIt starts at the parting."
    )
    page.get_by_label("Why this article").fill("A new article on hair loss in women")
    page.get_by_role("button", name="Start the draft").click()
    # The slug is taken: said at the field, and what was typed is kept.
    error = page.locator("#e-slug")
    assert f"the slug {SLUG!r} is taken" in error.inner_text()
    assert page.locator("#f-slug").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Title", exact=True).input_value() == "Hair loss in women"
    root.check("new-article-error")
    page.get_by_label("Slug", exact=False).fill(NEW_SLUG)
    page.get_by_role("button", name="Start the draft").click()
    page.wait_for_url("**/workspace/drafts/1")
    assert page.get_by_text("Draft 1 started.").is_visible()
    page.get_by_role("button", name="Send to review").click()

    # Its author alone cannot publish it: the button is disabled with the one reason,
    # and a forced post is refused by the server.
    root.goto("/workspace/drafts/1/review")
    assert page.get_by_role("button", name="Approve and publish").is_disabled()
    assert page.locator("#publish-why").inner_text() == REASON
    token = page.locator("input[name=_csrf_token]").first.get_attribute("value")
    forced = page.request.post(
        f"{server.url}/workspace/drafts/1/publish",
        form={"_csrf_token": token or "", "etag": '"draft-1-r1-v0-t1"'},
        headers={"Origin": server.url},
    )
    assert forced.status == 403 and REASON in forced.text()
    assert httpx.get(f"{server.url}/v1/articles/{NEW_SLUG}").status_code == 404

    ben = person("reviewer")
    ben.goto("/workspace/drafts/1/review")
    ben.check("new-article-review")
    ben.page.get_by_label("I read every change above and checked its sources").check()
    ben.page.get_by_role("button", name="Approve and publish").click()
    assert ben.page.get_by_text("Published: version 1").is_visible()

    # A reader gets it; the workspace's list finds it by a word of its title.
    read = httpx.get(f"{server.url}/v1/articles/{NEW_SLUG}")
    assert read.status_code == 200 and read.json()["title"]["text"] == "Hair loss in women"
    ben.goto("/workspace/articles?q=women")
    assert ben.page.locator("#article-list a").first.inner_text() == "Hair loss in women"
    ben.check("articles-search")
