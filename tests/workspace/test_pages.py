"""The dashboard, article, history and admin pages in-process with the real app: what each
role sees, which actions are shown disabled with the rule's reason, and that the server
refuses them all the same."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.store.drafts import list_drafts
from api.store.schema import open_database
from tests.conftest import SLUG
from tests.workspace.pages import parse, text_of
from tests.workspace.people import csrf_of, sign_in
from tests.workspace.seed import CHANGED

Client = TestClient[Any]
ARTICLE = f"/workspace/articles/{SLUG}"
HISTORY = f"{ARTICLE}/history"


def _drafts(db_path: Path) -> list[Any]:
    db = open_database(db_path)
    try:
        return list_drafts(db)
    finally:
        db.conn.close()


def test_the_reviewer_sees_the_queue_and_the_catalog_they_may_not_approve(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["reviewer"])
    page = parse(ws.get("/workspace/dashboard").text)
    assert "Draft 2 of" in page.text and page.select('a[href="/workspace/drafts/2/review"]')
    # ben reviews source text only: the Spanish catalog is shown, its review disabled.
    assert page.select('[aria-disabled="true"]')
    assert "you are not scoped to review translations into es" in page.text
    assert "1 stale entry" in page.text  # version 2 made one translation of each locale stale


def test_the_spanish_reviewer_may_review_the_catalog_not_the_draft(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["es-reviewer"])
    page = parse(ws.get("/workspace/dashboard").text)
    assert page.select('a[href="/workspace/catalogs/es/review"]')
    assert "you review translations into es, not source text" in page.text
    assert page.select('[href="/workspace/drafts/2/review"]') == []


def test_the_article_side_by_side_with_fallback_and_stale_marks(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["editor"])
    page = parse(ws.get(ARTICLE, params={"locale": "ar"}).text)
    assert page.select('[lang="ar"][dir="rtl"]')  # Arabic blocks run right to left
    assert "fallback: en" in page.text  # untranslated Arabic blocks come in English
    section_id, block_id = CHANGED
    (section,) = [s for s in page.select("section") if f"({section_id})" in s.one("h2").text]
    (row,) = [
        r
        for r in section.select('[role="row"]')
        if any(m.text == block_id for m in r.select(".meta"))
    ]
    assert row.select(".mark-stale")
    spanish = parse(ws.get(ARTICLE, params={"locale": "es", "version": 1}).text)
    assert "Version 1 of 2" in spanish.text and spanish.select(".mark-stale") == []
    assert ws.get(ARTICLE, params={"locale": "xx"}).status_code == 400
    assert ws.get(ARTICLE, params={"version": 9}).status_code == 404


def test_history_lists_authors_and_reviewers_and_diffs_any_two(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["editor"])
    cells = [td.text for td in parse(ws.get(HISTORY).text).select("td")]
    assert "ana" in cells and "ben" in cells
    diff = parse(ws.get(HISTORY, params={"from": 1, "to": 2}).text)
    assert "[removed: differs from]" in [d.text for d in diff.select("del")]
    assert "[added: is unlike]" in [i.text for i in diff.select("ins")]
    assert ws.get(HISTORY, params={"from": 2, "to": 2}).status_code == 400


ROLLBACK = f"{ARTICLE}/rollback"


def _rollback_form(ws: Client) -> tuple[Any, str]:
    """The rollback page to version 1, parsed, and the head's ETag its form sends."""
    response = ws.get(ROLLBACK, params={"to": 1})
    assert response.status_code == 200, response.text
    page = parse(response.text)
    return page, page.one('input[name="etag"]').get("value") or ""


def test_a_rollback_request_shows_what_it_reverts_asks_why_and_opens_a_review(
    seeded: Path, ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    csrf = sign_in(ws, tokens["editor"])
    history = parse(ws.get(HISTORY).text)
    assert history.one(f'a[href="{ROLLBACK}?to=1"]').text == "Roll back to version 1…"
    page, etag = _rollback_form(ws)
    # Before the button: the version it undoes (who wrote and reviewed it, what of it is
    # undone) and the word diff against the head.
    reverted = page.one("#reverts-2")
    assert "Written by ana, reviewed by ben" in reverted.text
    assert [c.text for c in reverted.select("code")] == [" › ".join(CHANGED)]
    assert "[removed: is unlike]" in [d.text for d in page.select("del")]
    everything = list(page.iter())
    (button,) = [e for e in page.select("button") if e.text == "Request the rollback"]
    assert everything.index(reverted) < everything.index(button)
    before = len(_drafts(db_path))
    for reason in ("", "   "):
        refused = ws.post(
            ROLLBACK,
            data={"_csrf_token": csrf, "to_version": "1", "etag": etag, "reason": reason},
        )
        assert refused.status_code == 422
        field = parse(refused.text).one("textarea#rollback-reason")
        assert field.get("aria-invalid") == "true"
        assert field.get("aria-describedby") == "reason-error"
        assert "Say why you roll back" in parse(refused.text).one("#reason-error").text
    policy = ws.post(
        ROLLBACK,
        data={"_csrf_token": csrf, "to_version": "1", "etag": etag, "reason": "x\u202ey"},
    )
    assert policy.status_code == 422
    kept = parse(policy.text)
    assert "bidi control character U+202E" in kept.one("#reason-error").text
    assert kept.one("textarea#rollback-reason").raw_text == "x\u202ey", "what was typed is kept"
    assert len(_drafts(db_path)) == before
    response = ws.post(
        ROLLBACK,
        data={"_csrf_token": csrf, "to_version": "1", "etag": etag, "reason": "Wrong wording"},
    )
    assert response.status_code == 200
    review = parse(response.text)
    assert "Rollback to version 1 requested" in review.one('[role="status"]').text
    assert review.one("#reverts-2"), "the review lists the versions it undoes too"
    newest = _drafts(db_path)[0]
    assert (newest.status, newest.author, newest.base_version) == ("in_review", "ana", 2)
    assert newest.rollback_to == 1
    # A form naming a head that is not the current one is refused with a 412 page.
    stale = ws.post(
        ROLLBACK,
        data={"_csrf_token": csrf, "to_version": "1", "etag": '"article-x-v1-t1"', "reason": "x"},
    )
    assert stale.status_code == 412


@pytest.mark.parametrize(
    ("part", "reason"),
    [
        ("es-reviewer", "you review translations into es, not source text"),
        ("translator", "role 'translator' may not article.rollback"),
    ],
)
def test_a_refused_rollback_is_disabled_and_refused_by_the_server(
    seeded: Path, ws: Client, tokens: dict[str, str], db_path: Path, part: str, reason: str
) -> None:
    csrf = sign_in(ws, tokens[part])
    page = parse(ws.get(HISTORY).text)
    assert reason in page.text and page.select('[name="to_version"]') == []
    confirm = parse(ws.get(ROLLBACK, params={"to": 1}).text)
    assert reason in confirm.one("#rollback-why").text
    assert confirm.select('[name="to_version"]') == []
    before = len(_drafts(db_path))
    response = ws.post(
        f"{ARTICLE}/rollback",
        data={"_csrf_token": csrf, "to_version": "1", "etag": '"article-x"'},
    )
    assert response.status_code == 403
    assert len(_drafts(db_path)) == before


def test_the_author_of_a_rollback_may_not_publish_it(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    csrf = sign_in(ws, tokens["admin"])
    _, etag = _rollback_form(ws)
    ws.post(
        ROLLBACK,
        data={"_csrf_token": csrf, "to_version": "1", "etag": etag, "reason": "Undo"},
    )
    dashboard = text_of(ws.get("/workspace/dashboard").text)
    assert "you wrote part of this draft: a second person must review it" in dashboard


def test_a_new_tokens_secret_is_shown_once(
    ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    csrf = sign_in(ws, tokens["admin"])
    created = ws.post(
        "/workspace/admin/tokens",
        data={"_csrf_token": csrf, "name": "nuria", "role": "translator", "locales": "es"},
    )
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    secret = parse(created.text).one("code#secret-value").text
    assert re.fullmatch(r"vt_\d+_[\w-]+", secret)
    again = ws.get("/workspace/admin").text
    assert "nuria" in text_of(again) and secret not in again
    audit = ws.get("/workspace/admin/audit", params={"action": "token.create", "actor": "root"})
    assert "tokens/nuria" in text_of(audit.text)
    # The new token works for the API at once.
    api = ws.get("/v1/manage/catalogs/es", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code != 401
    duplicate = ws.post(
        "/workspace/admin/tokens",
        data={"_csrf_token": csrf, "name": "nuria", "role": "editor", "locales": ""},
    )
    assert duplicate.status_code == 409 and "exists" in text_of(duplicate.text)


def test_revoking_asks_first_then_ends_the_token(
    ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    csrf = sign_in(ws, tokens["admin"])
    confirm = ws.get("/workspace/admin/tokens/ana/revoke")
    assert confirm.status_code == 200 and "cannot be undone" in text_of(confirm.text)
    assert csrf_of(confirm.text) == csrf
    response = ws.post("/workspace/admin/tokens/ana/revoke", data={"_csrf_token": csrf})
    assert response.status_code == 200 and "Token ana is revoked." in text_of(response.text)
    api = ws.get("/v1/manage/drafts", headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert api.status_code == 401
    audit = parse(ws.get("/workspace/admin/audit", params={"target": "tokens/ana"}).text)
    rows = [[td.text for td in tr.select("td")] for tr in audit.select("tr")]
    assert any("token.revoke" in row and "root (admin)" in row for row in rows)


def test_refused_attempts_are_listed_for_admins(
    seeded: Path, ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    csrf = sign_in(ws, tokens["translator"])
    refused = ws.post(
        f"{ARTICLE}/rollback", data={"_csrf_token": csrf, "to_version": "1", "etag": "x"}
    )
    assert refused.status_code == 403
    ws.post("/workspace/sign-out", data={"_csrf_token": csrf})
    sign_in(ws, tokens["admin"])
    page = text_of(ws.get("/workspace/admin/refusals", params={"actor": "lucia"}).text)
    assert f"POST /workspace/articles/{SLUG}/rollback" in page
    assert "may not article.rollback" in page


@pytest.mark.parametrize("part", ["editor", "reviewer", "translator", "es-reviewer"])
def test_admin_pages_are_for_admins(ws: Client, tokens: dict[str, str], part: str) -> None:
    csrf = sign_in(ws, tokens[part])
    for path in ("/workspace/admin", "/workspace/admin/audit", "/workspace/admin/refusals"):
        response = ws.get(path)
        assert response.status_code == 403, path
    response = ws.post(
        "/workspace/admin/tokens",
        data={"_csrf_token": csrf, "name": "sneaky", "role": "admin", "locales": ""},
    )
    assert response.status_code == 403
    assert (
        ws.post("/workspace/admin/tokens/root/revoke", data={"_csrf_token": csrf}).status_code
        == 403
    )
