"""Nothing typed is lost when a session ends (issue 25, point 2; workspace walk finding 2),
over HTTP with the real app: a section sent after the session expired, was signed out or
lost its token is kept for its person, shown again after they sign in (with a new CSRF
token, never saved by itself), and only to them; cross-site and oversized forms are not
kept, and kept forms expire."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient

from api.config import Settings
from api.core.model import walk_sections
from api.store.accounts import create_token, revoke_token
from api.store.drafts import get_draft, list_drafts
from api.store.kept_forms import KEEP_SECONDS, keep_form, remember_sign_in, take_kept_form
from api.store.schema import open_database
from api.web.app import create_app
from api.web.workspace.forms import SECTION_FORM
from tests.conftest import SLUG
from tests.workspace.pages import block_index, form_values, unescape
from tests.workspace.people import csrf_of

Client = TestClient[Any]
SECTION = "process/treatment-procedure"
EDITOR = f"/workspace/articles/{SLUG}/edit/{SECTION}"
TYPED = "Ask about pregnancy before any session; typed before the session ended."
NOTICE = "Your session had expired; your changes were kept — check them and send again."


@pytest.fixture()
def browser(db_path: Path, tokens: dict[str, str]) -> Iterator[Client]:
    """One browser (one cookie jar) on the real app, with a short idle timeout."""
    settings = Settings(db=str(db_path), session_idle_timeout=2)
    with TestClient(create_app(db_path, settings)) as client:
        yield client


def _sign_in(client: Client, secret: str, next_page: str = "") -> Any:
    form = client.get("/workspace/")
    response = client.post(
        "/workspace/sign-in",
        data={"token": secret, "_csrf_token": csrf_of(form.text), "next": next_page},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response


def _typed(client: Client) -> dict[str, str]:
    """The editor's form with a change typed into it, as the browser would send it."""
    page = client.get(EDITOR)
    assert page.status_code == 200, page.text
    values = form_values(page.text)
    p5 = block_index(values, "p5")
    values[f"block-{p5}-text"] += " " + TYPED
    values["message"] = "Pregnancy question before a session"
    return {**values, "do": "save"}


def _send_without_session(client: Client, values: dict[str, str], **headers: str) -> str:
    """Send the form; it must go to the sign-in page. Where the sign-in page leads next."""
    sent = client.post(EDITOR, data=values, headers=headers, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    location = urlsplit(sent.headers["location"])
    assert location.path == "/workspace/"
    return parse_qs(location.query)["next"][0]


def _drafts(db_path: Path) -> int:
    db = open_database(db_path)
    try:
        return len(list_drafts(db))
    finally:
        db.conn.close()


def _ana_again(db_path: Path) -> str:
    """A new token for ana (her first was revoked)."""
    db = open_database(db_path)
    try:
        return create_token(db, name="ana-2", person="ana")[1]
    finally:
        db.conn.close()


@pytest.mark.parametrize("ending", ["expired", "signed out", "token revoked"])
def test_a_form_sent_after_the_session_ended_is_shown_again_and_saved_only_when_sent(
    browser: Client, tokens: dict[str, str], db_path: Path, ending: str
) -> None:
    _sign_in(browser, tokens["editor"])
    values = _typed(browser)
    old_csrf = values["_csrf_token"]
    if ending == "expired":
        time.sleep(2.2)  # the idle timeout, for real
        secret = tokens["editor"]
    elif ending == "signed out":  # in another tab
        browser.post("/workspace/sign-out", data={"_csrf_token": old_csrf})
        secret = tokens["editor"]
    else:
        db = open_database(db_path)
        revoke_token(db, "ana")
        db.conn.close()
        secret = _ana_again(db_path)

    next_page = _send_without_session(browser, values)
    assert next_page == EDITOR  # the page being edited, not the dashboard
    signin = browser.get("/workspace/", params={"next": next_page})
    assert "What you typed is kept" in unescape(signin.text)
    assert _drafts(db_path) == 0

    signed = _sign_in(browser, secret, next_page)
    assert signed.headers["location"] == EDITOR
    assert _drafts(db_path) == 0  # never saved by itself
    shown = browser.get(EDITOR)
    text = unescape(shown.text)
    assert NOTICE in text and TYPED in text
    again = form_values(shown.text)
    assert again["message"] == "Pregnancy question before a session"
    assert again["_csrf_token"] != old_csrf
    # Shown once: a reload shows the article as stored.
    assert TYPED not in unescape(browser.get(EDITOR).text)

    # The old page's token does not send it: the new session's does.
    refused = browser.post(EDITOR, data=values, follow_redirects=False)
    assert refused.status_code == 403
    saved = browser.post(EDITOR, data={**again, "do": "save"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    db = open_database(db_path)
    (draft,) = list_drafts(db)
    _, article = get_draft(db, draft.id)
    section = next(s for s in walk_sections(article.sections) if s.id == SECTION)
    assert any(TYPED in getattr(block, "text", "") for block in section.blocks)
    assert draft.author == "ana"


def test_a_kept_form_is_not_shown_to_another_person_on_the_same_browser(
    browser: Client, tokens: dict[str, str], db_path: Path
) -> None:
    _sign_in(browser, tokens["editor"])
    values = _typed(browser)
    browser.post("/workspace/sign-out", data={"_csrf_token": values["_csrf_token"]})
    _send_without_session(browser, values)

    # Someone else signs in with the same browser (its cookies): nothing of ana's.
    _sign_in(browser, tokens["admin"], EDITOR)
    theirs = unescape(browser.get(EDITOR).text)
    assert TYPED not in theirs and NOTICE not in theirs
    # ...and ana, signing in again on it, still finds her form.
    csrf = csrf_of(browser.get("/workspace/dashboard").text)
    browser.post("/workspace/sign-out", data={"_csrf_token": csrf})
    _sign_in(browser, tokens["editor"], EDITOR)
    assert TYPED in unescape(browser.get(EDITOR).text)


def test_forms_from_another_site_or_over_their_bounds_are_not_kept(
    browser: Client, tokens: dict[str, str]
) -> None:
    _sign_in(browser, tokens["editor"])
    values = _typed(browser)
    browser.post("/workspace/sign-out", data={"_csrf_token": values["_csrf_token"]})

    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        _send_without_session(browser, values, **headers)
        assert "was not saved" in unescape(browser.get("/workspace/").text)
    too_many = {**values, **{f"x{n}": "1" for n in range(SECTION_FORM.max_fields)}}
    _send_without_session(browser, too_many)
    assert "was not saved" in unescape(browser.get("/workspace/").text)
    too_big = {**values, "message": "x" * SECTION_FORM.max_bytes}
    _send_without_session(browser, too_big)
    assert "was not saved" in unescape(browser.get("/workspace/").text)

    _sign_in(browser, tokens["editor"], EDITOR)
    page = unescape(browser.get(EDITOR).text)
    assert TYPED not in page and NOTICE not in page


def test_a_form_sent_elsewhere_returns_to_the_page_it_was_sent_from(
    browser: Client, tokens: dict[str, str]
) -> None:
    """`next` is the page being edited (its address, as our pages send it), never another
    site's or outside the workspace."""
    _sign_in(browser, tokens["editor"])
    csrf = csrf_of(browser.get("/workspace/dashboard").text)
    browser.post("/workspace/sign-out", data={"_csrf_token": csrf})
    base = "http://testserver.local"
    cases = {
        f"{base}/workspace/drafts/7?tab=2": "/workspace/drafts/7?tab=2",
        f"{base}/v1/manage/drafts": "/workspace/dashboard",
        "": "/workspace/dashboard",
    }
    for referer, expected in cases.items():
        sent = browser.post(
            "/workspace/drafts/7/withdraw",
            data={"_csrf_token": csrf, "comment": "x"},
            headers={"Referer": referer} if referer else {},
            follow_redirects=False,
        )
        next_page = parse_qs(urlsplit(sent.headers["location"]).query)["next"][0]
        assert next_page == expected, referer
    # Whatever `next` says, the sign-in page only leads inside the workspace.
    sent = browser.post(
        "/workspace/drafts/7/withdraw",
        data={"_csrf_token": csrf},
        headers={"Referer": f"{base}/workspace/../v1/x"},
        follow_redirects=False,
    )
    next_page = parse_qs(urlsplit(sent.headers["location"]).query)["next"][0]
    assert _sign_in(browser, tokens["editor"], next_page).headers["location"] == (
        "/workspace/dashboard"
    )


def test_kept_forms_expire_and_keepers_are_forgotten(db_path: Path) -> None:
    db = open_database(db_path)
    fields = [("message", "typed")]
    remember_sign_in(db, "browser", "ana", now=1_000, window=100)
    assert keep_form(db, "browser", path="/p", fields=fields, now=1_050, window=100)
    assert take_kept_form(db, "browser", person="ana", path="/p", now=1_050 + KEEP_SECONDS) is None
    # A browser whose last sign-in is older than the window keeps nothing.
    assert not keep_form(db, "browser", path="/p", fields=fields, now=1_100, window=100)
    assert not keep_form(db, "unknown", path="/p", fields=fields, now=1_000, window=100)
    # Kept, it is given to its person on its page, once.
    remember_sign_in(db, "browser", "ana", now=2_000, window=100)
    assert keep_form(db, "browser", path="/p", fields=fields, now=2_010, window=100)
    assert take_kept_form(db, "browser", person="ben", path="/p", now=2_020) is None
    assert take_kept_form(db, "browser", person="ana", path="/q", now=2_020) is None
    assert take_kept_form(db, "browser", person="ana", path="/p", now=2_020) == {"message": "typed"}
    assert take_kept_form(db, "browser", person="ana", path="/p", now=2_020) is None
    # Another sign-in sweeps what has expired.
    assert keep_form(db, "browser", path="/p", fields=fields, now=2_030, window=100)
    remember_sign_in(db, "other", "ben", now=2_030 + KEEP_SECONDS + 100, window=100)
    rows = db.execute("SELECT browser_hash, person, fields FROM kept_forms").fetchall()
    assert [(person, kept) for _, person, kept in rows] == [("ben", None)]


def test_a_record_sent_after_the_session_ended_is_shown_again(
    browser: Client, tokens: dict[str, str]
) -> None:
    _sign_in(browser, tokens["editor"])
    url = f"/workspace/articles/{SLUG}/records/minoxidil"
    page = browser.get(url)
    read = re.search(r'name="read" value="([^"]+)"', page.text)
    assert read is not None
    csrf = csrf_of(page.text)
    typed = {
        **form_values(page.text, "record-form"),
        "_csrf_token": csrf,
        "read": unescape(read.group(1)),
        "kind-0-quote": "oral minoxidil products",
        "message": "Quote the oral products",
    }
    browser.post("/workspace/sign-out", data={"_csrf_token": csrf})
    sent = browser.post(url, data=typed, follow_redirects=False)
    assert parse_qs(urlsplit(sent.headers["location"]).query)["next"][0] == url
    _sign_in(browser, tokens["editor"], url)
    shown = unescape(browser.get(url).text)
    assert NOTICE in shown
    assert ">oral minoxidil products</textarea>" in shown
    assert 'value="Quote the oral products"' in shown


def test_a_rejection_comment_sent_after_the_session_ended_is_shown_again(
    browser: Client, tokens: dict[str, str], db_path: Path
) -> None:
    with TestClient(create_app(db_path)) as editor:
        _sign_in(editor, tokens["editor"])
        saved = editor.post(EDITOR, data=_typed(editor), follow_redirects=False)
        draft_id = int(saved.headers["location"].rsplit("/", 1)[1])
        page = editor.get(f"/workspace/drafts/{draft_id}")
        etag = re.search(r'name="etag" value="([^"]+)"', page.text)
        assert etag is not None
        sent = editor.post(
            f"/workspace/drafts/{draft_id}/submit",
            data={"_csrf_token": csrf_of(page.text), "etag": unescape(etag.group(1))},
            follow_redirects=False,
        )
        assert sent.status_code == 303
    review = f"/workspace/drafts/{draft_id}/review"
    _sign_in(browser, tokens["reviewer"])
    csrf = csrf_of(browser.get(review).text)
    browser.post("/workspace/sign-out", data={"_csrf_token": csrf})
    comment = "Cite the pregnancy guidance you relied on; the caution needs a source."
    rejected = browser.post(
        f"/workspace/drafts/{draft_id}/reject",
        data={"_csrf_token": csrf, "comment": comment},
        follow_redirects=False,
    )
    assert parse_qs(urlsplit(rejected.headers["location"]).query)["next"][0] == review
    _sign_in(browser, tokens["reviewer"], review)
    shown = unescape(browser.get(review).text)
    assert NOTICE in shown and f">{comment}</textarea>" in shown
    db = open_database(db_path)
    (draft,) = list_drafts(db)
    assert draft.status == "in_review"  # shown again, not sent


def test_signing_out_of_an_ended_session_says_nothing_of_forms(
    browser: Client, tokens: dict[str, str]
) -> None:
    _sign_in(browser, tokens["editor"])
    csrf = csrf_of(browser.get("/workspace/dashboard").text)
    time.sleep(2.2)  # the idle timeout
    out = browser.post("/workspace/sign-out", data={"_csrf_token": csrf}, follow_redirects=False)
    assert out.headers["location"] == "/workspace/?next=/workspace/dashboard"
    assert "not saved" not in unescape(browser.get("/workspace/").text)
