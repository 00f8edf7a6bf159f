"""The regulatory correction the workspace walk could not make (issue 25 point 3; walk
findings 3, 8 and 9), made in a real browser against the real server by clicks and typing
only: an editor corrects "topical and oral minoxidil are FDA-approved" in the text, is
warned on her draft that the record now quotes words the text no longer has, adds rows to
the record (oral: off-label, on prescription; a caution), sees a refusal at its field and
listed at the top, saves, and sends it to review; a reviewer (another person) reads the
record's change field by field and publishes it; readers get the corrected record. Each
page is checked with axe-core, for other origins and for CSP violations, and photographed."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from tests.conftest import SLUG
from tests.workspace.browser import README_DIR
from tests.workspace.conftest import LiveServer
from tests.workspace.correction import MINOXIDIL, NEW_P2, OFF_LABEL, RECORD, TABLETS

# The real server over a copy of the real database (version 1, with its error), and a
# signed-in browser per person: the fixtures of the first correction made by clicking.
from tests.workspace.test_correction_by_clicking import fresh, person

__all__ = ["fresh", "person"]

pytestmark = pytest.mark.browser

STATEMENT = "Statement, word for word from the cited block"
QUOTE = "Quote, word for word from the cited block"


def _picture(part: Any, name: str) -> None:
    """One part of a page, for the docs (docs/workspace/), with VETTED_README_SCREENSHOTS=1."""
    if os.environ.get("VETTED_README_SCREENSHOTS") == "1":
        part.screenshot(path=str(README_DIR / name))


def _type(field: Any, text: str) -> None:
    """Replace a field's text the way a person does: select all, type."""
    field.click()
    field.press("Control+A")
    field.press("Delete")
    field.fill(text)


def test_a_regulatory_correction_of_text_and_record_made_in_the_browser(
    person: Any, fresh: LiveServer
) -> None:
    ana = person("editor")
    page = ana.page
    page.get_by_role("link", name="Articles", exact=True).first.click()
    page.get_by_role("link", name="Stem cell therapy for hair loss").click()
    page.get_by_role("link", name="Edit Minoxidil", exact=True).click()
    text = page.locator("fieldset.block-form").filter(has_text="p2").get_by_label("Text")
    _type(text, NEW_P2)
    page.get_by_label("What you changed and why").fill(
        "Only topical minoxidil is FDA-approved; oral is off-label (E1)"
    )
    page.get_by_role("button", name="Save").first.click()
    assert page.get_by_role("status").filter(has_text="Draft 1 started.").is_visible()

    # Before sending it anywhere, she is told the record no longer follows the text.
    warning = page.locator("#stale-claims")
    assert "would no longer be supported" in warning.inner_text()
    ana.check("record-correction-draft-warned")
    warning.get_by_role("link", name="Edit record Minoxidil").click()
    assert page.locator("#unsupported").is_visible()
    stale = page.locator("#cited-regulatory-0")
    assert "not in this block word for word" in stale.inner_text()

    # The record, as medical data: rows added by clicking, menus and tick boxes in words.
    page.get_by_role("button", name="Add: Regulatory statuses").click()
    page.get_by_role("button", name="Add: Regulatory statuses").click()
    page.get_by_role("button", name="Add: Cautions").click()
    for name, value in RECORD.items():
        group, n, field = name.split("-")
        row = page.locator(f"#row-{group}-{n}")
        if field == "value":
            row.get_by_label("Status", exact=True).select_option(value)
        elif field == "quote":
            label = STATEMENT if group in ("regulatory", "cautions") else QUOTE
            if name != "cautions-0-quote":  # left empty at first: refused at its field
                _type(row.get_by_label(label), value)
        else:
            _type(row.locator(f"#f-{name}"), value)
    page.locator("#row-regulatory-0").get_by_label("Oral", exact=True).uncheck()
    for n in (1, 2):
        page.locator(f"#row-regulatory-{n}").get_by_label("Oral", exact=True).check()
    page.get_by_label("What you changed and why").fill(
        "Record: only topical is FDA-approved; oral is off-label and on prescription"
    )
    page.get_by_role("button", name="Save").first.click()
    alert = page.get_by_role("alert")
    assert "Caution 1 – Statement" in alert.inner_text()
    assert page.locator("#e-cautions-0-quote").inner_text().endswith("this cannot be empty")
    ana.check("record-correction-refused")
    alert.get_by_role(
        "link", name="Caution 1 – Statement, word for word from the cited block"
    ).click()
    assert page.evaluate("() => location.hash") == "#f-cautions-0-quote"
    _type(page.locator("#f-cautions-0-quote"), TABLETS)
    # What was typed survived the refusal; the new quotes stand in the new text, marked.
    assert page.locator("#f-regulatory-1-value").input_value() == "off-label"
    assert OFF_LABEL in page.locator("#cited-regulatory-1 mark").inner_text()
    ana.check("record-correction-record")
    page.get_by_role("button", name="Save").first.click()
    assert page.get_by_role("status").filter(has_text="Revision 2 saved.").is_visible()
    assert page.locator("#stale-claims").count() == 0
    page.get_by_role("link", name="Edit record Minoxidil").click()
    assert OFF_LABEL in page.locator("#cited-regulatory-1 mark").inner_text()
    assert page.locator("#unsupported").count() == 0
    ana.check("record-correction-record-saved")
    _picture(
        page.locator("section.claims").filter(has=page.locator("#g-regulatory")),
        "record-editor.png",
    )
    page.get_by_role("link", name="Back").click()
    page.get_by_role("button", name="Send to review").click()
    assert page.get_by_text("Sent to review.").is_visible()

    # Ben, a reviewer, reads the record's change field by field and publishes it.
    ben = person("reviewer")
    page = ben.page
    page.locator("section[aria-labelledby=queue]").get_by_role("link", name="Review").click()
    page.wait_for_url("**/drafts/1/review")
    record = page.locator("li.change").filter(has_text="minoxidil › treatment")
    forms = record.locator("li").filter(has_text="Regulatory status 1 – For the forms")
    assert forms.locator("del").inner_text().split() == ["[removed:", "Oral", "]"]
    status = record.locator("li").filter(has_text="Regulatory status 2 – Status")
    assert status.locator("ins").inner_text().split() == ["[added:", "Off-label", "]"]
    assert '{"' not in record.inner_text()
    ben.check("record-correction-review")
    _picture(record, "record-review.png")
    page.get_by_label("I read every change above and checked its sources").check()
    page.get_by_role("button", name="Approve and publish").click()
    assert page.get_by_text("Published: version 2").is_visible()

    # Readers get the corrected record.
    published = httpx.get(f"{fresh.url}/v1/treatments/minoxidil").json()
    statuses = [(r["status"], r["forms"]) for r in published["regulatory"]]
    assert statuses == [
        ("fda-approved", ["topical"]),
        ("off-label", ["oral"]),
        ("prescription", ["oral"]),
    ]
    article = httpx.get(f"{fresh.url}/v1/articles/{SLUG}/sections/{MINOXIDIL}").json()
    p2 = next(b for b in article["section"]["blocks"] if b["id"] == "p2")
    assert p2["text"] == NEW_P2


def test_the_record_editor_fits_360_pixels(person: Any) -> None:
    """On a phone the cited block's text comes under its quote; nothing scrolls sideways."""
    root = person("admin", width=360)
    root.goto(f"/workspace/articles/{SLUG}/records/minoxidil")
    root.page.get_by_role("button", name="Add: Regulatory statuses").click()
    assert root.page.locator("#row-regulatory-1").is_visible()
    width = root.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, width
    root.check("record-editor-360")
