"""Catalog review a medical translator can trust (workspace walk finding 5), in a real
browser against the real server, by clicks and typing only: the pending entries are paged
and filtered (safety-bearing, new, changed, translation kept); safety-bearing entries are
marked; one entry is rejected with a reason its translator then reads; "Approve all"
approves exactly what its label says; a translator translates one entry in the browser,
checked as an upload is (markup, placeholders); whoever typed an entry cannot approve it.
Each page is checked with axe-core and photographed (`catalog-entries-*`)."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po, write_po
from msgspec.structs import replace

from api.core.catalog import parse_catalog
from api.core.messages import known_contexts
from api.core.model import Callout, Paragraph
from api.core.workflow import article_etag
from api.store.catalogs import stage_catalog
from api.store.drafts import create_draft, publish_draft, submit_draft
from api.store.exporting import export_catalog, published_content
from api.store.schema import open_database
from api.store.versions import load_article, treatments_number
from tests.conftest import SLUG
from tests.workspace.conftest import LiveServer
from tests.workspace.people import make_tokens
from tests.workspace.seed import person as principal_of

pytestmark = pytest.mark.browser

SAFETY = f"{SLUG}/safety-and-efficacy/p1"
SAFETY_EDIT = ("Minor redness or swelling", "Mild redness or swelling")
SAFETY_ES = "Los tratamientos con células madre se consideran"
SAFETY_NEW_ES = "Puede aparecer un enrojecimiento o una hinchazón leves (revisado)"
KEPT = f"{SLUG}/benefits/p1"
KEPT_EDIT = ("shows great promise", "shows promise")
# Non-safety paragraphs the upload revises, so the review runs to two pages.
REVISED = 30
REVISED_MARK = " (rev.)"
PLAN = "{range} per plan"


def _publish_corrections(db: Any) -> None:
    """Version 2: one safety-bearing and one plain paragraph reworded (reviewed)."""
    article = load_article(db, SLUG, 1)
    edits = {SAFETY: SAFETY_EDIT, KEPT: KEPT_EDIT}

    def edited(section: Any) -> Any:
        blocks = []
        for block in section.blocks:
            change = edits.get(f"{SLUG}/{section.id}/{block.id}")
            if change and isinstance(block, Paragraph | Callout):
                assert change[0] in block.text
                block = replace(block, text=block.text.replace(*change))
            blocks.append(block)
        return replace(section, blocks=tuple(blocks), sections=tuple(map(edited, section.sections)))

    changed = replace(article, sections=tuple(edited(s) for s in article.sections))
    editor, reviewer = principal_of("editor"), principal_of("reviewer")
    draft = create_draft(
        db, editor, changed, "Plainer risk words", article_etag(SLUG, 1, treatments_number(db))
    )
    draft = submit_draft(db, editor, draft.id, draft.etag)
    publish_draft(db, reviewer, draft.id, draft.etag)


def _stage_upload(db: Any) -> None:
    """What Lucia uploaded: the safety paragraph translated anew, the other reworded one's
    old translation kept (its fuzzy flag cleared), and 30 paragraphs revised."""
    content = published_content(db)
    po = read_po(io.BytesIO(export_catalog(db, "es", content)))
    revised = 0
    for message in po:
        if message.context in (SAFETY, KEPT) and not any(
            new in str(message.id) for _, new in (SAFETY_EDIT, KEPT_EDIT)
        ):
            continue  # version 1's text, translated: exports keep it beside the new one
        if message.context == SAFETY:
            assert message.fuzzy and message.string.startswith(SAFETY_ES)
            message.string = message.string.replace(
                "Puede aparecer un enrojecimiento o una hinchazón leves", SAFETY_NEW_ES
            )
            message.flags.discard("fuzzy")
        elif message.context == KEPT:
            assert message.fuzzy
            message.flags.discard("fuzzy")
        elif (
            revised < REVISED
            and str(message.context).startswith(f"{SLUG}/")
            and re.search(r"/p\d+$", str(message.context))
            and message.string
            and not message.fuzzy
            and "safety" not in " ".join(message.auto_comments)
        ):
            message.string = str(message.string) + REVISED_MARK
            revised += 1
    assert revised == REVISED
    out = io.BytesIO()
    write_po(out, po, width=0)
    contexts = known_contexts(list(content.articles), content.treatments)
    stage_catalog(
        db, principal_of("translator"), parse_catalog(out.getvalue(), "es.po", "es", contexts)
    )


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory, imported_db: Path) -> Iterator[LiveServer]:
    """`vetted serve` over the real content with two paragraphs corrected in version 2 and
    a Spanish upload of 32 changed entries awaiting review."""
    from bench.servers import free_port
    from tests.test_server import served

    folder = tmp_path_factory.mktemp("catalog-entries")
    db_path = folder / "vetted.db"
    shutil.copyfile(imported_db, db_path)
    tokens = make_tokens(db_path)
    db = open_database(db_path)
    try:
        _publish_corrections(db)
        _stage_upload(db)
    finally:
        db.conn.close()
    port = free_port()
    with served(folder, db_path, port):
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, tokens)


@pytest.fixture()
def person(browser: Any, fresh: LiveServer) -> Iterator[Any]:
    """Open a signed-in browser context for one person: `person("translator")`."""
    from tests.workspace.browser import signed_in

    with signed_in(browser, fresh.url, fresh.tokens) as open_as:
        yield open_as


def _es(base: str, context: str) -> dict[str, Any]:
    """The block readers of Spanish get for a paragraph's msgctxt."""
    _, section_id, block_id = context.split("/")
    article = httpx.get(f"{base}/v1/articles/{SLUG}", params={"locale": "es"}).json()
    for section in article["sections"]:
        for found in [section, *section.get("sections", [])]:
            if found["id"] == section_id:
                return dict(next(b for b in found["blocks"] if b["id"] == block_id))
    raise AssertionError(context)


def _view(page: Any, name: str) -> None:
    page.get_by_role("navigation", name="Show entries").get_by_role(
        "link", name=re.compile(f"^{re.escape(name)} \\(")
    ).click()


def _row(page: Any, context: str) -> Any:
    return page.locator("table.entries tbody tr").filter(
        has=page.locator("code", has_text=re.compile(f"^{re.escape(context)}$"))
    )


def test_a_reviewer_pages_filters_rejects_one_and_approves_all_it_says(
    person: Any, fresh: LiveServer
) -> None:
    marta = person("es-reviewer")
    page = marta.page
    page.locator("section[aria-labelledby=pending]").get_by_role("link", name="Review").click()
    page.wait_for_url("**/catalogs/es/review")
    views = page.get_by_role("navigation", name="Show entries")
    assert views.get_by_role("link", name="All entries (32)").is_visible()
    assert views.get_by_role("link", name="Safety-bearing (1)").is_visible()
    assert views.get_by_role("link", name="Translation kept, source changed (1)").is_visible()
    # Paged: 25 rows, then the rest on page 2.
    assert page.locator("table.entries tbody tr").count() == 25
    assert page.get_by_text("Entries 1–25 of 32").is_visible()
    marta.check("catalog-entries-review")
    page.get_by_role("navigation", name="Pages of entries").get_by_role(
        "link", name="Page 2"
    ).click()
    assert page.locator("table.entries tbody tr").count() == 7
    assert page.get_by_text("Entries 26–32 of 32").is_visible()

    # Filtered: the safety-bearing entry alone, then the translation kept.
    _view(page, "Safety-bearing")
    assert page.locator("table.entries tbody tr").count() == 1
    # Marked where it is listed, in words (not by colour alone).
    assert _row(page, SAFETY).get_by_text("Safety-bearing", exact=True).is_visible()
    assert "source edited since its approved translation" in _row(page, SAFETY).inner_text()
    marta.check("catalog-entries-safety")
    _view(page, "Translation kept, source changed")
    kept = _row(page, KEPT)
    assert page.locator("table.entries tbody tr").count() == 1
    assert "translation kept, source changed" in kept.inner_text()
    _view(page, "New translations")
    assert page.locator("table.entries tbody tr").count() == 2

    # One entry rejected with a reason: first without one (refused, nothing lost), then with.
    _view(page, "Safety-bearing")
    row = _row(page, SAFETY)
    row.locator("summary").click()
    row.get_by_role("button", name="Reject this entry").click()
    assert page.get_by_role("alert").filter(has_text="Say why you reject this entry").is_visible()
    row = _row(page, SAFETY)
    reason = "“Revisado” is not in the source: translate the new sentence only."
    row.get_by_label("Why (the translator reads this)").fill(reason)
    row.get_by_role("button", name="Reject this entry").click()
    assert page.get_by_text(f"Entry {SAFETY} rejected").is_visible()
    assert page.get_by_role("link", name="All entries (31)").is_visible()
    assert _es(fresh.url, SAFETY)["locale"] == "en", "readers keep the English fallback"

    # "Approve all" says what it approves, and approves exactly that.
    _view(page, "All entries")
    approve_all = page.get_by_role("button", name="Approve 30: all but the kept translation")
    assert (
        "except the one flagged “translation kept, source changed”"
        in page.locator("#approve-all-help").inner_text()
    )
    marta.check("catalog-entries-before-approve-all")
    approve_all.click()
    assert page.get_by_text("30 entries approved").is_visible()
    assert page.locator("table.entries tbody tr").count() == 1
    assert _row(page, KEPT).is_visible()
    revised = httpx.get(f"{fresh.url}/v1/articles/{SLUG}", params={"locale": "es"}).text
    assert revised.count(REVISED_MARK) == REVISED
    assert _es(fresh.url, KEPT)["locale"] == "en", "the kept translation is not approved yet"
    _row(page, KEPT).get_by_role("checkbox").check()
    page.get_by_role("button", name="Approve selected").click()
    assert page.get_by_text("1 entry approved").is_visible()
    assert _es(fresh.url, KEPT)["locale"] == "es"

    # Lucia reads why her entry came back, and translates it again in the browser.
    lucia = person("translator")
    page = lucia.page
    page.get_by_role("link", name="Translations").click()
    page.get_by_role("link", name="es", exact=True).click()
    sent_back = page.locator("ul[aria-labelledby=sent-back] li").first
    assert SAFETY in sent_back.inner_text() and reason in sent_back.inner_text()
    assert "marta" in sent_back.inner_text()
    stale = page.locator("tr").filter(has_text=f"{SAFETY}")
    stale.first.get_by_role("link", name=re.compile("^Translate")).click()
    assert page.get_by_text("Safety-bearing", exact=True).is_visible()
    assert page.locator("#entry-source ins").first.is_visible(), "the source's new words"
    assert page.locator("#entry-approved").inner_text().startswith(SAFETY_ES)
    assert reason in page.locator("#entry-rejection").inner_text()
    lucia.check("catalog-entries-edit")
    text = page.get_by_label("Your translation (es)")
    text.fill("Puede aparecer un <b>enrojecimiento</b> leve.")
    page.get_by_role("button", name="Send for review").click()
    assert "markup" in page.locator("#f-text-error").inner_text()
    assert page.get_by_label("Your translation (es)").get_attribute("aria-invalid") == "true"
    lucia.check("catalog-entries-edit-error")
    corrected = "Puede aparecer un enrojecimiento o una hinchazón leves en la piel."
    page.get_by_label("Your translation (es)").fill(corrected)
    page.get_by_role("button", name="Send for review").click()
    assert page.get_by_text(f"Your translation of {SAFETY} awaits review").is_visible()

    # A formatted phrase: its placeholder is checked as an upload checks it.
    page.get_by_role("link", name="All entries").click()
    page.get_by_label("Find an entry").fill("per plan")
    page.get_by_role("button", name="Find").click()
    found = page.locator("tr").filter(has_text=PLAN)
    found.get_by_role("link", name=re.compile("^Translate")).click()
    page.get_by_label("Your translation (es)").fill("por cada plan")
    page.get_by_role("button", name="Send for review").click()
    assert "placeholders differ" in page.locator("#f-text-error").inner_text()
    page.get_by_label("Your translation (es)").fill("{range} por cada plan")
    page.get_by_role("button", name="Send for review").click()
    assert page.get_by_text("Your translation of fact/per awaits review").is_visible()

    # Whoever typed an entry cannot approve it: root (an admin) types one and is refused
    # it, and "Approve all", on the review page; Marta approves them all.
    root = person("admin")
    page = root.page
    page.get_by_role("link", name="Translations").click()
    page.get_by_role("link", name="es", exact=True).click()
    page.get_by_role("link", name="All entries").click()
    page.get_by_label("Find an entry").fill("per session")
    page.get_by_role("button", name="Find").click()
    page.locator("tr").filter(has_text="{range} per session").get_by_role(
        "link", name=re.compile("^Translate")
    ).click()
    page.get_by_label("Your translation (es)").fill("{range} por cada sesión")
    page.get_by_role("button", name="Send for review").click()
    assert page.get_by_role("status").filter(has_text="awaits review").is_visible()
    page.get_by_role("link", name="an upload awaits review").click()
    own = page.locator("table.entries tbody tr").filter(has_text="{range} per session")
    assert own.get_by_role("checkbox").is_disabled()
    assert "second person" in own.locator(".reason").inner_text()
    assert page.get_by_role("button", name="Approve all").is_disabled()
    theirs = _row(page, SAFETY)
    assert theirs.get_by_role("checkbox").is_enabled()
    root.check("catalog-entries-own-entry")

    page = marta.page
    page.get_by_role("link", name="Dashboard").click()
    page.locator("section[aria-labelledby=pending]").get_by_role("link", name="Review").click()
    page.get_by_role("button", name="Approve all 3 entries").click()
    assert page.get_by_text("3 entries approved").is_visible()
    block = _es(fresh.url, SAFETY)
    assert (block["locale"], block["text"]) == ("es", corrected)


def test_the_review_and_the_entry_editor_fit_360_pixels(person: Any, fresh: LiveServer) -> None:
    """On a phone, reached by clicks: one entry's editor, then the catalog review with the
    entry sent from it (its table scrolls inside its own region)."""
    root = person("admin", width=360)
    page = root.page
    page.get_by_role("link", name="Translations").click()
    page.get_by_role("link", name="es", exact=True).click()
    page.get_by_role("navigation", name="Which entries").get_by_role(
        "link", name="Safety-bearing"
    ).click()
    page.locator("main table tbody tr").first.get_by_role(
        "link", name=re.compile("^Translate")
    ).click()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, width
    root.check("catalog-entries-edit-360")
    page.get_by_label("Your translation (es)").fill("Una frase escrita en un teléfono.")
    page.get_by_role("button", name="Send for review").click()
    assert page.get_by_role("status").filter(has_text="awaits review").is_visible()
    page.get_by_role("link", name="an upload awaits review").click()
    assert page.get_by_role("heading", name="Review the es catalog").is_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, width
    root.check("catalog-entries-review-360")
