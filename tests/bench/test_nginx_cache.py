"""The repository's nginx cache config in front of the real server: hits, 304s from the
cache, one entry per negotiated variant, no caching of management calls, and a publish
reaching readers once the cached copy's freshness runs out."""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.editor import Editorial
from bench.nginx import cache_site, nginx_running
from bench.revalidation import check_cache, wait_for_etag
from bench.servers import Server, free_port, running, vetted_command
from tests.conftest import SLUG

NGINX_MISSING = shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists()
# .ci/run installs nginx, so in CI a missing binary fails the run instead of skipping it.
pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(
        NGINX_MISSING and not os.environ.get("CI"),
        reason="the nginx binary is not installed (make bench and .ci/run install it)",
    ),
]

ARTICLE = f"/v1/articles/{SLUG}?locale=es"
SECTION = f"/v1/articles/{SLUG}/sections/faq?locale=es"
FRESHNESS_S = 4
# Each content-coding has its own ETag: compare the plain representation throughout.
PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture()
def origin(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    command = vetted_command(tmp_path / "origin.db", port, worker_count=1)
    with running(command, port, tmp_path / "origin.log", ready_path="/readyz") as server:
        yield server


@pytest.fixture()
def cache(origin: Server, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    site = cache_site(origin.port, port, tmp_path / "cache", freshness_s=FRESHNESS_S)
    with nginx_running(tmp_path / "nginx", site, port) as server:
        yield server


def status(response: httpx.Response) -> str:
    return response.headers.get("x-cache-status", "")


def test_hits_and_conditional_requests_are_answered_by_the_cache(
    origin: Server, cache: Server
) -> None:
    etag = httpx.get(origin.url + ARTICLE, headers=PLAIN).headers["etag"]
    checks = check_cache(cache.url, ARTICLE, etag)
    assert checks.warm_status == "MISS"
    assert checks.hit_status == "HIT" and checks.etag_kept
    assert (checks.conditional_status, checks.conditional_cache_status) == (304, "HIT")
    assert checks.passed


def test_each_negotiated_variant_is_cached_apart(cache: Server) -> None:
    with httpx.Client(base_url=cache.url) as client:
        plain = client.get(ARTICLE, headers={"Accept-Encoding": "identity"})
        gzip = client.get(ARTICLE, headers={"Accept-Encoding": "gzip, deflate"})
        again = client.get(ARTICLE, headers={"Accept-Encoding": "identity"})
        assert status(gzip) == "MISS" and gzip.headers["content-encoding"] == "gzip"
        assert status(again) == "HIT" and "content-encoding" not in again.headers
        assert gzip.json() == plain.json()
        whole = f"/v1/articles/{SLUG}"
        spanish = client.get(whole, headers={"Accept-Language": "es"})
        french = client.get(whole, headers={"Accept-Language": "fr"})
        assert (spanish.headers["content-language"], status(spanish)) == ("es", "MISS")
        assert (french.headers["content-language"], status(french)) == ("fr", "MISS")
        named = client.get(whole + "?locale=fr", headers={"Accept-Language": "es"})
        named_again = client.get(whole + "?locale=fr", headers={"Accept-Language": "ar"})
        assert named.headers["content-language"] == "fr"
        assert status(named_again) == "HIT", "with ?locale= the header is not in the key"


@pytest.mark.parametrize(
    ("accept", "article", "section"),
    [
        ("gzip, deflate, br", "br", "gzip"),
        ("br;q=1, gzip;q=0.5", "br", "gzip"),
        ("br", "br", None),
        ("br, gzip;q=0", "br", None),
        ("gzip", "gzip", "gzip"),
        ("identity, br;q=0", None, None),
    ],
)
def test_the_cache_asks_for_every_coding_the_client_takes(
    cache: Server, accept: str, article: str | None, section: str | None
) -> None:
    """A section is too small for a brotli form: a client taking gzip too gets gzip from
    the cache, never the plain bytes, and no one gets a coding they did not accept."""
    with httpx.Client(base_url=cache.url) as client:
        plain = client.get(SECTION, headers=PLAIN)
        for path, coding in ((ARTICLE, article), (SECTION, section), (SECTION, section)):
            response = client.get(path, headers={"Accept-Encoding": accept})
            assert response.headers.get("content-encoding") == coding, (path, accept)
        assert status(response) == "HIT" and response.content == plain.content


def test_a_publish_reaches_readers_after_the_cached_copy_expires(
    origin: Server, cache: Server, tmp_path: Path
) -> None:
    before = httpx.get(cache.url + ARTICLE, headers=PLAIN)
    old, head_version = before.headers["etag"], before.json()["version"]
    editorial = Editorial(origin.url, tmp_path / "origin.db", SLUG)
    try:
        head = httpx.get(cache.url + f"/v1/manage/articles/{SLUG}", headers=editorial.editor)
        assert head.status_code == 200 and status(head) == "BYPASS"
        assert editorial.publish_revision() == head_version + 1
    finally:
        editorial.close()
    new = httpx.get(origin.url + ARTICLE, headers=PLAIN).headers["etag"]
    assert new != old
    served = httpx.get(cache.url + ARTICLE, headers=PLAIN).headers["etag"]
    assert served == old, "still fresh: served cached"
    freshness = wait_for_etag(cache.url, ARTICLE, old, new, FRESHNESS_S + 8)
    assert freshness.seconds is not None, freshness.statuses
    revalidated = httpx.get(cache.url + ARTICLE, headers={**PLAIN, "If-None-Match": new})
    assert revalidated.status_code == 304


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes no HTTP client library would send; the status, headers and body back."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status", "problem"),
    [
        (b"GARBAGE\r\n\r\n", 400, "bad-request"),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "bad-request"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
            431,
            "bad-request",
        ),
        (
            b"PUT /v1/manage/catalogs/es HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Length: 6000000\r\n\r\n",
            413,
            "too-large",
        ),
        # Security probe D11: nginx's own 501 and 505 were HTML without security headers.
        *(
            (
                b"GET /v1/articles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                + coding
                + b"\r\nConnection: close\r\n\r\n",
                501,
                "bad-request",
            )
            for coding in (b"xchunked", b"identity", b"gzip, chunked")
        ),
        (b"GET /v1/articles HTTP/2.0\r\nHost: x\r\n\r\n", 505, "bad-request"),
    ],
    ids=[
        "garbage",
        "long-uri",
        "big-header",
        "big-body",
        "te-xchunked",
        "te-identity",
        "te-gzip-chunked",
        "http-2.0",
    ],
)
def test_requests_refused_before_the_app_are_problems_with_security_headers(
    cache: Server, request_bytes: bytes, status: int, problem: str
) -> None:
    got, headers, body = _raw(cache.port, request_bytes)
    assert got == status
    assert headers["content-type"] == "application/problem+json"
    served = json.loads(body)
    assert (served["status"], served["type"]) == (status, f"/problems/{problem}")
    app = httpx.get(cache.url + "/v1/locales")
    for name in ("x-content-type-options", "referrer-policy", "x-frame-options"):
        assert headers[name] == app.headers[name], name
    assert headers["content-security-policy"] == app.headers["content-security-policy"]


def test_problems_from_the_app_pass_through_the_cache_untouched(cache: Server) -> None:
    response = httpx.get(cache.url + "/v1/articles/no-such-article")
    assert response.status_code == 404
    assert response.json()["detail"] == "no published article 'no-such-article'"


def test_a_body_not_sent_in_time_gets_no_html_page(origin: Server, tmp_path: Path) -> None:
    """When its client_body_timeout (here shortened) runs out, nginx closes the connection
    without any answer: no 408 page, so none without security headers either."""
    port = free_port()
    site = cache_site(origin.port, port, tmp_path / "slow").replace(
        "client_max_body_size 5m;", "client_max_body_size 5m;\n    client_body_timeout 1s;"
    )
    with (
        nginx_running(tmp_path / "nginx-slow", site, port),
        socket.create_connection(("127.0.0.1", port), timeout=10) as sock,
    ):
        sock.sendall(
            b"PUT /v1/manage/catalogs/es HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"
        )
        assert sock.recv(65536) == b""


@pytest.mark.parametrize(
    "path", ["/v1/treatments", f"/v1/articles/{SLUG}/sections/introduction?locale=es"]
)
def test_a_copy_cached_for_a_reader_without_origin_serves_browsers_too(
    cache: Server, path: str
) -> None:
    """Security probe D5: the first reader sent no Origin (a kiosk, a crawler); a partner's
    page then gets the cached copy, which must let its browser read it."""
    first = httpx.get(cache.url + path)
    assert (first.status_code, status(first)) == (200, "MISS")
    assert first.headers["access-control-allow-origin"] == "*"
    browser = httpx.get(cache.url + path, headers={"Origin": "https://partner.example"})
    assert (browser.status_code, status(browser)) == (200, "HIT")
    assert browser.headers["access-control-allow-origin"] == "*"
    assert "ETag" in browser.headers["access-control-expose-headers"]


PROBE_D10 = f"/v1/articles/{SLUG}/sections/introduction?LOCALE=es"


def test_a_mis_cased_locale_is_refused_directly_and_through_the_cache(
    origin: Server, cache: Server
) -> None:
    """Security probe D10: `?LOCALE=es` with Accept-Language ar, then en. nginx took it
    for `locale` and dropped Accept-Language from its key; the app ignored it and
    negotiated, so the second reader got the first one's Arabic."""
    for base in (origin.url, cache.url):
        for language in ("ar", "en"):
            response = httpx.get(base + PROBE_D10, headers={"Accept-Language": language})
            assert response.status_code == 400, (base, language)
            assert response.json()["errors"][0]["field"] == "LOCALE"
            assert status(response) in ("", "MISS"), "a refusal is never cached"
        repeated = httpx.get(base + f"/v1/articles/{SLUG}?locale=es&locale=fr")
        assert repeated.status_code == 400
        assert repeated.json()["errors"][0]["field"] == "locale"


def test_the_cache_keys_on_accept_language_unless_the_query_has_locale_exactly(
    cache: Server,
) -> None:
    """A query without `locale=` leaves negotiation to Accept-Language, which is then in
    the key; `locale=es` takes it out, `version=1&locale=es` too."""
    section = f"/v1/articles/{SLUG}/sections/introduction"
    with httpx.Client(base_url=cache.url) as client:
        for query, second in (
            ("?version=1", ("en", "MISS")),
            ("?version=1&locale=es", ("es", "HIT")),
        ):
            first = client.get(section + query, headers={"Accept-Language": "ar"})
            again = client.get(section + query, headers={"Accept-Language": "en"})
            assert first.status_code == again.status_code == 200
            assert (again.headers["content-language"], status(again)) == second, query
