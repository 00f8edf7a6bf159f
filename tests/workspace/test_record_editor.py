"""The record editor over HTTP with the real app (issue 25 point 3, workspace walk finding
3): a record's claims in rows an editor adds and removes, menus for every enumerated
value, labels in words, the cited block's text beside each quote with the quote marked,
every refusal at its field and all of them listed, stale claims shown to the author before
review, and the correction the walk could not state saved as the API would save it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.store.drafts import draft_treatments, get_draft, list_drafts
from api.store.schema import open_database
from tests.conftest import SLUG
from tests.workspace.correction import MINOXIDIL, NEW_P2, OFF_LABEL, OLD_P2_START, RECORD
from tests.workspace.pages import People, block_index, form_values, parse, signed_in, text_of

Client = TestClient[Any]
SECTION = f"/workspace/articles/{SLUG}/edit/{MINOXIDIL}"
NEW_RECORD = f"/workspace/articles/{SLUG}/records/minoxidil"


@pytest.fixture()
def people(db_path: Path, tokens: dict[str, str]) -> Iterator[People]:
    yield from signed_in(db_path, tokens)


def _record(client: Client, url: str) -> tuple[str, dict[str, str]]:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return page.text, form_values(page.text, "record-form")


def _press(client: Client, url: str, values: dict[str, str], do: str) -> tuple[str, dict[str, str]]:
    """A row button: the page comes back with the form changed."""
    page = client.post(url, data={**values, "do": do})
    assert page.status_code == 200, page.text
    return page.text, form_values(page.text, "record-form")


def _draft_with_new_text(client: Client) -> int:
    """The Minoxidil paragraph corrected in a new draft (its record still quotes the old)."""
    values = form_values(client.get(SECTION).text)
    p2 = block_index(values, "p2")
    assert values[f"block-{p2}-text"].startswith(OLD_P2_START)
    values[f"block-{p2}-text"] = NEW_P2
    values["message"] = "Only topical minoxidil is FDA-approved; oral is off-label (E1)"
    saved = client.post(SECTION, data={**values, "do": "save"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    return int(saved.headers["location"].rsplit("/", 1)[1])


def _corrected(client: Client, url: str) -> dict[str, str]:
    """The record form with the correction typed, rows added as the editor adds them."""
    _, values = _record(client, url)
    _, values = _press(client, url, values, "add-regulatory")
    _, values = _press(client, url, values, "add-regulatory")
    _, values = _press(client, url, values, "add-cautions")
    values.update(RECORD)
    block = f"{MINOXIDIL}/p2"
    for row in ("regulatory-1", "regulatory-2", "cautions-0"):
        values[f"{row}-block"] = block
    del values["regulatory-0-ticked-oral"]
    values["regulatory-1-ticked-oral"] = values["regulatory-2-ticked-oral"] = "on"
    values["message"] = "Record: only topical is FDA-approved; oral is off-label, on prescription"
    return values


def test_rows_are_added_and_removed_and_only_the_form_changes(
    people: People, db_path: Path
) -> None:
    client, _ = people["editor"]
    html, values = _record(client, NEW_RECORD)
    assert [f.get("id") for f in parse(html).select("fieldset.block-form")][:3] == [
        "row-kind-0",
        "row-forms-0",
        "row-forms-1",
    ]
    assert "regulatory-1-value" not in values
    html, values = _press(client, NEW_RECORD, values, "add-regulatory")
    assert values["regulatory-1-value"] == "fda-approved"
    assert parse(html).select("#row-regulatory-1 legend")[0].text == "Regulatory status 2"
    # A new row cites the block the record's claims cite.
    assert values["regulatory-1-block"] == f"{MINOXIDIL}/p2"
    html, values = _press(client, NEW_RECORD, values, "add-cautions")
    html, values = _press(client, NEW_RECORD, values, "add-requirements")
    html, values = _press(client, NEW_RECORD, values, "add-suitable_for")
    assert not parse(html).select('button[value="add-suitable_for"]')  # at most one
    html, values = _press(client, NEW_RECORD, values, "remove-audience-0")
    assert values["audience-0-value"] == "women" and "audience-1-value" not in values
    html, values = _press(client, NEW_RECORD, values, "remove-regulatory-1")
    assert "regulatory-1-value" not in values
    assert list_drafts(open_database(db_path)) == []


def test_every_enumerated_field_is_a_menu_and_every_label_is_words(people: People) -> None:
    client, _ = people["editor"]
    _, values = _record(client, NEW_RECORD)
    _, values = _press(client, NEW_RECORD, values, "add-cautions")
    shown = parse(_press(client, NEW_RECORD, values, "add-regulatory")[0])
    status = shown.one("select#f-regulatory-0-value")
    options = {o.get("value"): o.text for o in status.select("option")}
    assert options == {
        "fda-approved": "FDA-approved",
        "fda-cleared": "FDA-cleared",
        "not-fda-approved": "Not FDA-approved",
        "off-label": "Off-label",
        "experimental": "Experimental",
        "prescription": "Prescription only",
    }
    for name in ("kind-0-value", "forms-0-value", "audience-0-value", "forms-0-block"):
        assert shown.one(f"select#f-{name}")
    # Whom a caution is for and which forms a status holds for are tick boxes in words.
    ticks = shown.one("fieldset#f-regulatory-0-ticked")
    assert ticks.one("legend").text == "For the forms"
    assert [label.text for label in ticks.select("label")][:2] == ["Topical", "Oral"]
    assert shown.one("fieldset#f-cautions-0-ticked legend").text == "For whom"
    labels = [label.text for label in shown.select("form.record-form label")]
    assert "Status" in labels and "Cited block" in labels
    assert not [t for t in labels if "›" in t or "." in t.split(" ")[0] or "_" in t], labels


def test_each_quote_is_shown_in_its_cited_block(people: People) -> None:
    client, _ = people["editor"]
    html, _ = _record(client, NEW_RECORD)
    cited = parse(html).one("#cited-regulatory-0")
    assert cited.one("mark").text.endswith(
        "FDA-approved for androgenetic alopecia in both men and women]"
    )
    assert cited.one("blockquote").text.startswith("Topical and oral minoxidil products are ")
    assert cited.one("blockquote").get("lang") == "en"
    assert not parse(html).select("#unsupported")


def test_every_refusal_is_at_its_field_and_all_are_listed(people: People, db_path: Path) -> None:
    client, _ = people["editor"]
    _, values = _record(client, NEW_RECORD)
    values["message"] = "Two mistakes at once"
    values["forms-1-quote"] = "Words the paragraph does not have"  # the API's evidence check
    values["regulatory-0-quote"] = "Nor these"
    refused = client.post(NEW_RECORD, data={**values, "do": "save"})
    assert refused.status_code == 422
    shown = parse(refused.text)
    assert "not word for word" in shown.one("#e-forms-1-quote").text
    assert "not word for word" in shown.one("#e-regulatory-0-quote").text
    assert shown.one("#f-forms-1-quote").get("aria-invalid") == "true"
    links = {a.get("href"): a.text for a in shown.select("#errors a")}
    assert links["#f-forms-1-quote"] == "Form 2 – Quote, word for word from the cited block"
    assert "#f-regulatory-0-quote" in links
    # The API's text policy, at its field too.
    marked = client.post(
        NEW_RECORD, data={**values, "forms-0-qualifier": "<b>5%</b>", "do": "save"}
    )
    assert marked.status_code == 422
    assert "markup" in parse(marked.text).one("#e-forms-0-qualifier").text
    # A new row left empty: each of its empty fields is refused at once, at the field.
    _, values = _press(client, NEW_RECORD, values, "add-regulatory")
    values["forms-1-quote"] = values["regulatory-0-quote"] = ""
    refused = client.post(NEW_RECORD, data={**values, "do": "save"})
    shown = parse(refused.text)
    named = {a.get("href") for a in shown.select("#errors a")}
    assert {"#f-forms-1-quote", "#f-regulatory-0-quote", "#f-regulatory-1-quote"} <= named
    assert shown.one("#e-regulatory-1-quote").text == "Error: this cannot be empty"
    # What was typed stays in the form.
    assert form_values(refused.text, "record-form")["regulatory-1-value"] == "fda-approved"
    assert list_drafts(open_database(db_path)) == []


def test_the_author_is_warned_of_stale_claims_before_review(people: People) -> None:
    client, _ = people["editor"]
    draft_id = _draft_with_new_text(client)
    page = client.get(f"/workspace/drafts/{draft_id}")
    warning = parse(page.text).one("#stale-claims")
    assert "Minoxidil" in warning.text and "would no longer be supported" in warning.text
    record = f"/workspace/drafts/{draft_id}/records/minoxidil"
    links = {a.text: a.get("href") for a in warning.select("a")}
    assert links["Edit record Minoxidil"] == record
    # Each claim is named in words and leads to its field.
    assert links["Regulatory status 1 – Statement, word for word from the cited block"] == (
        f"{record}#f-regulatory-0-quote"
    )
    assert (
        links["Form 2 – Quote, word for word from the cited block"] == f"{record}#f-forms-1-quote"
    )
    assert "regulatory/0" not in warning.text
    html, _ = _record(client, f"/workspace/drafts/{draft_id}/records/minoxidil")
    shown = parse(html)
    assert "claims quote words" in shown.one("#unsupported").text
    assert "not in this block word for word" in shown.one("#cited-regulatory-0").text


def test_the_correction_is_saved_as_the_api_would_save_it(people: People, db_path: Path) -> None:
    client, _ = people["editor"]
    draft_id = _draft_with_new_text(client)
    url = f"/workspace/drafts/{draft_id}/records/minoxidil"
    values = _corrected(client, url)
    saved = client.post(url, data={**values, "do": "save"}, follow_redirects=False)
    assert saved.status_code == 303, text_of(saved.text)
    db = open_database(db_path)
    draft, _ = get_draft(db, draft_id)
    records = draft_treatments(db, draft)
    assert records is not None
    minoxidil = next(t for t in records.treatments if t.id == "minoxidil")
    assert [(r.status, r.forms) for r in minoxidil.regulatory] == [
        ("fda-approved", ("topical",)),
        ("off-label", ("oral",)),
        ("prescription", ("oral",)),
    ]
    assert minoxidil.regulatory[1].statement == OFF_LABEL
    assert minoxidil.cautions[0].source == f"{MINOXIDIL}/p2"
    page = client.get(f"/workspace/drafts/{draft_id}")
    assert not parse(page.text).select("#stale-claims")


def test_the_review_shows_the_record_field_by_field(people: People) -> None:
    client, _ = people["editor"]
    draft_id = _draft_with_new_text(client)
    url = f"/workspace/drafts/{draft_id}/records/minoxidil"
    saved = client.post(url, data={**_corrected(client, url), "do": "save"})
    assert saved.status_code == 200, text_of(saved.text)
    reviewer, _ = people["reviewer"]
    review = reviewer.get(f"/workspace/drafts/{draft_id}/review")
    change = next(
        c for c in parse(review.text).select("li.change") if "minoxidil › treatment" in c.text
    )
    rows = {li.one(".property-name").text: li for li in change.select("ul.properties li")}
    assert rows["Regulatory status 1 – For the forms"].one("del").text == "[removed: Oral]"
    added = rows["Regulatory status 2 – Status"]
    assert added.one("ins").text == "[added: Off-label]" and not added.select("del")
    assert "Caution 1 – Statement, word for word from the cited block" in rows
    assert "Kind of treatment – Quote, word for word from the cited block" in rows
    assert rows["Regulatory status 2 – Cited block"].text.endswith("alternatives/minoxidil › p2]")
    # A field empty on both sides (no references; no reason) is not listed.
    assert "Caution 1 – Reason (words of the statement)" not in rows
    assert "None" not in change.text and "null" not in change.text
    # Never the record's JSON.
    assert '{"' not in change.text and "regulatory/" not in change.text
    assert not re.search(r"\[\s*\"", change.text)
