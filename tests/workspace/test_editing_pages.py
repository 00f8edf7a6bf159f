"""The editing pages over HTTP with the real app: a section saved through its form becomes
the same draft the API makes, refusals appear beside their field, structure buttons change
only the form, stale saves and conflicts are explained and resolved block by block, and
what the review rule forbids is shown disabled and refused when posted anyway."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from api.core.model import Fact, Paragraph, walk_sections
from api.store.drafts import draft_diff, get_draft, list_drafts
from api.store.schema import open_database
from api.store.versions import latest_version, load_article
from api.web.workspace.review import CHECKED
from tests.conftest import SLUG
from tests.editing import publish_change
from tests.workspace.pages import People, block_index, form_values, parse, signed_in, text_of
from tests.workspace.people import csrf_of

Client = TestClient[Any]
PROCEDURE = "process/treatment-procedure"
SECTION_URL = f"/workspace/articles/{SLUG}/edit/{PROCEDURE}"
OLD_P5 = "can last from 1 to 3 hours."
NEW_P5 = "can last from 1 to 4 hours."


@pytest.fixture()
def people(db_path: Path, tokens: dict[str, str]) -> Iterator[People]:
    yield from signed_in(db_path, tokens)


def _edited(client: Client) -> tuple[dict[str, str], int, int]:
    page = client.get(SECTION_URL)
    assert page.status_code == 200, page.text
    values = form_values(page.text)
    p5, fact = block_index(values, "p5"), block_index(values, "session-duration")
    values[f"block-{p5}-text"] = values[f"block-{p5}-text"].replace(OLD_P5, NEW_P5)
    values[f"block-{fact}-max"] = "4"
    values["message"] = "Sessions last up to four hours"
    return values, p5, fact


def test_a_section_saved_through_the_form_is_the_draft_the_api_would_make(
    people: People, db_path: Path
) -> None:
    client, _ = people["editor"]
    values, _, _ = _edited(client)
    saved = client.post(SECTION_URL, data={**values, "do": "save"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    db = open_database(db_path)
    (draft,) = list_drafts(db)
    assert saved.headers["location"] == f"/workspace/drafts/{draft.id}"
    _, article = get_draft(db, draft.id)
    section = next(s for s in walk_sections(article.sections) if s.id == PROCEDURE)
    blocks = {b.id: b for b in section.blocks}
    p5, fact = blocks["p5"], blocks["session-duration"]
    assert isinstance(p5, Paragraph) and p5.text.endswith(NEW_P5)
    assert isinstance(fact, Fact) and (fact.min, fact.max, fact.unit) == (1, 4, "hour")
    # Nothing else changed: the draft is the published version with those two blocks.
    published = load_article(db, SLUG, 1)
    assert [s.id for s in walk_sections(article.sections)] == [
        s.id for s in walk_sections(published.sections)
    ]
    assert (draft.base_version, draft.author, draft.status) == (1, "ana", "draft")
    page = client.get(saved.headers["location"])
    assert "Draft 1 started." in page.text or "Draft" in page.text


@pytest.mark.parametrize(
    ("field", "value", "shown_at", "message"),
    [
        ("max", "four", "max", "Expected `int | float`, got `str`"),
        ("min", "5", "min", "min 5 is greater than max 4"),
        ("text", "Sessions last <b>hours</b>.", "text", "markup"),
        # The content rule names the unit: a duration has a unit and no currency.
        ("currency", "USD", "unit", "needs a unit and no currency"),
        # A citation must name an entry of the article's reference list.
        ("cites", "no-such-source", "cites", "cites unknown reference 'no-such-source'"),
    ],
)
def test_a_refusal_is_shown_beside_its_field_and_keeps_what_was_typed(
    people: People, db_path: Path, field: str, value: str, shown_at: str, message: str
) -> None:
    client, _ = people["editor"]
    values, p5, fact = _edited(client)
    block = p5 if field in ("text", "cites") else fact
    typed = f"block-{block}-{field}"
    name = f"block-{block}-{shown_at}"
    values[typed] = value
    refused = client.post(SECTION_URL, data={**values, "do": "save"})
    assert refused.status_code == 422
    page = parse(refused.text)
    assert message in page.one(f"p.field-error#e-{name}").text
    assert page.one(f'[aria-describedby="e-{name}"]').get("name") == name
    assert form_values(refused.text)[typed] == value  # what was typed is still there
    assert list_drafts(open_database(db_path)) == []


def test_a_missing_message_is_refused_at_the_message(
    people: People,
) -> None:
    client, _ = people["editor"]
    values, _, _ = _edited(client)
    values["message"] = ""
    refused = client.post(SECTION_URL, data={**values, "do": "save"})
    assert refused.status_code == 422
    assert parse(refused.text).one("p.field-error#e-message").text


def test_structure_buttons_change_the_form_only(people: People, db_path: Path) -> None:
    client, _ = people["editor"]
    values, _, fact = _edited(client)
    moved = client.post(SECTION_URL, data={**values, "do": f"up-{fact}"})
    assert moved.status_code == 200
    after = form_values(moved.text)
    assert block_index(after, "session-duration") == fact - 1
    assert after[f"block-{fact - 1}-max"] == "4"  # the typed value moved with its block
    added = client.post(SECTION_URL, data={**after, "do": "add", "add_type": "faq"})
    new = form_values(added.text)
    last = max(int(k.split("-")[1]) for k in new if k.startswith("block-"))
    assert (new[f"block-{last}-type"], new[f"block-{last}-id"]) == ("faq", "faq1")
    removed = client.post(SECTION_URL, data={**new, "do": f"remove-{last}"})
    assert "faq1" not in form_values(removed.text).values()
    assert list_drafts(open_database(db_path)) == []


def _start_draft(client: Client) -> int:
    values, _, _ = _edited(client)
    saved = client.post(SECTION_URL, data={**values, "do": "save"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    return int(saved.headers["location"].rsplit("/", 1)[1])


def _etag(html: str) -> str:
    return parse(html).select('input[name="etag"]')[0].get("value") or ""


def test_the_author_cannot_approve_their_own_draft(people: People, db_path: Path) -> None:
    editor, csrf = people["editor"]
    draft_id = _start_draft(editor)
    page = editor.get(f"/workspace/drafts/{draft_id}")
    sent = editor.post(
        f"/workspace/drafts/{draft_id}/submit",
        data={"_csrf_token": csrf, "etag": _etag(page.text)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    review = editor.get(f"/workspace/drafts/{draft_id}/review")
    assert review.status_code == 200
    page = parse(review.text)
    (approve,) = [b for b in page.select("button") if b.text == "Approve and publish"]
    assert approve.get("type") == "button" and "disabled" in approve.attrs
    assert "an editor does not review: only a reviewer may publish this draft" in page.text
    # Posted anyway, the form is refused server-side, and nothing is published.
    forced = editor.post(
        f"/workspace/drafts/{draft_id}/publish",
        data={"_csrf_token": csrf, "etag": f'"draft-{draft_id}-r1-v1-t1"'},
    )
    assert forced.status_code == 403
    db = open_database(db_path)
    assert get_draft(db, draft_id)[0].status == "in_review"
    head = latest_version(db, SLUG)
    assert head is not None and head.number == 1
    # A reviewer sees the same draft with the button enabled, and publishes it.
    reviewer, reviewer_csrf = people["reviewer"]
    seen = reviewer.get(f"/workspace/drafts/{draft_id}/review")
    shown = parse(seen.text)
    assert shown.select("del") and shown.select("ins")
    assert shown.select("#impact-es") and "treatment-procedure/p5" in shown.text
    done = reviewer.post(
        f"/workspace/drafts/{draft_id}/publish",
        data={"_csrf_token": reviewer_csrf, "etag": _etag(seen.text), "checked": CHECKED},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    head = latest_version(open_database(db_path), SLUG)
    assert head is not None and (head.number, head.reviewer) == (2, "ben")


def test_an_admin_who_wrote_part_of_a_draft_cannot_approve_it(
    people: People, db_path: Path
) -> None:
    admin, csrf = people["admin"]
    draft_id = _start_draft(admin)
    page = admin.get(f"/workspace/drafts/{draft_id}")
    admin.post(
        f"/workspace/drafts/{draft_id}/submit",
        data={"_csrf_token": csrf, "etag": _etag(page.text)},
    )
    review = admin.get(f"/workspace/drafts/{draft_id}/review")
    reason = "you wrote part of this draft: a second person must review it"
    page = parse(review.text)
    why = page.one("span.reason#publish-why")
    assert (why.text, why.get("lang")) == (reason, "en")
    assert page.select("#reject-why")
    forced = admin.post(
        f"/workspace/drafts/{draft_id}/publish",
        data={"_csrf_token": csrf, "etag": f'"draft-{draft_id}-r1-v1-t1"'},
    )
    assert forced.status_code == 403 and reason in text_of(forced.text)
    db = open_database(db_path)
    assert get_draft(db, draft_id)[0].status == "in_review"
    refused = db.execute("SELECT actor, status FROM refusals ORDER BY id DESC LIMIT 1").fetchone()
    assert tuple(refused) == ("root", 403)


def test_a_translator_sees_no_editing_and_is_refused_when_posting(
    people: People, db_path: Path
) -> None:
    translator, csrf = people["translator"]
    page = translator.get(f"/workspace/articles/{SLUG}/edit")
    assert page.status_code == 403 or parse(page.text).select("[aria-disabled]")
    values = {"_csrf_token": csrf, "read": f'"article-{SLUG}-v1-t1"', "message": "x"}
    refused = translator.post(SECTION_URL, data={**values, "do": "save"})
    assert refused.status_code == 403
    assert list_drafts(open_database(db_path)) == []


def test_a_save_from_an_old_page_says_who_saved_since(
    people: People,
) -> None:
    editor, _ = people["editor"]
    draft_id = _start_draft(editor)
    url = f"/workspace/drafts/{draft_id}/edit/{PROCEDURE}"
    first = form_values(editor.get(url).text)
    second = dict(first)
    first["block-0-text"] = first["block-0-text"] + " One."
    first["message"] = "first tab"
    assert editor.post(url, data={**first, "do": "save"}, follow_redirects=False).status_code == 303
    second["block-0-text"] = second["block-0-text"] + " Two."
    second["message"] = "second tab"
    stale = editor.post(url, data={**second, "do": "save"})
    assert stale.status_code == 422
    assert "ana saved revision 2 at" in text_of(stale.text)
    assert form_values(stale.text)["block-0-text"].endswith(" Two.")


def test_conflicts_are_resolved_block_by_block(people: People, db_path: Path) -> None:
    editor, _ = people["editor"]
    url = f"/workspace/articles/{SLUG}/edit/introduction"
    values = form_values(editor.get(url).text)
    values["block-0-text"] = "Mine: the first paragraph."
    values["block-1-text"] = "Mine: the second paragraph."
    values["message"] = "Rewrite the introduction"
    saved = editor.post(url, data={**values, "do": "save"}, follow_redirects=False)
    draft_id = int(saved.headers["location"].rsplit("/", 1)[1])
    # Meanwhile someone else's change to the same two paragraphs is published.
    db = open_database(db_path)
    head = load_article(db, SLUG, 1)
    intro = head.sections[0]
    theirs = (
        Paragraph(id="p1", text="Theirs: the first paragraph."),
        Paragraph(id="p2", text="Theirs: the second paragraph."),
        *intro.blocks[2:],
    )
    changed = msgspec.structs.replace(
        head, sections=(msgspec.structs.replace(intro, blocks=theirs), *head.sections[1:])
    )
    publish_change(db, changed, "Their change")
    db.conn.close()

    page = editor.get(f"/workspace/drafts/{draft_id}/resolve")
    assert page.status_code == 200
    assert len(parse(page.text).select("fieldset.conflict")) == 2
    etag = _etag(page.text)
    csrf = csrf_of(page.text)
    half = editor.post(
        f"/workspace/drafts/{draft_id}/resolve",
        data={"_csrf_token": csrf, "etag": etag, "take:block:introduction/p1": "draft"},
    )
    assert half.status_code == 422 and "block:introduction/p2" in text_of(half.text)
    done = editor.post(
        f"/workspace/drafts/{draft_id}/resolve",
        data={
            "_csrf_token": csrf,
            "etag": etag,
            "take:block:introduction/p1": "draft",
            "take:block:introduction/p2": "head",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    db = open_database(db_path)
    draft, article = get_draft(db, draft_id)
    assert (draft.base_version, draft.revision) == (2, 2)
    texts = [b.text for b in article.sections[0].blocks[:2]]  # type: ignore[union-attr]
    assert texts == ["Mine: the first paragraph.", "Theirs: the second paragraph."]


def test_the_editor_speaks_spanish_around_english_content(people: People) -> None:
    client, _ = people["editor"]
    page = client.get(SECTION_URL, headers={"Accept-Language": "es"})
    assert page.status_code == 200
    shown = parse(page.text)
    assert shown.one("html").attrs == {"lang": "es", "dir": "ltr"}
    assert "Guardar" in [b.text for b in shown.select("button")]
    assert "Qué cambió y por qué" in shown.text
    # The article's own text stays marked as the English it is.
    assert shown.one('textarea[name="block-0-text"]').get("lang") == "en"


def test_a_treatment_record_is_edited_field_by_field(people: People, db_path: Path) -> None:
    from api.store.drafts import draft_treatments

    client, csrf = people["editor"]
    article = client.get(f"/workspace/articles/{SLUG}/edit")
    (url,) = {
        href
        for a in parse(article.text).select("a[href]")
        if re.fullmatch(
            r"/workspace/articles/[^/]+/records/minoxidil.*", href := a.get("href") or ""
        )
    }
    page = client.get(url)
    assert page.status_code == 200
    read = parse(page.text).select('input[name="read"]')[0].get("value")
    base = {"_csrf_token": csrf, "read": read or "", "message": "Fix the record"}
    post_to = url.split("?")[0]

    values = {**form_values(page.text, "record-form"), **base}
    wrong = client.post(post_to, data={**values, "kind-0-value": "potion"})
    assert wrong.status_code == 422
    assert "Invalid enum value" in parse(wrong.text).one("#e-kind-0-value").text

    unquoted = client.post(post_to, data={**values, "kind-0-quote": "Words not in the text"})
    assert unquoted.status_code == 422 and "word for word" in text_of(unquoted.text)

    renamed = client.post(post_to, data={**values, "name": "Minoxidil (Rogaine)"})
    assert renamed.status_code == 422
    assert "appears nowhere in section" in parse(renamed.text).one("#e-name").text

    saved = client.post(
        post_to,
        data={**values, "kind-0-quote": "oral minoxidil products"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    db = open_database(db_path)
    (draft,) = list_drafts(db)
    records = draft_treatments(db, draft)
    assert records is not None
    minoxidil = next(t for t in records.treatments if t.id == "minoxidil")
    assert minoxidil.kind.evidence.quote == "oral minoxidil products"


def test_withdrawing_asks_first(people: People, db_path: Path) -> None:
    editor, csrf = people["editor"]
    draft_id = _start_draft(editor)
    page = editor.get(f"/workspace/drafts/{draft_id}")
    shown = parse(page.text)
    assert shown.select(f'a[href="/workspace/drafts/{draft_id}/withdraw"]')
    assert shown.select('form[action="/workspace/drafts/1/withdraw"]') == []
    confirm = editor.get(f"/workspace/drafts/{draft_id}/withdraw")
    assert confirm.status_code == 200 and "for good?" in text_of(confirm.text)
    done = editor.post(
        f"/workspace/drafts/{draft_id}/withdraw",
        data={"_csrf_token": csrf, "etag": _etag(confirm.text), "comment": "Not needed"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert get_draft(open_database(db_path), draft_id)[0].status == "withdrawn"
    again = editor.get(f"/workspace/drafts/{draft_id}/withdraw")
    assert again.status_code == 409


def test_removing_a_safety_mark_needs_a_reason_in_the_editor_too(
    people: People, db_path: Path
) -> None:
    """Point 5: the door the API has, the workspace has: unticking a block's safety mark is
    refused beside the reason field until the editor says why; the draft keeps the reason."""
    client, _ = people["editor"]
    url = f"/workspace/articles/{SLUG}/edit/safety-and-efficacy"
    values = form_values(client.get(url).text)
    p1 = block_index(values, "p1")
    assert values.pop(f"block-{p1}-safety") == "on"
    values["message"] = "The first paragraph states no risk"
    refused = client.post(url, data={**values, "do": "save"})
    assert refused.status_code == 422
    assert "safety-and-efficacy/p1" in parse(refused.text).one("p.field-error#e-safety_reason").text
    assert list_drafts(open_database(db_path)) == []
    reason = "Reviewed with the medical editor: p1 names the risk p2 states."
    saved = client.post(
        url, data={**values, "safety_reason": reason, "do": "save"}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    db = open_database(db_path)
    (draft,) = list_drafts(db)
    assert draft_diff(db, draft.id).safety_reason == reason
