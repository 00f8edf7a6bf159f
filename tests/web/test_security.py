"""Security headers on every response, and no stack trace in any response, in any mode,
even when the database really breaks under the running app."""

from __future__ import annotations

import logging
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.config import Settings
from api.store.accounts import create_token
from api.store.schema import open_database
from api.web.app import create_app
from api.web.security import DOCS_CSP, STRICT_CSP
from tests.conftest import SLUG

ARTICLE = f"/v1/articles/{SLUG}"
COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def _client(db_path: Path, **settings: Any) -> TestClient[Any]:
    return TestClient(create_app(db_path, Settings(db=str(db_path), **settings)))


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", ARTICLE, {}, 200),
        ("GET", ARTICLE, {"If-None-Match": "*"}, 304),
        ("GET", "/v1/articles/nope", {}, 404),
        ("GET", "/no/such/route", {}, 404),
        ("POST", ARTICLE, {}, 405),
        ("GET", ARTICLE + "?locale=e$", {}, 400),
        ("GET", "/v1/manage/drafts", {}, 401),
        ("GET", "/healthz", {}, 200),
        ("GET", "/schema/openapi.yaml", {}, 200),
        ("OPTIONS", ARTICLE, {}, 204),
    ],
)
def test_every_response_carries_the_security_headers(
    client: TestClient[Any], method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = client.request(method, path, headers=headers)
    assert response.status_code == status
    for name, value in COMMON.items():
        assert response.headers[name] == value
    assert response.headers["content-security-policy"] == STRICT_CSP
    assert "strict-transport-security" not in response.headers


class _References(HTMLParser):
    """Every URL the page makes the browser load or link to, and any inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("src", "href", "data-schema") and v]
        if tag == "script" and not found.get("src"):
            self.inline_scripts += 1
        if any(k == "style" or k.startswith("on") for k, _ in attrs):
            self.inline_scripts += 1


def test_the_docs_load_everything_from_our_own_origin(client: TestClient[Any]) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == DOCS_CSP
    assert "http" not in DOCS_CSP and "'unsafe-" not in DOCS_CSP
    assert "script-src 'self';" in DOCS_CSP and "style-src 'self';" in DOCS_CSP
    references = _References()
    references.feed(page.text)
    assert references.inline_scripts == 0
    assert len(references.urls) >= 6, references.urls
    for url in references.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200 and asset.content, url
        if "?v=" in url:
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    script = client.get(next(u for u in references.urls if "swagger-ui-bundle.js" in u))
    assert script.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in script.content
    # An old hash is not promised to be immutable; an unknown name is a 404 problem.
    assert client.get("/docs/assets/start.js?v=0").headers["cache-control"] == "no-cache"
    assert client.get("/docs/assets/secret.py").status_code == 404
    moved = client.get("/schema/docs", follow_redirects=False)
    assert moved.status_code in (301, 302, 307, 308) and moved.headers["location"] == "/docs"


def test_hsts_only_when_configured(db_path: Path) -> None:
    with _client(db_path, hsts_max_age=31536000) as client:
        response = client.get(ARTICLE)
        assert (
            response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        )
        assert client.get("/nope").headers["strict-transport-security"].startswith("max-age=")


def _assert_plain_500(response: Any) -> None:
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/server-error"
    assert body["detail"] == "The server could not answer this request."
    for leak in ("Traceback", 'File "', "sqlite", "Error", ".py", "line "):
        assert leak not in response.text
    assert response.headers["x-request-id"]
    for name, value in COMMON.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("debug", [False, True])
def test_a_dropped_table_gives_a_plain_500_even_in_debug(
    db_path: Path, debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with _client(db_path, debug=debug) as client:
        assert client.get(f"{ARTICLE}/versions").status_code == 200
        # Another process damages the schema under the running app.
        other = sqlite3.connect(db_path)
        other.execute("DROP TABLE versions")
        other.commit()
        other.close()
        caplog.set_level(logging.ERROR, logger="vetted.web")
        response = client.get(f"{ARTICLE}/versions")
        _assert_plain_500(response)
    # The details went to the log instead, tagged with the request id.
    failures = [r for r in caplog.records if r.name == "vetted.web"]
    assert failures and failures[0].exc_info is not None
    assert "no such table" in str(failures[0].exc_info[1])


@pytest.mark.parametrize("debug", [False, True])
def test_a_closed_connection_gives_a_plain_500(db_path: Path, debug: bool) -> None:
    with _client(db_path, debug=debug) as client:
        client.app.state.reader.close()
        _assert_plain_500(client.get(ARTICLE))
        assert client.get("/readyz").status_code == 503  # not ready, rather than broken


def test_an_unreadable_database_file_gives_a_plain_500_on_management(db_path: Path) -> None:
    db = open_database(db_path)
    _, secret = create_token(db, name="root", role="admin", locales=[])
    db.conn.close()
    with _client(db_path, debug=True) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get("/v1/manage/drafts", headers=headers).status_code == 200
        # Management requests open their own connection: make the file not a database.
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        db_path.write_bytes(b"this is not a database" * 1000)
        response = client.get("/v1/manage/drafts", headers=headers)
        _assert_plain_500(response)
