"""Finding and acting where you read, in a real browser against the real server (issue 25
point 6, workspace walk findings 6, 7, 8 and 10): search finds a claim in article text
and treatment records in every locale and leads to its editor; the article view has an
Edit action; opening a section another person has a draft of says so; a conflict is
resolved by writing a text that combines both edits; the queue and the history show the
draft's message; a rejection's reason is on the author's dashboard; a language with only
an uploaded catalog is in translation health. Driven by clicks and typing only; each page
is checked with axe-core, for other origins and CSP violations, and photographed."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po

from api.core.access import Principal
from api.core.catalog import parse_catalog
from api.core.messages import known_contexts
from api.sources import catalog_path
from api.store.accounts import create_token
from api.store.catalogs import stage_catalog
from api.store.drafts import get_draft
from api.store.schema import open_database
from api.store.versions import load_article, load_treatments
from tests.conftest import LOCALES, SLUG
from tests.workspace.conftest import LiveServer
from tests.workspace.people import make_tokens

pytestmark = pytest.mark.browser

BENEFITS = "Benefits of Stem Cell Therapy for Alopecia"
OLD = "Stem cell therapy for hair loss is an emerging concept that shows great promise."
EDDIE = "Stem cell therapy for hair loss is an emerging concept that may show promise."
ANA = "Stem cell therapy for hair loss is an experimental concept that shows great promise."
BOTH = "Stem cell therapy for hair loss is an experimental concept that may show promise."
SUMMARY = "Benefits: say the therapy may show promise, not that it does"
REASON = "Cite the source that calls it experimental before we publish this."


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory, imported_db: Path) -> Iterator[LiveServer]:
    """`vetted serve` over a copy of the real database with no work waiting, and a second
    editor, eddie."""
    from bench.servers import free_port
    from tests.test_server import served

    folder = tmp_path_factory.mktemp("find")
    db_path = folder / "vetted.db"
    shutil.copyfile(imported_db, db_path)
    tokens = make_tokens(db_path)
    db = open_database(db_path)
    try:
        tokens["eddie"] = create_token(db, name="eddie", role="editor")[1]
    finally:
        db.conn.close()
    port = free_port()
    with served(folder, db_path, port):
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, tokens)


@pytest.fixture()
def person(browser: Any, fresh: LiveServer) -> Iterator[Any]:
    """Open a signed-in browser context for one person: `person("editor")`."""
    from tests.workspace.browser import signed_in

    with signed_in(browser, fresh.url, fresh.tokens) as open_as:
        yield open_as


def _edit_benefits(visit: Any, text: str, message: str) -> None:
    """From the article view: Edit on the Benefits section, type, save."""
    page = visit.page
    page.get_by_role("link", name="Articles", exact=True).click()
    page.get_by_role("link", name="Stem cell therapy for hair loss").click()
    page.get_by_role("link", name=f"Edit {BENEFITS}").click()
    page.wait_for_url("**/edit/benefits?**")
    page.locator("#block-0").get_by_label("Text").fill(text)
    page.get_by_label("What you changed and why").fill(message)
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url("**/workspace/drafts/*")


def test_search_finds_the_claim_in_text_and_records_in_every_locale(person: Any) -> None:
    ana = person("editor")
    page = ana.page
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Words to find in article text and treatment records").fill("FDA")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/workspace/search?q=FDA")
    texts = page.locator("#found-texts ~ ol > li")
    records = page.locator("#found-records ~ ol > li")
    assert texts.count() > 1 and records.count() > 1
    # English and Spanish article text, each match marked.
    assert texts.filter(has=page.locator('p[lang="en"] mark')).count() >= 1
    assert texts.filter(has=page.locator('p[lang="es"] mark')).count() >= 1
    assert records.filter(has_text="minoxidil").count() >= 1
    assert "fda" in records.first.locator("mark").first.inner_text().casefold()
    ana.check("find-search")
    # A record hit leads to the record's editor, a text hit to the section's.
    page.get_by_role("link", name="Edit record minoxidil (en)").click()
    page.wait_for_url("**/records/minoxidil?**")
    page.go_back()
    texts.first.get_by_role("link", name="Edit").click()
    page.wait_for_url("**/edit/**")
    assert page.get_by_role("heading", name="Edit section:").count() == 1


def test_edit_other_drafts_combine_messages_and_reasons(person: Any, fresh: LiveServer) -> None:
    # Eddie edits the Benefits section from the article view and sends it with a summary.
    eddie = person("eddie")
    _edit_benefits(eddie, EDDIE, "Soften the promise")
    eddie.page.get_by_label("What this draft does").fill(SUMMARY)
    eddie.page.get_by_role("button", name="Send to review").click()
    eddie.page.get_by_text("Sent to review.").wait_for()

    # Ana opens the same section: she is told eddie has a draft of it, before typing.
    ana = person("editor")
    page = ana.page
    page.get_by_role("link", name="Articles", exact=True).click()
    page.get_by_role("link", name="Stem cell therapy for hair loss").click()
    page.get_by_role("link", name=f"Edit {BENEFITS}").click()
    others = page.locator("#others")
    assert others.get_by_role("heading", name="Someone else has a draft of this section").count()
    assert "eddie: draft 1 (in_review)" in others.inner_text()
    ana.check("find-someone-else-has-a-draft")
    page.locator("#block-0").get_by_label("Text").fill(ANA)
    page.get_by_label("What you changed and why").fill("Say experimental")
    page.get_by_role("button", name="Save").first.click()
    page.get_by_text("Draft 2 started.").wait_for()

    # Ben sees eddie's message in the queue, publishes, and the history shows it.
    ben = person("reviewer")
    queued = ben.page.locator("#queue ~ ul > li").filter(has_text="Draft 1 of")
    assert SUMMARY in queued.inner_text()
    ben.check("find-queue-message")
    queued.get_by_role("link", name="Review").click()
    ben.page.get_by_label("I read every change above and checked its sources").check()
    ben.page.get_by_role("button", name="Approve and publish").click()
    ben.page.get_by_text("Published: version 2").wait_for()
    ben.page.get_by_role("link", name="Articles", exact=True).click()
    ben.page.get_by_role("link", name="History").click()
    latest = ben.page.locator("#versions ~ div table tbody tr").first
    assert SUMMARY in latest.inner_text()
    ben.check("find-history-message")

    # Ana resolves her conflict with a text combining both edits.
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name=f"Draft 2 of {SLUG}").click()
    page.get_by_role("link", name="Resolve conflicts").click()
    conflict = page.locator("fieldset.conflict").filter(has_text="benefits › p1")
    conflict.get_by_label("Combine both: use the text below").check()
    combined = conflict.get_by_label("Combined text of benefits › p1")
    assert combined.input_value() == EDDIE  # it starts from what was published
    combined.fill(BOTH)
    ana.check("find-resolve-combined")
    page.get_by_role("button", name="Save the resolution").click()
    page.get_by_text("Conflicts resolved").wait_for()
    db = open_database(fresh.db_path)
    try:
        _, article = get_draft(db, 2)
        benefits = next(s for s in article.sections if s.id == "benefits")
        assert benefits.blocks[0].text == BOTH  # type: ignore[union-attr]
    finally:
        db.conn.close()
    page.get_by_role("button", name="Send to review").click()
    page.get_by_text("Sent to review.").wait_for()

    # Ben sends it back with a reason; ana reads it on her dashboard.
    ben.page.get_by_role("link", name="Dashboard").click()
    ben.page.locator("#queue ~ ul > li").filter(has_text="Draft 2 of").get_by_role(
        "link", name="Review"
    ).click()
    ben.page.get_by_label("Comment for the author").fill(REASON)
    ben.page.get_by_role("button", name="Reject with this comment").click()
    ben.page.get_by_text("Sent back to its author with your comment.").wait_for()
    page.get_by_role("link", name="Dashboard").click()
    mine = page.locator("#my-drafts ~ ul > li").filter(has_text="Draft 2 of")
    assert f"Sent back by ben: {REASON}" in mine.inner_text()
    ana.check("find-dashboard-rejection-reason")


def test_a_new_language_is_in_translation_health_from_its_first_upload(
    person: Any, fresh: LiveServer
) -> None:
    db = open_database(fresh.db_path)
    try:  # greta uploads German, a language readers do not get yet
        po = read_po(catalog_path(LOCALES, "es", SLUG).open("rb"), locale="es")
        out = io.BytesIO()
        po.locale = "de"  # type: ignore[assignment]
        write_po(out, po, width=0)
        head = load_article(db, SLUG, 1)
        contexts = known_contexts([head], load_treatments(db))
        greta = Principal(name="greta", role="translator", locales=("de",))
        parsed = parse_catalog(out.getvalue(), "de.po", "de", contexts, domain=SLUG)
        stage_catalog(db, greta, parsed)
    finally:
        db.conn.close()
    ben = person("reviewer")
    row = ben.page.locator("#health ~ table tbody tr").filter(has_text="de")
    assert row.count() == 1
    assert "new: readers get none of it until a reviewer approves it" in row.inner_text()
    ben.check("find-translation-health-new-locale")
