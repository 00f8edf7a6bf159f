"""A rollback of a published correction in a real browser against the real server (issue
25 point 4, workspace walk finding 4): an editor opens the article's history, reads what a
rollback to version 1 would undo (the correction, marked as touching a treatment record)
and the diff against the head, is refused without a reason, gives one and requests it; a
reviewer finds it in the queue, sees the same, and publishes it. Readers then get version
1's article and records again. Driven by clicks and typing only; each page is checked
with axe-core, for other origins and for CSP violations, and photographed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from msgspec.structs import replace

from api.core.access import Principal
from api.core.model import Paragraph, Statement
from api.core.workflow import article_etag
from api.store.drafts import create_draft, publish_draft, submit_draft
from api.store.schema import open_database
from api.store.versions import latest_version, load_article, load_treatments, treatments_number
from tests.conftest import SLUG
from tests.workspace.conftest import LiveServer
from tests.workspace.people import make_tokens

pytestmark = pytest.mark.browser

OLD = "a revolutionary approach"
NEW = "an experimental approach"
TYPICALLY = (
    "typically include individuals with androgenetic alopecia (male or female pattern hair "
    "loss) or early-stage hair thinning and those who have not responded to traditional "
    "treatments"
)
CORRECTION = "Candidacy is typical, not definite; the therapy is experimental"


def _publish_correction(db_path: Path) -> None:
    """Version 2, a correction of text and record: drafted by ana, published by ben."""
    db = open_database(db_path)
    try:
        article = load_article(db, SLUG, 1)
        intro = article.sections[0]
        blocks = tuple(
            replace(b, text=b.text.replace(OLD, NEW))
            if isinstance(b, Paragraph) and b.id == "p1"
            else b
            for b in intro.blocks
        )
        article = replace(article, sections=(replace(intro, blocks=blocks), *article.sections[1:]))
        records = load_treatments(db)
        records = replace(
            records,
            treatments=tuple(
                replace(t, suitable_for=Statement(text=TYPICALLY, source="candidates/p1"))
                if t.id == "stem-cell-therapy"
                else t
                for t in records.treatments
            ),
        )
        head = latest_version(db, SLUG)
        assert head is not None
        ana = Principal(name="ana", role="editor")
        draft = create_draft(
            db,
            ana,
            article,
            CORRECTION,
            article_etag(SLUG, head.number, treatments_number(db)),
            treatments=records,
        )
        draft = submit_draft(db, ana, draft.id, draft.etag)
        publish_draft(db, Principal(name="ben", role="reviewer"), draft.id, draft.etag)
    finally:
        db.conn.close()


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory, imported_db: Path) -> Iterator[LiveServer]:
    """`vetted serve` over a copy of the real database with the correction as version 2."""
    from bench.servers import free_port
    from tests.test_server import served

    folder = tmp_path_factory.mktemp("rollback")
    db_path = folder / "vetted.db"
    shutil.copyfile(imported_db, db_path)
    tokens = make_tokens(db_path)
    _publish_correction(db_path)
    port = free_port()
    with served(folder, db_path, port):
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, tokens)


@pytest.fixture()
def person(browser: Any, corrected: LiveServer) -> Iterator[Any]:
    """Open a signed-in browser context for one person: `person("editor")`."""
    from tests.workspace.browser import signed_in

    with signed_in(browser, corrected.url, corrected.tokens) as open_as:
        yield open_as


def _suitable_for(base: str) -> str:
    record = httpx.get(f"{base}/v1/treatments/stem-cell-therapy").json()
    return str(msgspec.convert(record["suitable_for"], dict)["text"])


def test_a_rollback_of_a_correction_requested_by_one_person_published_by_another(
    person: Any, corrected: LiveServer
) -> None:
    assert _suitable_for(corrected.url) == TYPICALLY

    # Ana, an editor, opens the history and asks for version 1 back.
    ana = person("editor")
    page = ana.page
    page.get_by_role("link", name="Articles").click()
    page.get_by_role("link", name="History").click()
    page.get_by_role("link", name="Roll back to version 1…").click()
    page.wait_for_url("**/rollback?to=1")
    # Before the button: the correction it would undo, who wrote and reviewed it, marked
    # as touching a treatment record, and the word diff against what readers get now.
    undone = page.locator("#reverts-2")
    assert CORRECTION in undone.inner_text()
    assert "Written by ana, reviewed by ben" in undone.inner_text()
    assert undone.get_by_text("undoes safety text or a treatment record").is_visible()
    assert "stem-cell-therapy › treatment" in undone.inner_text()
    changes = page.locator("#rollback-changes ~ ol .change")
    text = changes.filter(has_text="introduction › p1")
    assert "experimental" in text.locator("del").inner_text()
    assert "revolutionary" in text.locator("ins").inner_text()
    assert changes.filter(has_text="stem-cell-therapy › treatment").count() == 1
    ana.check("rollback-confirm")
    # Without a reason the browser keeps the form (the field is required) and asks.
    page.get_by_role("button", name="Request the rollback").click()
    assert page.get_by_label("Why roll back (the reviewer reads this)").evaluate(
        "e => !e.validity.valid"
    )
    page.get_by_label("Why roll back (the reviewer reads this)").fill(
        "The candidacy wording was changed without a source; restore the reviewed text"
    )
    page.get_by_role("button", name="Request the rollback").click()
    page.wait_for_url("**/drafts/*/review")
    assert page.get_by_role("status").filter(has_text="Rollback to version 1 requested").count()
    # Her own request: the approve button is there, disabled, with the rule's reason.
    assert page.get_by_role("button", name="Approve and publish").is_disabled()
    assert "only a reviewer may publish" in page.locator("#publish-why").inner_text()
    ana.check("rollback-requested")
    assert _suitable_for(corrected.url) == TYPICALLY, "nothing reached readers yet"

    # Ben, a reviewer, finds it in his queue, sees what it undoes, and publishes it.
    ben = person("reviewer")
    page = ben.page
    page.locator("section[aria-labelledby=queue]").get_by_role("link", name="Review").click()
    page.wait_for_url("**/drafts/*/review")
    assert (
        "Roll back to version 1: The candidacy wording"
        in page.locator(".message").first.inner_text()
    )
    assert CORRECTION in page.locator("#reverts-2").inner_text()
    marked = page.locator("#reverts-2").get_by_text("undoes safety text or a treatment record")
    assert marked.is_visible()
    ben.check("rollback-review")
    page.get_by_label("I read every change above and checked its sources").check()
    page.get_by_role("button", name="Approve and publish").click()
    assert page.get_by_text("Published: version 3").is_visible()
    ben.check("rollback-published")

    # Readers get version 1's text and record again.
    article = httpx.get(f"{corrected.url}/v1/articles/{SLUG}", params={"locale": "en"}).json()
    assert article["version"] == 3
    intro = next(s for s in article["sections"] if s["id"] == "introduction")
    assert OLD in next(b for b in intro["blocks"] if b["id"] == "p1")["text"]
    assert _suitable_for(corrected.url) != TYPICALLY


def test_the_rollback_page_fits_360_pixels(person: Any, corrected: LiveServer) -> None:
    ana = person("editor", width=360)
    page = ana.page
    page.get_by_role("link", name="Articles").click()
    page.get_by_role("link", name="History").click()
    page.get_by_role("link", name="Roll back to version 1…").click()
    assert page.get_by_role("button", name="Request the rollback").is_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, width
    ana.check("rollback-confirm-360")
