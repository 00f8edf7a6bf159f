"""CORS: delivery open to any origin for GET/HEAD; management closed unless allowlisted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.config import Settings
from api.store.accounts import create_token
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG

PARTNER = "https://partner.example"
STRANGER = "https://evil.example"
ARTICLE = f"/v1/articles/{SLUG}"
MANAGE = f"/v1/manage/articles/{SLUG}"


@pytest.fixture()
def cors(db_path: Path) -> Any:
    with TestClient(
        create_app(db_path, Settings(db=str(db_path), cors_origins=(PARTNER,)))
    ) as client:
        yield client


def _preflight(client: TestClient[Any], path: str, origin: str, method: str = "GET") -> Any:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, if-match",
        },
    )


def _cors_headers(response: Any) -> set[str]:
    return {k for k in response.headers if k.startswith("access-control-")}


@pytest.mark.parametrize("origin", [PARTNER, STRANGER, "null"])
def test_delivery_is_open_to_any_origin_for_reading(cors: TestClient[Any], origin: str) -> None:
    pre = _preflight(cors, ARTICLE, origin)
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "*"
    assert pre.headers["access-control-allow-methods"] == "GET, HEAD"
    assert "If-None-Match" in pre.headers["access-control-allow-headers"]
    response = cors.get(ARTICLE, headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = response.headers["access-control-expose-headers"]
    assert "ETag" in exposed and "X-Request-ID" in exposed
    not_modified = cors.get(ARTICLE, headers={"Origin": origin, "If-None-Match": "*"})
    assert not_modified.status_code == 304
    assert not_modified.headers["access-control-allow-origin"] == "*"
    errors = cors.get("/v1/articles/nope", headers={"Origin": origin})
    assert errors.headers["access-control-allow-origin"] == "*"  # pages can read problems


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_delivery_allows_no_writes_cross_origin(cors: TestClient[Any], method: str) -> None:
    pre = _preflight(cors, ARTICLE, STRANGER, method)
    assert _cors_headers(pre) == set()
    response = cors.request(method, ARTICLE, headers={"Origin": STRANGER})
    assert response.status_code == 405 and _cors_headers(response) == set()


def test_management_is_closed_to_origins_not_on_the_allowlist(cors: TestClient[Any]) -> None:
    pre = _preflight(cors, MANAGE, STRANGER, "POST")
    assert _cors_headers(pre) == set()
    response = cors.get(MANAGE, headers={"Origin": STRANGER})
    assert response.status_code == 401 and _cors_headers(response) == set()


def test_management_is_closed_by_default(client: TestClient[Any]) -> None:
    assert _cors_headers(_preflight(client, MANAGE, PARTNER, "PUT")) == set()
    assert _cors_headers(client.get(MANAGE, headers={"Origin": PARTNER})) == set()


def test_management_answers_allowlisted_partners(cors: TestClient[Any], db_path: Path) -> None:
    db = open_database(db_path)
    _, secret = create_token(db, name="partner", role="editor", locales=[])
    db.conn.close()
    pre = _preflight(cors, MANAGE, PARTNER, "PUT")
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == PARTNER
    assert "PUT" in pre.headers["access-control-allow-methods"]
    allowed = pre.headers["access-control-allow-headers"]
    assert "Authorization" in allowed and "If-Match" in allowed
    assert "Origin" in pre.headers["vary"]
    assert "access-control-allow-credentials" not in pre.headers  # bearer tokens, no cookies
    response = cors.get(MANAGE, headers={"Origin": PARTNER, "Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PARTNER
    assert "Origin" in response.headers["vary"]
    assert "ETag" in response.headers["access-control-expose-headers"]
    refused = _preflight(cors, MANAGE, PARTNER, "DELETE")
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    "path", [ARTICLE, f"{ARTICLE}/sections/introduction?locale=es", "/v1/treatments", "/v1/nope"]
)
def test_delivery_answers_are_the_same_with_or_without_origin(
    cors: TestClient[Any], path: str, method: str
) -> None:
    """A shared cache keeps one copy for browsers and other readers (security probe D5):
    the CORS headers come whether or not the request has Origin, and nothing varies on it."""
    plain = cors.request(method, path)
    browser = cors.request(method, path, headers={"Origin": PARTNER})
    assert plain.status_code == browser.status_code
    assert plain.headers["access-control-allow-origin"] == "*"
    assert {k: plain.headers[k] for k in _cors_headers(plain)} == {
        k: browser.headers[k] for k in _cors_headers(browser)
    }
    assert "origin" not in plain.headers.get("vary", "").lower()


def test_management_answers_vary_on_origin_when_partners_are_allowed(
    cors: TestClient[Any],
) -> None:
    response = cors.get(MANAGE)
    assert response.status_code == 401 and _cors_headers(response) == set()
    assert "Origin" in response.headers["vary"]


def test_the_workspace_carries_no_cors_headers(cors: TestClient[Any]) -> None:
    for headers in ({}, {"Origin": PARTNER}):
        assert _cors_headers(cors.get("/workspace/", headers=headers)) == set()
