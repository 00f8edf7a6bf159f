"""Finding and acting where you read, in-process with the real app over the seeded
database (issue 25 point 6; the browser tests are test_browser_find.py): the search page,
the article view's Edit links, other drafts named in the section editor, the draft's
summary in the queue, the review and the history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import SLUG
from tests.workspace.pages import parse
from tests.workspace.people import sign_in

Client = TestClient[Any]
ARTICLE = f"/workspace/articles/{SLUG}"
INTRO = f"{ARTICLE}/edit/introduction"


def test_search_lists_text_and_records_of_every_locale(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["editor"])
    page = parse(ws.get("/workspace/search", params={"q": "minoxidil"}).text)
    texts = page.select("#text-results li")
    records = page.select("#record-results li")
    assert {p.get("lang") for li in texts for p in li.select("p")} >= {"en", "es", "fr"}
    assert any("minoxidil" in li.text for li in records)
    assert all(li.select("mark") for li in [*texts, *records])
    edits = [a.get("href") or "" for li in texts for a in li.select("a.action")]
    assert edits and all("?version=" in href and "&records=" in href for href in edits)


def test_a_translator_searches_but_is_offered_no_edit(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["translator"])
    page = parse(ws.get("/workspace/search", params={"q": "minoxidil"}).text)
    assert page.select("#text-results li") and not page.select("a.action")


@pytest.mark.parametrize(
    ("query", "said"),
    [("   ", None), ("!!!", "must contain a letter or digit to search for"), ("x" * 200, None)],
)
def test_a_query_without_words_is_answered_not_failed(
    seeded: Path, ws: Client, tokens: dict[str, str], query: str, said: str | None
) -> None:
    sign_in(ws, tokens["editor"])
    response = ws.get("/workspace/search", params={"q": query})
    assert response.status_code == 200
    if said:
        assert said in parse(response.text).text


def test_the_article_view_offers_edit_on_the_latest_version_only(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["editor"])
    latest = parse(ws.get(ARTICLE).text)
    links = [a.get("href") or "" for a in latest.select("a.action")]
    assert f"{INTRO}?version=2&records=1" in links
    older = parse(ws.get(ARTICLE, params={"version": 1}).text)
    assert not older.select("a.action")


def test_the_section_editor_names_another_open_draft_of_it(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["admin"])
    page = parse(ws.get(INTRO).text)
    others = page.select("#others")
    assert others and "ana: draft 2 (in_review)" in others[0].text
    # A section the draft does not change says nothing.
    assert not parse(ws.get(f"{ARTICLE}/edit/benefits").text).select("#others")
    # Nor does the draft's own page for its own section.
    assert not parse(ws.get("/workspace/drafts/2/edit/introduction").text).select("#others")


def test_the_drafts_message_is_in_the_queue_and_the_review(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["reviewer"])
    queue = parse(ws.get("/workspace/review").text)
    assert "Say experimental" in queue.select(".cards li")[0].text
    review = parse(ws.get("/workspace/drafts/2/review").text)
    assert "Say experimental" in review.select(".facts")[0].text
