"""Workspace form bodies are bounded per route before they are parsed: the security probe
of 2026-12-07, D4 (a sign-in form of 1.2 million fields kept a worker's event loop busy
for a second, with no token needed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient

from api.config import Settings
from api.core.limits import Rate
from api.web.app import create_app
from api.web.bodies import FORM_BOUNDS, FormBounds
from api.web.workspace.csrf import check_csrf
from api.web.workspace.forms import SIGN_IN_FORM
from tests.workspace.people import csrf_of, sign_in

Client = TestClient[Any]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _probe_body(csrf: str, size: int = 4_900_000) -> bytes:
    """The probe's body: a valid token, a bad API token, then `a=1` until `size` bytes."""
    head = f"_csrf_token={csrf}&token=bad".encode()
    return head + b"&a=1" * ((size - len(head)) // 4)


@pytest.fixture()
def limited(db_path: Path) -> Iterator[Client]:
    """The app with a failed sign-in limit of 1 a minute: a sign-in whose token was ever
    checked, and failed, makes the next one 429."""
    settings = Settings(db=str(db_path), rate_limit_auth_failures=Rate(limit=1, seconds=60))
    with TestClient(create_app(db_path, settings)) as client:
        yield client


def _token_was_never_checked(client: Client, csrf: str) -> None:
    # Had the probe's `token=bad` been read and checked, this address would be over its
    # limit of one failure: this bad sign-in would be 429, not 401.
    again = client.post("/workspace/sign-in", data={"token": "bad", "_csrf_token": csrf})
    assert again.status_code == 401


def test_the_probes_sign_in_body_is_refused_before_it_is_parsed(limited: Client) -> None:
    csrf = csrf_of(limited.get("/workspace/").text)
    body = _probe_body(csrf)
    assert body.count(b"&") + 1 > 1_200_000 and len(body) > 4_800_000
    response = limited.post("/workspace/sign-in", content=body, headers=FORM)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "larger than its limit of 2048 bytes" in response.text
    _token_was_never_checked(limited, csrf)


def test_a_small_body_of_many_fields_is_refused_by_counting_them(limited: Client) -> None:
    csrf = csrf_of(limited.get("/workspace/").text)
    body = _probe_body(csrf, SIGN_IN_FORM.max_bytes)
    assert len(body) <= SIGN_IN_FORM.max_bytes
    response = limited.post("/workspace/sign-in", content=body, headers=FORM)
    assert response.status_code == 413
    assert f"at most 4 fields; {body.count(b'&') + 1} were sent" in response.text
    _token_was_never_checked(limited, csrf)


def test_a_chunked_body_is_counted_as_it_arrives(limited: Client) -> None:
    csrf = csrf_of(limited.get("/workspace/").text)
    body = _probe_body(csrf, 500_000)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    response = limited.post("/workspace/sign-in", content=chunks(), headers=FORM)
    assert response.status_code == 413
    assert "larger than its limit of 2048 bytes" in response.text
    _token_was_never_checked(limited, csrf)


def test_a_limited_or_cross_site_sender_is_refused_before_the_body(limited: Client) -> None:
    csrf = csrf_of(limited.get("/workspace/").text)
    cross = limited.post(
        "/workspace/sign-in",
        content=_probe_body(csrf),
        headers={**FORM, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    bad = limited.post("/workspace/sign-in", data={"token": "bad", "_csrf_token": csrf})
    assert bad.status_code == 401
    # Over the limit: the probe's body is answered 429 (the sign-in form, saying how
    # long to wait) without being read.
    response = limited.post("/workspace/sign-in", content=_probe_body(csrf), headers=FORM)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert 'name="token"' in response.text and "Too many failed sign-ins" in response.text


def test_a_sign_in_within_the_bounds_still_works(ws: Client, tokens: dict[str, str]) -> None:
    csrf = csrf_of(ws.get("/workspace/").text)
    target = "/workspace/articles/" + "a" * 400
    response = ws.post(
        "/workspace/sign-in",
        data={"_csrf_token": csrf, "token": tokens["editor"], "next": target},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == target


def test_signed_in_forms_are_bounded_too(ws: Client, tokens: dict[str, str]) -> None:
    csrf = sign_in(ws, tokens["editor"])
    body = _probe_body(csrf, 100_000)
    response = ws.post("/workspace/drafts/1/publish", content=body, headers=FORM)
    assert response.status_code == 413
    assert "larger than its limit of 2048 bytes" in response.text
    many = _probe_body(csrf, 2_000)
    response = ws.post("/workspace/drafts/1/publish", content=many, headers=FORM)
    assert response.status_code == 413 and "at most 8 fields" in response.text
    # A multipart upload is bounded in parts: the .po and the token.
    parts = {f"extra{n}": (f"f{n}.po", b"x") for n in range(5)}
    response = ws.post("/workspace/catalogs/es/upload", data={"_csrf_token": csrf}, files=parts)
    assert response.status_code == 413 and "at most 4 fields; 6 were sent" in response.text


def _form_routes(app: Litestar) -> list[HTTPRouteHandler]:
    found = []
    for route in app.routes:
        if not route.path.startswith("/workspace"):
            continue
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler) and handler.http_methods & {
                "POST",
                "PUT",
                "PATCH",
                "DELETE",
            }:
                found.append(handler)
    return found


def test_every_workspace_form_route_names_its_bounds(ws: Client) -> None:
    routes = _form_routes(ws.app)
    assert len(routes) >= 17
    for handler in routes:
        assert isinstance(handler.opt.get(FORM_BOUNDS), FormBounds), handler
        # The bounds are applied where the form is first read: the CSRF check.
        assert check_csrf in handler.resolve_guards(), handler
