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
from tests.workspace.people import csrf_of, sign_in
from tests.workspace.seed import CHANGED, seed_work

Client = TestClient[Any]
ARTICLE = f"/workspace/articles/{SLUG}"
HISTORY = f"{ARTICLE}/history"


@pytest.fixture()
def seeded(db_path: Path, tokens: dict[str, str]) -> Path:
    """Version 2 published, a draft in review, a pending Spanish catalog."""
    seed_work(db_path)
    return db_path


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
    page = ws.get("/workspace/dashboard").text
    assert "Draft 2 of" in page and 'href="/workspace/drafts/2/review"' in page
    # ben reviews source text only: the Spanish catalog is shown, its review disabled.
    assert 'aria-disabled="true"' in page
    assert "&#39;ben&#39; is not scoped to locale &#39;es&#39;" in page
    assert "1 stale entry" in page  # version 2 made one translation of each locale stale


def test_the_spanish_reviewer_may_review_the_catalog_not_the_draft(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["es-reviewer"])
    page = ws.get("/workspace/dashboard").text
    assert 'href="/workspace/catalogs/es/review"' in page
    assert "you review translations into es, not source text" in page
    assert 'href="/workspace/drafts/2/review"' not in page


def test_the_article_side_by_side_with_fallback_and_stale_marks(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["editor"])
    page = ws.get(ARTICLE, params={"locale": "ar"}).text
    assert 'lang="ar" dir="rtl"' in page  # Arabic blocks run right to left
    assert "fallback: en" in page  # untranslated Arabic blocks come in English
    section, block = CHANGED
    row = page[page.index(f'<span class="meta">{block}</span>', page.index(f"({section})")) :]
    assert "mark-stale" in row[: row.index('<div role="row"')]
    spanish = ws.get(ARTICLE, params={"locale": "es", "version": 1}).text
    assert "Version 1 of 2" in spanish and "mark-stale" not in spanish
    assert ws.get(ARTICLE, params={"locale": "xx"}).status_code == 400
    assert ws.get(ARTICLE, params={"version": 9}).status_code == 404


def test_history_lists_authors_and_reviewers_and_diffs_any_two(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["editor"])
    page = ws.get(HISTORY).text
    assert "<td>ana</td>" in page and "<td>ben</td>" in page
    diff = ws.get(HISTORY, params={"from": 1, "to": 2}).text
    assert re.search(r"<del><span class=\"visually-hidden\">\[removed: </span>differs from", diff)
    assert re.search(r"<ins><span class=\"visually-hidden\">\[added: </span>is unlike", diff)
    assert ws.get(HISTORY, params={"from": 2, "to": 2}).status_code == 400


ROLLBACK = f"{ARTICLE}/rollback"


def _rollback_form(ws: Client) -> tuple[str, str]:
    """The rollback page to version 1: its text, and the head's ETag its form sends."""
    page = ws.get(ROLLBACK, params={"to": 1})
    assert page.status_code == 200, page.text
    etag = re.search(r'name="etag" value="([^"]+)"', page.text)
    assert etag is not None
    return page.text, etag.group(1).replace("&#34;", '"')


def test_a_rollback_request_shows_what_it_reverts_asks_why_and_opens_a_review(
    seeded: Path, ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    csrf = sign_in(ws, tokens["editor"])
    assert f'href="{ROLLBACK}?to=1"' in ws.get(HISTORY).text
    page, etag = _rollback_form(ws)
    # Before the button: the version it undoes (its message, who wrote and reviewed it) and
    # the word diff against the head.
    reverted = page[
        page.index('id="reverts-2"') : page.index("</li>", page.index('id="reverts-2"'))
    ]
    assert "ana" in reverted and "ben" in reverted and " › ".join(CHANGED) in reverted
    assert page.index('id="reverts-2"') < page.index("Request the rollback</button>")
    assert re.search(r"<del><span class=\"visually-hidden\">\[removed: </span>is unlike", page)
    before = len(_drafts(db_path))
    for reason in ("", "   "):
        refused = ws.post(
            ROLLBACK,
            data={"_csrf_token": csrf, "to_version": "1", "etag": etag, "reason": reason},
        )
        assert refused.status_code == 422
        assert 'aria-invalid="true" aria-describedby="reason-error"' in refused.text
        assert "Say why you roll back" in refused.text
    policy = ws.post(
        ROLLBACK,
        data={"_csrf_token": csrf, "to_version": "1", "etag": etag, "reason": "x\u202ey"},
    )
    assert policy.status_code == 422 and "bidi control character U+202E" in policy.text
    assert ">x\u202ey</textarea>" in policy.text, "what was typed is kept"
    assert len(_drafts(db_path)) == before
    response = ws.post(
        ROLLBACK,
        data={"_csrf_token": csrf, "to_version": "1", "etag": etag, "reason": "Wrong wording"},
    )
    assert response.status_code == 200 and "Rollback to version 1 requested" in response.text
    assert "Published versions it undoes" in response.text, "the review lists them too"
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
        ("translator", "role &#39;translator&#39; may not article.rollback"),
    ],
)
def test_a_refused_rollback_is_disabled_and_refused_by_the_server(
    seeded: Path, ws: Client, tokens: dict[str, str], db_path: Path, part: str, reason: str
) -> None:
    csrf = sign_in(ws, tokens[part])
    page = ws.get(HISTORY).text
    assert reason in page and 'name="to_version"' not in page
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
    dashboard = ws.get("/workspace/dashboard").text
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
    secret = re.search(r'<code id="secret-value">(vt_\d+_[\w-]+)</code>', created.text)
    assert secret is not None
    again = ws.get("/workspace/admin").text
    assert "nuria" in again and secret.group(1) not in again
    audit = ws.get("/workspace/admin/audit", params={"action": "token.create", "actor": "root"})
    assert "tokens/nuria" in audit.text
    # The new token works for the API at once.
    api = ws.get("/v1/manage/catalogs/es", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert api.status_code != 401
    duplicate = ws.post(
        "/workspace/admin/tokens",
        data={"_csrf_token": csrf, "name": "nuria", "role": "editor", "locales": ""},
    )
    assert duplicate.status_code == 409 and "exists" in duplicate.text


def test_revoking_asks_first_then_ends_the_token(
    ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    csrf = sign_in(ws, tokens["admin"])
    confirm = ws.get("/workspace/admin/tokens/ana/revoke")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    assert csrf_of(confirm.text) == csrf
    response = ws.post("/workspace/admin/tokens/ana/revoke", data={"_csrf_token": csrf})
    assert response.status_code == 200 and "Token ana is revoked." in response.text
    api = ws.get("/v1/manage/drafts", headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert api.status_code == 401
    audit = ws.get("/workspace/admin/audit", params={"target": "tokens/ana"}).text
    assert "token.revoke" in audit and "root" in audit


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
    page = ws.get("/workspace/admin/refusals", params={"actor": "lucia"}).text
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
