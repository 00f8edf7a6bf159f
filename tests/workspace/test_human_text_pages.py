"""The text policy on what people type in the workspace (security probe 2026-12-07, D7):
a draft message or a review comment that breaks it is refused beside its field, with
the same rule and reason as the API, and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.store.drafts import get_draft, list_drafts
from api.store.schema import open_database
from tests.conftest import SLUG
from tests.workspace.pages import People, block_index, form_values, parse, signed_in, text_of

SECTION_URL = f"/workspace/articles/{SLUG}/edit/process/treatment-procedure"
SVG = "x\"'><svg onload=alert(1)>"


@pytest.fixture()
def people(db_path: Path, tokens: dict[str, str]) -> Iterator[People]:
    yield from signed_in(db_path, tokens)


def _etag(html: str) -> str:
    return parse(html).select('input[name="etag"]')[0].get("value") or ""


@pytest.mark.parametrize(
    ("message", "reason"),
    [("a\u202eb", "bidi control character U+202E"), (SVG, "markup")],
    ids=["rtl-override", "svg"],
)
def test_a_draft_message_breaking_the_policy_is_shown_beside_its_field(
    people: People, db_path: Path, message: str, reason: str
) -> None:
    editor, _ = people["editor"]
    values = form_values(editor.get(SECTION_URL).text)
    p5 = block_index(values, "p5")
    values[f"block-{p5}-text"] += " Ask your doctor."
    values["message"] = message
    refused = editor.post(SECTION_URL, data={**values, "do": "save"})
    assert refused.status_code == 422, refused.text
    link = parse(refused.text).one('a[href="#f-message"]')
    assert (link.text, link.get("lang")) == (f"{reason} (at $.message)", "en")
    assert list_drafts(open_database(db_path)) == []


def test_a_reject_comment_with_markup_is_refused_and_the_draft_stays_in_review(
    seeded: Path, people: People, db_path: Path
) -> None:
    (draft,) = [d for d in list_drafts(open_database(db_path)) if d.status == "in_review"]
    reviewer, csrf = people["reviewer"]
    url = f"/workspace/drafts/{draft.id}"
    data = {"_csrf_token": csrf, "etag": _etag(reviewer.get(f"{url}/review").text)}
    refused = reviewer.post(f"{url}/reject", data={**data, "comment": SVG})
    assert refused.status_code == 422, refused.text
    assert "markup (at $.comment)" in parse(refused.text).one("#reject-error").text
    assert get_draft(open_database(db_path), draft.id)[0].status == "in_review"


def test_a_catalog_reject_comment_with_markup_is_refused_and_the_upload_stays(
    seeded: Path, people: People, db_path: Path
) -> None:
    marta, csrf = people["es-reviewer"]
    data = {"_csrf_token": csrf, "etag": _etag(marta.get("/workspace/catalogs/es/review").text)}
    refused = marta.post("/workspace/catalogs/es/reject", data={**data, "comment": SVG})
    assert refused.status_code == 422, refused.text
    assert "markup (at $.comment)" in text_of(refused.text)
    db = open_database(db_path)
    pending = db.execute("SELECT count(*) FROM translations WHERE status = 'pending'").fetchone()
    assert pending[0] > 0
