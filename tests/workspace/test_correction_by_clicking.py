"""A medical correction made entirely by clicking, in a real browser against the real server:
an editor corrects a sentence and its fact and submits; a reviewer finds the draft on the
dashboard, reads its diff and the Spanish impact and approves; readers get the new version;
a translator downloads, fixes and uploads the Spanish catalog; the Spanish reviewer approves
that entry; the audit page shows every step. Each page is checked with axe-core, for other
origins and for CSP violations, and photographed (`VETTED_README_SCREENSHOTS=1` also
writes the README's pictures of the review and catalog review pages)."""

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

from tests.conftest import SLUG
from tests.workspace.conftest import LiveServer
from tests.workspace.people import make_tokens

pytestmark = pytest.mark.browser

PROCEDURE = "process/treatment-procedure"
P5 = f"{SLUG}/{PROCEDURE}/p5"
OLD = "can last from 1 to 3 hours."
NEW = "can last from 1 to 4 hours."
OLD_ES = "puede durar de 1 a 3 horas."
NEW_ES = "puede durar de 1 a 4 horas."


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory, imported_db: Path) -> Iterator[LiveServer]:
    """`vetted serve` over a copy of the real database with no work waiting: this test's
    audit log and version numbers are its own."""
    from bench.servers import free_port
    from tests.test_server import served

    folder = tmp_path_factory.mktemp("correction")
    db_path = folder / "vetted.db"
    shutil.copyfile(imported_db, db_path)
    tokens = make_tokens(db_path)
    port = free_port()
    with served(folder, db_path, port):
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, tokens)


@pytest.fixture()
def person(browser: Any, fresh: LiveServer) -> Iterator[Any]:
    """Open a signed-in browser context for one person: `person("editor")`."""
    from tests.workspace.browser import signed_in

    with signed_in(browser, fresh.url, fresh.tokens) as open_as:
        yield open_as


def _picture(visit: Any, name: str) -> None:
    """The page checked (axe, origins, CSP) and photographed: `correction-<name>` in the
    artifacts, and the README's picture of it with VETTED_README_SCREENSHOTS=1 (see
    `tests.workspace.browser.README_SHOTS`)."""
    visit.check(f"correction-{name}")


def _block(page: Any, block_id: str) -> Any:
    """The fieldset of one block of the section form, by its id."""
    return page.locator("fieldset.block-form").filter(
        has=page.locator("legend code", has_text=re.compile(f"^{re.escape(block_id)}$"))
    )


def _article_block(base: str, locale: str, block: str) -> dict[str, Any]:
    article = httpx.get(f"{base}/v1/articles/{SLUG}", params={"locale": locale}).json()
    for section in article["sections"]:
        for found in [section, *section.get("sections", [])]:
            if found["id"] == PROCEDURE:
                return dict(next(b for b in found["blocks"] if b["id"] == block))
    raise AssertionError(f"no block {block}")


def _translated(catalog: bytes) -> bytes:
    """What the translator does in a PO editor: translate the stale entry, clear `fuzzy`."""
    po = read_po(io.BytesIO(catalog))
    message = next(m for m in po if m.context == P5 and m.id)
    assert message.fuzzy and message.string.endswith(OLD_ES)
    message.string = message.string.replace(OLD_ES, NEW_ES)
    message.flags.discard("fuzzy")
    out = io.BytesIO()
    write_po(out, po, width=0)
    return out.getvalue()


def test_a_correction_made_entirely_by_clicking(
    person: Any, fresh: LiveServer, tmp_path: Path
) -> None:
    # Ana, an editor, opens the article from the articles list and edits one section.
    ana = person("editor")
    page = ana.page
    page.get_by_role("link", name="Articles", exact=True).first.click()
    page.get_by_role("link", name="Stem cell therapy for hair loss").click()
    page.get_by_role("link", name="Edit The Treatment Procedure").click()
    _picture(ana, "section-editor")
    text = _block(page, "p5").get_by_label("Text")
    assert text.input_value().endswith(OLD)
    text.fill(text.input_value().replace(OLD, NEW))
    _block(page, "session-duration").get_by_label("To (number)").fill("4")
    page.get_by_label("What you changed and why").fill("Sessions can last up to four hours")
    page.get_by_role("button", name="Save").first.click()
    assert page.get_by_role("status").filter(has_text="Draft 1 started.").is_visible()
    _picture(ana, "draft")
    page.get_by_role("button", name="Send to review").click()
    assert page.get_by_text("Sent to review.").is_visible()
    # Her own draft: the approve button is there, disabled, with the rule's reason.
    page.get_by_role("link", name="See the changes and review").click()
    approve = page.get_by_role("button", name="Approve and publish")
    assert approve.is_disabled()
    assert "only a reviewer may publish" in page.locator("#publish-why").inner_text()

    # Ben, a reviewer, finds it on his dashboard, reads the diff and the Spanish impact.
    ben = person("reviewer")
    page = ben.page
    _picture(ben, "dashboard")
    page.locator("section[aria-labelledby=queue]").get_by_role("link", name="Review").click()
    page.wait_for_url("**/drafts/1/review")
    change = page.locator("#changes ~ ol .change").filter(has_text="treatment-procedure › p5")
    # Each run is labelled for screen readers ("[removed: 3]"), not by colour alone.
    assert change.locator("del").inner_text().split() == ["[removed:", "3", "]"]
    assert change.locator("ins").inner_text().split() == ["[added:", "4", "]"]
    fact = page.locator("#changes ~ ol .change").filter(has_text="session-duration")
    assert "duration: 1 to" in fact.inner_text() and "hour" in fact.inner_text()
    # The fact's figure shows twice: in its display text's word diff (labelled) and among
    # its named properties (the figure itself).
    worded = fact.locator("ins").filter(has_text="[added:")
    assert worded.inner_text().split() == ["[added:", "4", "]"]
    assert fact.locator("ins").filter(has_text=re.compile(r"^4$")).count() == 1
    spanish = page.locator("#impact-es")
    assert "process/treatment-procedure/p5" in spanish.inner_text()
    assert spanish.locator("q").get_attribute("lang") == "es"
    _picture(ben, "review")
    page.get_by_label("I read every change above and checked its sources").check()
    page.get_by_role("button", name="Approve and publish").click()
    assert page.get_by_text("Published: version 2").is_visible()

    # Readers get version 2 at once; Spanish readers get the English sentence, marked.
    p5 = _article_block(fresh.url, "en", "p5")
    assert p5["text"].endswith(NEW)
    duration = _article_block(fresh.url, "en", "session-duration")
    assert (duration["min"], duration["max"]) == (1, 4)
    es_p5 = _article_block(fresh.url, "es", "p5")
    assert (es_p5["locale"], es_p5["fallback"]) == ("en", True)

    # Lucia, the Spanish translator, sees the stale entry, downloads, fixes and uploads.
    lucia = person("translator")
    page = lucia.page
    page.get_by_role("link", name="Translations").click()
    page.get_by_role("link", name="es", exact=True).click()
    stale = page.locator("tr").filter(has_text="process/treatment-procedure/p5")
    assert stale.locator("ins").inner_text().split() == ["[added:", "4", "]"]
    assert stale.locator("td[lang=es]").inner_text().endswith(OLD_ES)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download es.po").click()
    fixed = tmp_path / "es.po"
    fixed.write_bytes(_translated(Path(download.value.path()).read_bytes()))
    page.get_by_label("Translated .po file").set_input_files(str(fixed))
    page.get_by_role("button", name="Upload for review").click()
    assert page.locator("#upload-done").is_visible()
    _picture(lucia, "translator")

    # Marta, the Spanish reviewer, finds the catalog on her dashboard and approves the entry.
    marta = person("es-reviewer")
    page = marta.page
    page.locator("section[aria-labelledby=pending]").get_by_role("link", name="Review").click()
    page.wait_for_url("**/catalogs/es/review")
    row = page.locator("tr#entry-0")
    assert "treatment-procedure/p5" in row.inner_text()
    # Compared with the translation of the sentence it replaces: "3" became "4".
    assert row.locator("td[lang=es]").last.locator("ins").inner_text().split() == [
        "[added:",
        "4",
        "]",
    ]
    assert "new translation" in row.inner_text() and "lucia" in row.inner_text()
    _picture(marta, "catalog-review")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Approve selected").click()
    assert page.get_by_text("1 entry approved").is_visible()
    es_p5 = _article_block(fresh.url, "es", "p5")
    assert es_p5["text"].endswith(NEW_ES) and es_p5["fallback"] is False

    # The audit page shows every step, by whom.
    root = person("admin")
    page = root.page
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Audit log").first.click()
    _picture(root, "audit")
    rows = page.locator("main table tbody tr").all_inner_texts()
    steps = [
        (cells.split("\t")[1].split(" ")[0], cells.split("\t")[2].strip())
        for cells in reversed(rows)
    ]
    assert [s for s in steps if s[0] in {"ana", "ben", "lucia", "marta"}] == [
        ("ana", "draft.create"),
        ("ana", "draft.submit"),
        ("ben", "draft.publish"),
        ("ben", "article.publish"),
        ("lucia", "catalog.upload"),
        ("marta", "catalog.approve"),
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/workspace/drafts/1/review",
        f"/workspace/articles/{SLUG}/edit/{PROCEDURE}",
        "/workspace/drafts/1",
        "/workspace/drafts",
        "/workspace/catalogs/es",
    ],
)
def test_the_editing_pages_fit_360_pixels(person: Any, fresh: LiveServer, path: str) -> None:
    root = person("admin", width=360)
    root.goto(path)
    assert root.page.locator("h1").is_visible()
    width = root.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, width
    name = path.strip("/").replace("/", "-").replace(SLUG, "article")
    root.check(f"correction-{name}-360")
