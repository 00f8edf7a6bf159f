"""The reference servers of the benchmark answer with the recorded response, as measured:
the raw ASGI callable with every header ours sent, the framework ceiling with the
representation headers; both 304 for the recorded ETag."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bench.ceiling import CEILING_ENV, record
from bench.servers import free_port, granian_command, running

# Out of the fast loop (`make test-fast`): the reference servers run as processes.
pytestmark = pytest.mark.process

HEADERS = {
    "etag": '"abc"',
    "cache-control": "public, max-age=60",
    "vary": "Accept-Language, Accept-Encoding",
    "content-language": "es",
    "content-type": "application/json",
    "content-length": "13",
    "x-content-type-options": "nosniff",
    "x-request-id": "recorded",
    "server": "granian",
    "date": "Fri, 27 Nov 2026 13:00:00 GMT",
}
BODY = b'{"hello":"x"}'


@pytest.mark.parametrize(
    ("factory", "sent"),
    [
        ("bench.ceiling:create_asgi_app", {"x-content-type-options", "x-request-id"}),
        ("bench.ceiling:create_app", set()),
    ],
)
def test_a_reference_server_answers_with_the_recorded_response(
    tmp_path: Path, factory: str, sent: set[str]
) -> None:
    recorded = tmp_path / "ceiling.json"
    record(recorded, BODY, HEADERS)
    port = free_port()
    command = granian_command(factory, port)
    env = {CEILING_ENV: str(recorded)}
    with running(command, port, tmp_path / "server.log", env=env) as server:
        url = f"{server.url}/v1/articles/some-slug?locale=es"
        ok = httpx.get(url)
        again = httpx.get(url, headers={"If-None-Match": '"abc"'})
    assert ok.status_code == 200 and ok.content == BODY
    assert ok.headers["etag"] == '"abc"' and ok.headers["content-language"] == "es"
    assert ok.headers["content-type"] == "application/json"
    assert {k for k in ("x-content-type-options", "x-request-id") if k in ok.headers} == sent
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == '"abc"' and "content-type" not in again.headers
