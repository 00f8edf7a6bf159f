"""The smaller things of the workspace walk (finding 10) in a real browser against the real
server: the review queue says when each draft was sent, which sections it touches and
which safety-bearing blocks; the review's impact line says what readers get (the whole
section, for a safety-bearing block) and the API then serves exactly that; publishing asks
for a checklist, ticked with the keyboard alone; an upload's result page is reached by a
redirect, so a refresh does not upload again; and a Spanish fix of a block that leaves an
evidence quote's translation behind gets the quote served in English, not a quote the
Spanish text no longer holds. Each page is checked with axe-core, for other origins and
for CSP violations, and photographed."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po, write_po
from msgspec.structs import replace

from api.actions.catalogs import approve_catalog
from api.core.model import Paragraph
from api.core.workflow import article_etag
from api.store.audit import list_audit
from api.store.catalogs import pending_review
from api.store.drafts import create_draft, submit_draft
from api.store.schema import open_database
from api.store.versions import latest_version, load_article, treatments_number
from tests.conftest import SLUG
from tests.workspace.conftest import LiveServer, Seeded
from tests.workspace.seed import person as principal_of

pytestmark = pytest.mark.browser

CHECKLIST = "I read every change above and checked its sources"
# A draft in review rewords a safety-bearing paragraph whose Spanish translation readers get
# today (the seeded database's drafts 1 and 2 come first: see tests.workspace.seed).
DRAFT = 3
SECTION = "safety-and-efficacy"
SAFETY_BLOCK = f"{SECTION}/p2"
WORDS = ("Allergic reactions are uncommon", "Allergic reactions are rare")
# A claim whose Spanish quote stands in the Spanish text of its block today.
QUOTED_BLOCK = f"{SLUG}/alternatives/prp/p1"
SPANISH_QUOTE = "inyectar el plasma en el cuero cabelludo"
SPANISH_FIX = "inyectar ese plasma en el cuero cabelludo"


def _submit_safety_change(db_path: Path) -> None:
    """Ana's draft rewording a safety-bearing paragraph, sent to review."""
    db = open_database(db_path)
    try:
        head = latest_version(db, SLUG)
        assert head is not None
        article = load_article(db, SLUG, head.number)
        sections = []
        for section in article.sections:
            if section.id == SECTION:
                blocks = tuple(
                    replace(b, text=b.text.replace(*WORDS))
                    if isinstance(b, Paragraph) and b.id == "p2"
                    else b
                    for b in section.blocks
                )
                assert blocks != section.blocks
                section = replace(section, blocks=blocks)
            sections.append(section)
        ana = principal_of("editor")
        etag = article_etag(SLUG, head.number, treatments_number(db))
        changed = replace(article, sections=tuple(sections))
        draft = create_draft(db, ana, changed, "Rare, not uncommon", etag)
        assert draft.id == DRAFT
        submit_draft(db, ana, draft.id, draft.etag)
    finally:
        db.conn.close()


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, seeded_template: Seeded
) -> Iterator[LiveServer]:
    """`vetted serve` over this module's own copy of the seeded database (it publishes)."""
    from bench.servers import free_port
    from tests.test_server import served as serve

    folder = tmp_path_factory.mktemp("walk")
    db_path = folder / "vetted.db"
    shutil.copyfile(seeded_template.path, db_path)
    _submit_safety_change(db_path)
    port = free_port()
    with serve(folder, db_path, port):
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, dict(seeded_template.tokens))


@pytest.fixture()
def person(browser: Any, served: LiveServer) -> Iterator[Any]:
    """Open a signed-in browser context for one person: `person("reviewer")`."""
    from tests.workspace.browser import signed_in

    with signed_in(browser, served.url, served.tokens) as open_as:
        yield open_as


def _section(base: str, section: str, locale: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/v1/articles/{SLUG}/sections/{section}", params={"locale": locale})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_queue_the_impact_line_and_the_checklist_say_what_publishing_does(
    person: Any, served: LiveServer
) -> None:
    ben = person("reviewer")
    page = ben.page
    page.get_by_role("link", name="Review", exact=True).first.click()
    page.wait_for_url("**/workspace/review")
    queued = page.locator(f"#queue-{DRAFT}")
    facts = queued.locator("dl.facts")
    assert "Sent to review" in facts.inner_text()
    assert queued.locator("time").get_attribute("datetime")
    assert SECTION in facts.locator("dd").nth(1).inner_text()
    safety = facts.locator("dd").nth(2)
    assert "1 touched" in safety.inner_text() and SAFETY_BLOCK in safety.inner_text()
    ben.check("walk-queue")

    queued.get_by_role("link").first.click()
    page.wait_for_url(f"**/drafts/{DRAFT}/review")
    # The impact line for a safety-bearing block: the whole section, in English.
    line = page.locator("#impact-es li").filter(has_text=f"{SLUG}/{SAFETY_BLOCK}")
    said = line.locator(".meta").inner_text()
    assert said.startswith(f"Readers get the whole section {SECTION} in English"), said
    # The checklist: what changes, who reviews for whom, what readers get.
    checklist = page.locator("#checklist")
    assert SAFETY_BLOCK in checklist.inner_text()
    assert "you, ben, for the work of ana" in checklist.inner_text()
    assert f"whole sections: {SECTION}" in checklist.locator("li", has_text="(es)").inner_text()
    ben.check("walk-checklist")

    # Posted without the box ticked, the server refuses and says why.
    token = page.locator("input[name=_csrf_token]").first.get_attribute("value") or ""
    etag = page.locator("input[name=etag]").first.get_attribute("value") or ""
    forced = page.request.post(
        f"{served.url}/workspace/drafts/{DRAFT}/publish",
        form={"_csrf_token": token, "etag": etag},
        headers={"Origin": served.url},
    )
    assert forced.status == 422 and "Tick the checklist" in forced.text()
    head = latest_version(open_database(served.db_path), SLUG)
    assert head is not None and head.number == 2

    # Keyboard only: Enter on the button without the box keeps the page (the box is
    # required); Shift+Tab to the box, Space ticks it, Tab and Enter publish.
    button = page.get_by_role("button", name="Approve and publish")
    button.focus()
    page.keyboard.press("Enter")
    box = page.get_by_label(CHECKLIST)
    assert box.evaluate("e => !e.validity.valid")
    assert page.url.endswith(f"/drafts/{DRAFT}/review")
    button.focus()
    page.keyboard.press("Shift+Tab")
    assert box.evaluate("e => e === document.activeElement")
    page.keyboard.press("Space")
    assert box.is_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Published: version 3").wait_for()

    # What the line said is what Spanish readers get: the whole section in English.
    section = _section(served.url, SECTION, "es")["section"]
    assert section["fallback_reason"] == "safety-text-untranslated"
    assert {block["locale"] for block in section["blocks"]} == {"en"}


def _po_with(visit: Any, context: str, old: str, new: str) -> bytes:
    """The article's Spanish catalog as the translator downloads it, one translation fixed."""
    response = visit.page.request.get(
        f"{visit.base_url}/workspace/catalogs/es/download?article={SLUG}"
    )
    assert response.status == 200, response.text()
    po = read_po(io.BytesIO(response.body()))
    for message in po:
        if message.context == context:
            assert old in str(message.string)
            message.string = str(message.string).replace(old, new)
    out = io.BytesIO()
    write_po(out, po, width=0)
    return out.getvalue()


def _quote(base: str, locale: str) -> dict[str, Any]:
    record = httpx.get(f"{base}/v1/treatments/prp", params={"locale": locale}).json()
    (quote,) = [e["quote"] for e in record["evidence"] if e["claim"] == "forms/injection"]
    return dict(quote)


def test_an_upload_redirects_and_a_translated_quote_stays_word_for_word(
    person: Any, served: LiveServer, tmp_path: Path
) -> None:
    quote = _quote(served.url, "es")
    assert (quote["text"], quote["locale"]) == (SPANISH_QUOTE, "es")

    lucia = person("translator")
    upload = tmp_path / "es.po"
    upload.write_bytes(_po_with(lucia, QUOTED_BLOCK, SPANISH_QUOTE, SPANISH_FIX))
    page = lucia.page
    lucia.goto("/workspace/catalogs/es")
    page.get_by_label("Catalog", exact=True).last.select_option(SLUG)
    page.get_by_label("Translated .po file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload for review").click()
    # Post/Redirect/Get: the result is on the locale's page, reached by a GET.
    page.wait_for_url(f"**/workspace/catalogs/es?article={SLUG}")
    assert page.locator("#upload-done").is_visible()
    lucia.check("walk-upload-done")
    db = open_database(served.db_path)
    uploads = len(list_audit(db, limit=50, action="catalog.upload").entries)
    page.reload()
    assert page.url.endswith(f"/workspace/catalogs/es?article={SLUG}")
    assert page.locator("#upload-done").count() == 0, "the result is said once"
    assert len(list_audit(db, limit=50, action="catalog.upload").entries) == uploads

    # Marta approves the fix: the block's Spanish no longer holds the quote's Spanish, so
    # readers get the quote in the article's own words, marked as a fallback.
    marta = principal_of("es-reviewer")
    etag = pending_review(db, "es", SLUG).etag
    approve_catalog(db, marta, "es", etag, article=SLUG)
    quote = _quote(served.url, "es")
    english = _quote(served.url, "en")
    assert (quote["text"], quote["locale"], quote["fallback"]) == (english["text"], "en", True)
    # The fixed Spanish block itself reaches Spanish readers.
    article = httpx.get(f"{served.url}/v1/articles/{SLUG}", params={"locale": "es"})
    assert SPANISH_FIX in article.text and SPANISH_QUOTE not in article.text
