"""The editing pages in a real browser beyond the correction: a refused save with its error
next to the field, keyboard-only editing, the conflict page, the lists, and what the rule
forbids shown disabled in the browser and refused by the server when forced. Every page is
checked with axe-core, for other origins and CSP violations, and photographed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from api.store.schema import open_database
from api.store.versions import load_article
from tests.conftest import SLUG
from tests.editing import publish_change
from tests.workspace.conftest import LiveServer
from tests.workspace.people import make_tokens

pytestmark = pytest.mark.browser

INTRO = f"/workspace/articles/{SLUG}/edit/introduction"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, imported_db: Path) -> Iterator[LiveServer]:
    from bench.servers import free_port
    from tests.test_server import served

    folder = tmp_path_factory.mktemp("editing")
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


def test_editing_by_keyboard_errors_conflicts_and_refusals(person: Any, server: LiveServer) -> None:
    ana = person("editor")
    page = ana.page
    ana.goto("/workspace/drafts")
    ana.check("drafts")
    ana.goto(f"/workspace/articles/{SLUG}/edit")
    ana.check("article-edit")
    ana.page.get_by_role("link", name="Edit record Minoxidil").click()
    assert ana.page.locator("#row-kind-0").get_by_label("Quote, word for word").input_value()
    ana.check("record-edit")

    # Keyboard only: focus the first paragraph, type, tab to the message, Enter saves.
    ana.goto(INTRO)
    first = page.locator("#f-block-0-text")
    first.focus()
    page.keyboard.press("End")
    page.keyboard.type(" <b>bold</b>")
    page.locator("#f-message").focus()
    page.keyboard.type("Reword the introduction")
    page.keyboard.press("Enter")
    error = page.locator("#e-block-0-text")
    assert "markup" in error.inner_text()
    assert first.get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").is_visible()
    ana.check("section-editor-error")
    outline = page.evaluate(
        "() => { const b = document.querySelector('button[value=save]'); b.focus();"
        " return getComputedStyle(b).outlineStyle; }"
    )
    assert outline != "none"

    # Fixed, saved: a draft from version 1.
    first.fill("Mine: the first paragraph.")
    page.locator("#f-block-1-text").fill("Mine: the second paragraph.")
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url("**/workspace/drafts/1")

    # Someone else's change to the same paragraphs is published meanwhile.
    db = open_database(server.db_path)
    head = load_article(db, SLUG, 1)
    intro = head.sections[0]
    blocks = tuple(
        msgspec.structs.replace(b, text=f"Theirs: paragraph {n + 1}.")  # type: ignore[type-var]
        if n < 2
        else b
        for n, b in enumerate(intro.blocks)
    )
    publish_change(
        db,
        msgspec.structs.replace(
            head, sections=(msgspec.structs.replace(intro, blocks=blocks), *head.sections[1:])
        ),
    )
    db.conn.close()

    ana.goto("/workspace/drafts/1")
    page.get_by_role("link", name="Resolve conflicts").click()
    assert page.locator("fieldset.conflict").count() == 2
    ana.check("resolve")
    page.locator("fieldset.conflict").nth(0).get_by_label("Keep your change").check()
    page.locator("fieldset.conflict").nth(1).get_by_label("Take version 2").check()
    page.get_by_role("button", name="Save the resolution").click()
    assert page.get_by_text("Conflicts resolved: revision 2 is based on version 2.").is_visible()
    page.get_by_role("button", name="Send to review").click()

    # A translator sees no editing and no review; forcing a publish is refused.
    lucia = person("translator")
    lucia.goto("/workspace/catalogs")
    lucia.check("catalogs")
    refused = lucia.page.goto(f"{server.url}/workspace/drafts/1/review")
    assert refused is not None and refused.status == 403
    assert "may not draft.read" in lucia.page.locator("main").inner_text()
    lucia.check("refused")

    # The Spanish reviewer reviews Spanish, not source text: disabled, with the reason.
    marta = person("es-reviewer")
    marta.goto("/workspace/review")
    marta.check("review-queue")

    # Ben may publish; Ana may not, and her forced form is refused by the server.
    ana.goto("/workspace/drafts/1/review")
    assert ana.page.get_by_role("button", name="Approve and publish").is_disabled()
    token = ana.page.locator("input[name=_csrf_token]").first.get_attribute("value")
    forced = ana.page.request.post(
        f"{server.url}/workspace/drafts/1/publish",
        form={"_csrf_token": token or "", "etag": '"draft-1-r2-v2-t1"'},
        headers={"Origin": server.url},
    )
    assert forced.status == 403
    ben = person("reviewer")
    ben.goto("/workspace/drafts/1/review")
    ben.page.get_by_label("I read every change above and checked its sources").check()
    ben.page.get_by_role("button", name="Approve and publish").click()
    assert ben.page.get_by_text("Published: version 3").is_visible()
