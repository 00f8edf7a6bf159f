"""Signing in and out of the workspace over HTTP with the real app: the token exchange,
the session cookie's flags, expiry, revocation, the failed sign-in limit and CSRF."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.config import Settings
from api.core.limits import Rate
from api.store.accounts import revoke_token
from api.store.schema import open_database
from api.web.app import create_app
from tests.workspace.pages import parse, text_of
from tests.workspace.people import csrf_of, sign_in

Client = TestClient[Any]


def _cookie_header(response: Any, name: str) -> str:
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith(name + "=")]
    assert found, response.headers
    return found[0]


def test_signing_in_exchanges_the_token_for_a_session_cookie(
    ws: Client, tokens: dict[str, str]
) -> None:
    form = ws.get("/workspace/")
    page = parse(form.text)
    assert page.one('input[name="token"]').get("id") == page.one('label[for="token"]').get("for")
    response = ws.post(
        "/workspace/sign-in",
        data={"token": tokens["editor"], "_csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/workspace/dashboard"
    cookie = _cookie_header(response, "vetted_session")
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/workspace"} <= flags
    assert any(f.startswith("max-age=") and int(f.split("=")[1]) > 0 for f in flags)
    assert "secure" not in flags  # plain HTTP here: Secure only over HTTPS
    assert tokens["editor"] not in cookie
    page = ws.get("/workspace/dashboard")
    assert page.status_code == 200
    assert "ana" in text_of(page.text)


def test_the_cookie_is_secure_over_https(db_path: Path, tokens: dict[str, str]) -> None:
    with TestClient(create_app(db_path), base_url="https://testserver.local") as client:
        form = client.get("/workspace/")
        response = client.post(
            "/workspace/sign-in",
            data={"token": tokens["editor"], "_csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
        assert "secure" in _cookie_header(response, "vetted_session").lower()


def test_a_signed_in_browser_skips_the_form_and_goes_where_it_was_sent(
    ws: Client, tokens: dict[str, str]
) -> None:
    sign_in(ws, tokens["editor"])
    again = ws.get("/workspace/?next=/workspace/dashboard", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/workspace/dashboard"
    for target in ("https://evil.example/", "//evil.example/x", "/workspace/../v1/x", "/v1/x"):
        elsewhere = ws.get("/workspace/", params={"next": target}, follow_redirects=False)
        assert elsewhere.headers["location"] == "/workspace/dashboard", target


def test_without_a_session_pages_send_the_browser_to_sign_in(ws: Client) -> None:
    response = ws.get("/workspace/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/workspace/?next=/workspace/dashboard"


def test_a_bad_token_is_refused_with_the_form_again(ws: Client) -> None:
    form = ws.get("/workspace/")
    response = ws.post(
        "/workspace/sign-in",
        data={"token": "vt_1_not-the-secret-at-all-no", "_csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 401
    assert "not valid" in parse(response.text).one('[role="alert"]').text
    assert "vetted_session" not in response.headers.get("set-cookie", "")


def test_failed_sign_ins_share_the_apis_limit(db_path: Path, tokens: dict[str, str]) -> None:
    settings = Settings(db=str(db_path), rate_limit_auth_failures=Rate(limit=3, seconds=60))
    with TestClient(create_app(db_path, settings)) as client:
        csrf = csrf_of(client.get("/workspace/").text)
        for _ in range(2):
            bad = {"token": "vt_1_wrong-wrong-wrong-wrong", "_csrf_token": csrf}
            assert client.post("/workspace/sign-in", data=bad).status_code == 401
        # The API's bearer failures count in the same window, per address.
        assert client.get("/v1/manage/drafts").status_code == 401
        limited = client.post(
            "/workspace/sign-in", data={"token": tokens["editor"], "_csrf_token": csrf}
        )
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        api = client.get(
            "/v1/manage/drafts", headers={"Authorization": f"Bearer {tokens['editor']}"}
        )
        assert api.status_code == 429


def test_signing_out_ends_the_session_on_the_server(ws: Client, tokens: dict[str, str]) -> None:
    csrf = sign_in(ws, tokens["editor"])
    session = ws.cookies["vetted_session"]
    response = ws.post("/workspace/sign-out", data={"_csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert "max-age=0" in _cookie_header(response, "vetted_session").lower()
    # The old cookie, replayed, no longer opens anything.
    ws.cookies.set("vetted_session", session, path="/workspace")
    assert ws.get("/workspace/dashboard", follow_redirects=False).status_code == 303
    assert "signed out" in text_of(ws.get("/workspace/").text)


def test_an_idle_session_expires(db_path: Path, tokens: dict[str, str]) -> None:
    settings = Settings(db=str(db_path), session_idle_timeout=1)
    with TestClient(create_app(db_path, settings)) as client:
        sign_in(client, tokens["editor"])
        time.sleep(1.1)
        response = client.get("/workspace/dashboard", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/workspace/?next=")


def test_revoking_the_token_ends_its_sessions(
    ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    sign_in(ws, tokens["editor"])
    db = open_database(db_path)
    revoke_token(db, "ana")
    assert db.execute("SELECT count(*) FROM sessions WHERE token_name = 'ana'").fetchone()[0] == 0
    db.conn.close()
    assert ws.get("/workspace/dashboard", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({}, None),  # no token at all
        ({}, "not-the-token"),
        ({"Origin": "https://evil.example"}, "good"),
        ({"Sec-Fetch-Site": "cross-site"}, "good"),
    ],
)
def test_a_form_without_its_csrf_token_or_from_elsewhere_is_refused(
    ws: Client, tokens: dict[str, str], headers: dict[str, str], field: str | None
) -> None:
    csrf = sign_in(ws, tokens["editor"])
    data = {} if field is None else {"_csrf_token": csrf if field == "good" else field}
    response = ws.post("/workspace/sign-out", data=data, headers=headers)
    assert response.status_code == 403
    assert "cannot be accepted" in text_of(response.text)
    assert ws.get("/workspace/dashboard", follow_redirects=False).status_code == 200


def test_the_sign_in_form_is_protected_too(ws: Client, tokens: dict[str, str]) -> None:
    ws.get("/workspace/")
    response = ws.post("/workspace/sign-in", data={"token": tokens["editor"]})
    assert response.status_code == 403
    assert "vetted_session" not in ws.cookies


def test_only_a_hash_of_the_session_id_is_stored(
    ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    sign_in(ws, tokens["editor"])
    session = ws.cookies["vetted_session"]
    db = open_database(db_path)
    stored = [r[0] for r in db.execute("SELECT id_hash FROM sessions")]
    db.conn.close()
    assert len(stored) == 1 and session not in stored[0] and len(stored[0]) == 64


def test_signing_in_clears_expired_sessions(db_path: Path, tokens: dict[str, str]) -> None:
    settings = Settings(db=str(db_path), session_idle_timeout=600)
    app = create_app(db_path, settings)
    with TestClient(app) as first:
        sign_in(first, tokens["editor"])
        # The first browser's session expires unseen: last seen longer ago than the idle
        # timeout (set in the table, so a slow machine cannot expire the second one too).
        db = open_database(db_path)
        db.execute("UPDATE sessions SET seen_at = seen_at - 601, created_at = created_at - 601")
        db.conn.commit()
        db.conn.close()
        first.cookies.clear()
        sign_in(first, tokens["reviewer"])
    db = open_database(db_path)
    names = [r[0] for r in db.execute("SELECT token_name FROM sessions")]
    db.conn.close()
    assert names == ["ben"]


def test_the_cookie_is_secure_behind_a_tls_proxy_that_hsts_announces(
    db_path: Path, tokens: dict[str, str]
) -> None:
    settings = Settings(db=str(db_path), hsts_max_age=31536000)
    with TestClient(create_app(db_path, settings)) as client:
        form = client.get("/workspace/")
        assert "secure" in _cookie_header(form, "vetted_signin").lower()


def _set_cookies(response: Any) -> dict[str, set[str]]:
    """Each cookie the response sets or clears, and its flags."""
    out = {}
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        out[name] = {part.strip().lower().split("=")[0] for part in rest.split(";")[1:]}
    return out


def test_behind_a_tls_terminator_forms_come_from_the_public_origin(
    db_path: Path, tokens: dict[str, str]
) -> None:
    """The app sees plain HTTP (as behind any TLS terminator); the browser is at the
    configured public origin, so its forms are accepted and every cookie is Secure (D2)."""
    settings = Settings(db=str(db_path), public_origin="https://cms.example")
    public = {"Origin": "https://cms.example", "Sec-Fetch-Site": "same-origin"}
    with TestClient(create_app(db_path, settings)) as client:
        form = client.get("/workspace/")
        assert "secure" in _set_cookies(form)["vetted_signin"]
        # Set by hand: the client's jar keeps Secure cookies from this plain-HTTP app.
        signin = {"Cookie": f"vetted_signin={form.cookies['vetted_signin']}"}
        data = {"token": tokens["editor"], "_csrf_token": csrf_of(form.text)}
        for own_view in ("http://testserver.local", "https://testserver.local"):
            refused = client.post(
                "/workspace/sign-in",
                data=data,
                headers={**public, "Origin": own_view, **signin},
            )
            assert refused.status_code == 403, own_view
        signed_in = client.post(
            "/workspace/sign-in",
            data=data,
            headers={**public, **signin},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
        flags = _set_cookies(signed_in)
        assert {"vetted_session", "vetted_signin"} <= flags.keys()
        session = {"Cookie": f"vetted_session={signed_in.cookies['vetted_session']}"}
        page = client.get("/workspace/dashboard", headers=session)
        out = client.post(
            "/workspace/sign-out",
            data={"_csrf_token": csrf_of(page.text)},
            headers={**public, **session},
            follow_redirects=False,
        )
        assert out.status_code == 303
        flags |= _set_cookies(out)
        assert {"vetted_session", "vetted_signin", "vetted_flash"} <= flags.keys()
        for name, cookie in flags.items():
            assert {"secure", "httponly", "samesite"} <= cookie, name


@pytest.mark.parametrize(
    "origin", ["https://cms.example", "https://testserver.local", "http://cms.example"]
)
def test_forwarded_headers_from_a_peer_not_configured_as_a_proxy_are_ignored(
    db_path: Path, tokens: dict[str, str], origin: str
) -> None:
    """Any client can write X-Forwarded-Proto and X-Forwarded-Host: without
    --trusted-proxies naming its address, they change neither the origin nor the cookie."""
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cms.example"}
    settings = Settings(db=str(db_path), trusted_proxies=("10.0.0.0/8",))
    with TestClient(create_app(db_path, settings)) as client:
        form = client.get("/workspace/", headers=forged)
        assert "secure" not in _set_cookies(form)["vetted_signin"]
        data = {"token": tokens["editor"], "_csrf_token": csrf_of(form.text)}
        refused = client.post("/workspace/sign-in", data=data, headers={**forged, "Origin": origin})
        assert refused.status_code == 403
        own = client.post(
            "/workspace/sign-in",
            data=data,
            headers={**forged, "Origin": "http://testserver.local"},
            follow_redirects=False,
        )
        assert own.status_code == 303
        assert "secure" not in _set_cookies(own)["vetted_session"]
