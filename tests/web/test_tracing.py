"""Request ids on every response and structured access logs that carry them."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.config import Settings
from api.logs import JsonFormatter
from api.web.app import create_app
from tests.conftest import SLUG

ARTICLE = f"/v1/articles/{SLUG}"


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        (ARTICLE, {}, 200),
        (ARTICLE, {"If-None-Match": "*"}, 304),
        ("/v1/articles/nope", {}, 404),
        ("/no/route", {}, 404),
        ("/v1/manage/drafts", {}, 401),
        (ARTICLE + "?locale=e$", {}, 400),
    ],
)
def test_a_sane_request_id_is_echoed_on_every_response(
    client: TestClient[Any], path: str, headers: dict[str, str], status: int
) -> None:
    response = client.get(path, headers={**headers, "X-Request-ID": "kiosk-7.abc:42"})
    assert response.status_code == status
    assert response.headers["x-request-id"] == "kiosk-7.abc:42"
    fresh = client.get(path, headers=headers)
    assert len(fresh.headers["x-request-id"]) == 32


@pytest.mark.parametrize(
    "incoming",
    [b"", b"a" * 129, b"has space", b"tab\tin", b"<script>", b"-leading-dash", "ü".encode()],
)
def test_an_unsafe_request_id_is_replaced(client: TestClient[Any], incoming: bytes) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    echoed = response.headers["x-request-id"]
    assert echoed.encode() != incoming and len(echoed) == 32 and echoed.isalnum()


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "vetted.access"]


def test_access_log_lines_are_json_with_request_id_status_and_locale(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vetted.access")
    with TestClient(create_app(db_path, Settings(db=str(db_path), access_log=True))) as client:
        client.get(ARTICLE, params={"locale": "es"}, headers={"X-Request-ID": "req-1"})
        client.get(ARTICLE, headers={"If-None-Match": "*", "X-Request-ID": "req-2"})
        client.get("/v1/manage/drafts", params={"token": "s3cret"}, headers={"X-Request-ID": "r3"})
    first, second, third = _access_lines(caplog)
    assert first["request_id"] == "req-1" and first["status"] == 200
    assert first["method"] == "GET" and first["path"] == ARTICLE
    assert first["locale"] == "es" and first["level"] == "info"
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert first["time"].endswith("Z")
    assert second["status"] == 304 and second["request_id"] == "req-2"
    assert third["status"] == 401 and "locale" not in third
    assert "s3cret" not in json.dumps(third)  # the query string is never logged


def test_access_log_is_off_by_default(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="vetted.access")
    for settings in (None, Settings(db=str(db_path), access_log=False)):
        with TestClient(create_app(db_path, settings)) as client:
            assert client.get(ARTICLE).status_code == 200
    assert _access_lines(caplog) == []


def test_error_logs_carry_the_request_id_of_the_failing_request(
    client: TestClient[Any], caplog: pytest.LogCaptureFixture
) -> None:
    client.app.state.reader.close()
    caplog.set_level(logging.ERROR, logger="vetted.web")
    assert client.get(ARTICLE, headers={"X-Request-ID": "broken-1"}).status_code == 500
    lines = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "vetted.web"
    ]
    assert lines[0]["request_id"] == "broken-1"
    assert lines[0]["error"] == "ProgrammingError" and "Traceback" in lines[0]["traceback"]
