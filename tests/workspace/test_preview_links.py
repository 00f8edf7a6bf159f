"""Preview links in-process with the real app over the seeded database (issue 25 point 7,
workspace walk "Preview"): a link shows one draft revision to someone without an account,
with headers that keep it out of caches, search engines and referrers; every view is
audited; it stops working when it expires, when it is revoked and when the draft is
saved again; only people who may share a draft can make or revoke one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from msgspec.structs import replace

from api.core.access import Principal
from api.core.errors import Forbidden
from api.core.model import Paragraph
from api.store.audit import list_audit
from api.store.drafts import get_draft, update_draft
from api.store.previews import create_preview_link
from api.store.schema import open_database
from tests.workspace.pages import parse
from tests.workspace.people import sign_in
from tests.workspace.seed import EDITED_P1, person

Client = TestClient[Any]
DRAFT = 2  # the seeded draft in review: the introduction's first paragraph reworded
_LINK = re.compile(r'<code id="link-value">[^<]*(/preview/[^<]+)</code>')


def _share(ws: Client, csrf: str, locale: str = "es", days: str = "3") -> str:
    response = ws.post(
        f"/workspace/drafts/{DRAFT}/preview-links",
        data={
            "_csrf_token": csrf,
            "locale": locale,
            "recipient": "Dr Ruiz (dermatology)",
            "days": days,
        },
    )
    assert response.status_code == 201, response.text
    found = _LINK.search(response.text)
    assert found, "the new link is shown once"
    return found.group(1)


def _views(db_path: Path, action: str = "preview.view") -> int:
    db = open_database(db_path)
    try:
        return len(list_audit(db, action=action, target=f"drafts/{DRAFT}/previews").entries)
    finally:
        db.conn.close()


def test_a_link_shows_the_draft_with_headers_that_keep_it_private(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    csrf = sign_in(ws, tokens["editor"])
    link = _share(ws, csrf)
    ws.cookies.clear()  # the clinician has no session
    response = ws.get(link)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-robots-tag"] == "noindex, nofollow, noarchive"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "same-origin" not in response.headers.get_list("referrer-policy")
    page = parse(response.text)
    assert page.select('meta[name="robots"]')[0].attrs["content"].startswith("noindex")
    assert page.select('meta[name="referrer"]')[0].attrs["content"] == "no-referrer"
    # The draft's words, in Spanish where translated (this paragraph is new: English).
    assert EDITED_P1 in page.text
    assert page.select('article[lang="es"]')
    assert "Shared with Dr Ruiz (dermatology) by ana" in page.text
    assert _views(seeded) == 1
    ws.get(link)
    assert _views(seeded) == 2


def test_an_unknown_link_says_nothing_and_is_not_cached(seeded: Path, ws: Client) -> None:
    response = ws.get("/preview/" + "x" * 43)
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-robots-tag"].startswith("noindex")
    assert "This preview link is not valid." in parse(response.text).text


def test_a_revoked_link_stops_at_once(seeded: Path, ws: Client, tokens: dict[str, str]) -> None:
    csrf = sign_in(ws, tokens["reviewer"])
    link = _share(ws, csrf)
    assert ws.get(link).status_code == 200
    page = ws.get(f"/workspace/drafts/{DRAFT}/preview?locale=es")
    revoke = re.search(r'action="(/workspace/preview-links/\d+/revoke)"', page.text)
    assert revoke
    done = ws.post(revoke.group(1), data={"_csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    gone = ws.get(link)
    assert gone.status_code == 410
    assert gone.headers["cache-control"] == "no-store"
    assert "This preview link was revoked." in parse(gone.text).text
    assert _views(seeded, "preview.refused") == 1
    listed = parse(ws.get(f"/workspace/drafts/{DRAFT}/preview").text).text
    assert "revoked by ben" in listed


def test_a_link_expires(seeded: Path, ws: Client, tokens: dict[str, str]) -> None:
    csrf = sign_in(ws, tokens["editor"])
    link = _share(ws, csrf, days="1")
    assert ws.get(link).status_code == 200
    db = open_database(seeded)
    try:  # a day has passed: the link's expiry is now in the past
        db.execute("UPDATE preview_links SET expires_at = '2000-01-01T00:00:00Z'")
    finally:
        db.conn.close()
    gone = ws.get(link)
    assert gone.status_code == 410
    assert "This preview link has expired." in parse(gone.text).text


def test_a_link_is_bound_to_the_draft_revision_it_was_made_for(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    csrf = sign_in(ws, tokens["editor"])
    link = _share(ws, csrf)
    assert ws.get(link).status_code == 200
    db = open_database(seeded)
    try:
        draft, article = get_draft(db, DRAFT)
        intro = article.sections[0]
        first = intro.blocks[0]
        assert isinstance(first, Paragraph)
        edited = replace(first, text=first.text + " Revised.")
        revised = replace(
            article,
            sections=(replace(intro, blocks=(edited, *intro.blocks[1:])), *article.sections[1:]),
        )
        update_draft(db, person("editor"), DRAFT, draft.etag, revised, "Revise after feedback")
    finally:
        db.conn.close()
    gone = ws.get(link)
    assert gone.status_code == 410
    assert "The draft has changed since this link was made" in parse(gone.text).text
    assert "Revised." not in gone.text


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"recipient": "", "days": "3"}, "must name who the link is for"),
        ({"recipient": "Dr Ruiz", "days": "365"}, "must be one of 1, 3, 7, 14 days"),
        ({"recipient": "Dr Ruiz", "days": "3", "locale": "xx"}, "'xx' is not served"),
    ],
)
def test_a_link_is_refused_with_the_reason_at_its_field(
    seeded: Path, ws: Client, tokens: dict[str, str], fields: dict[str, str], said: str
) -> None:
    csrf = sign_in(ws, tokens["editor"])
    response = ws.post(
        f"/workspace/drafts/{DRAFT}/preview-links",
        data={"_csrf_token": csrf, "locale": "es", **fields},
    )
    assert response.status_code in (400, 422), response.text
    assert said in parse(response.text).text
    assert "/preview/" not in response.text


def test_only_people_who_may_share_make_links(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    db = open_database(seeded)
    try:
        with pytest.raises(Forbidden):
            create_preview_link(
                db, person("translator"), DRAFT, locale="es", recipient="Dr Ruiz", days=3
            )
        with pytest.raises(Forbidden):
            create_preview_link(
                db,
                Principal(name="x", role="translator"),
                DRAFT,
                locale="es",
                recipient="x",
                days=3,
            )
    finally:
        db.conn.close()
    csrf = sign_in(ws, tokens["translator"])
    response = ws.post(
        f"/workspace/drafts/{DRAFT}/preview-links",
        data={"_csrf_token": csrf, "locale": "es", "recipient": "Dr Ruiz", "days": "3"},
    )
    assert response.status_code == 403
