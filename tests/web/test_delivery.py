"""Delivery routes through the real app: content, headers, 304s and problem+json errors."""

from __future__ import annotations

import gzip
import random
from pathlib import Path
from typing import Any

import brotli
import pytest
from litestar.testing import TestClient

from api.store.documents import (
    BROTLI_MIN_BYTES,
    COMPRESS_MIN_BYTES,
    get_document,
    html_key,
    put_bytes,
)
from api.store.schema import open_database, transaction
from api.web.app import create_app
from tests.conftest import SLUG

Client = TestClient[Any]
ARTICLE = f"/v1/articles/{SLUG}"
DELIVERY_ROUTES = [
    "/v1/articles",
    ARTICLE,
    f"{ARTICLE}/sections/alternatives/minoxidil",
    f"{ARTICLE}/sections/faq",
    "/v1/treatments",
    "/v1/treatments/minoxidil",
    "/v1/locales",
    f"{ARTICLE}?version=1",
]


def test_article_is_structured(client: Client) -> None:
    body = client.get(ARTICLE, params={"locale": "en"}).json()
    assert body["slug"] == SLUG and body["version"] == 1 and body["dir"] == "ltr"
    sections = {s["id"]: s for s in body["sections"]}
    assert sections["what-is-stem-cell-therapy"]["heading"]["text"] == "What Is Stem Cell Therapy?"
    process = sections["process"]
    assert [s["id"] for s in process["sections"]] == [
        "process/treatment-procedure",
        "process/post-treatment-care",
    ]
    procedure = process["sections"][0]["blocks"]
    fact = next(b for b in procedure if b["type"] == "fact")
    assert fact == {
        "type": "fact",
        "id": "session-duration",
        "kind": "duration",
        "min": 1,
        "max": 3,
        "unit": "hour",
        "treatment": "stem-cell-therapy",
        "display": "1–3 hours",
        "locale": "en",
        "fallback": False,
    }
    faq = [b for b in sections["faq"]["blocks"] if b["type"] == "faq"]
    assert faq[0]["question"] == "Does stem cell therapy work for hair loss?"
    costs = [b["display"] for b in sections["faq"]["blocks"] if b["type"] == "fact"]
    assert costs == ["$3,000–$10,000 per plan", "$500–$2,500 per appointment"]


@pytest.mark.parametrize("path", DELIVERY_ROUTES)
def test_every_delivery_route_has_etag_cache_control_and_304(client: Client, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in first.headers["cache-control"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_latest_revalidates_and_so_does_the_current_version_pinned(client: Client) -> None:
    # Version 1 is current: a review changes its review dates (a superseded version is
    # immutable: tests/web/test_review_metadata.py).
    assert "immutable" not in client.get(f"{ARTICLE}?version=1").headers["cache-control"]
    assert "immutable" not in client.get(ARTICLE).headers["cache-control"]


@pytest.mark.parametrize(
    ("encoding", "decode"),
    [("br", brotli.decompress), ("gzip", gzip.decompress), ("gzip;q=1, br;q=0", gzip.decompress)],
)
def test_compressed_variants(client: Client, encoding: str, decode: Any) -> None:
    plain = client.get(ARTICLE, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = client.get(ARTICLE, headers={"Accept-Encoding": encoding}, extensions={})
    assert raw.headers["content-encoding"] == encoding.split(";")[0]
    assert "Accept-Encoding" in raw.headers["vary"]
    assert raw.content == plain.content  # the client decodes; the bytes match the plain body
    assert decode is not None
    # Each coding is its own representation with its own strong ETag...
    coding = encoding.split(";")[0]
    assert raw.headers["etag"] == plain.headers["etag"][:-1] + f'-{coding}"'
    # ...and a validator of any coding of the same bytes revalidates, naming the one sent.
    for held in (plain.headers["etag"], raw.headers["etag"]):
        again = client.get(ARTICLE, headers={"Accept-Encoding": encoding, "If-None-Match": held})
        assert again.status_code == 304 and again.headers["etag"] == raw.headers["etag"]


def test_brotli_only_for_bodies_large_enough_to_gain(client: Client) -> None:
    section = f"{ARTICLE}/sections/faq"
    plain = client.get(section, headers={"Accept-Encoding": "identity"}).content
    assert COMPRESS_MIN_BYTES <= len(plain) < BROTLI_MIN_BYTES
    # The section has a gzip form and no brotli one: a client taking both gets gzip, and
    # one taking brotli alone gets the plain bytes.
    both = client.get(section, headers={"Accept-Encoding": "br, gzip"})
    assert both.headers["content-encoding"] == "gzip" and both.content == plain
    only_br = client.get(section, headers={"Accept-Encoding": "br"})
    assert "content-encoding" not in only_br.headers and only_br.content == plain
    assert only_br.headers["etag"] == client.get(section).headers["etag"].replace("-gzip", "")
    # The article is large enough for brotli.
    article = client.get(ARTICLE, headers={"Accept-Encoding": "br, gzip"})
    assert article.headers["content-encoding"] == "br"
    assert len(article.content) >= BROTLI_MIN_BYTES


def test_a_coding_no_smaller_than_the_bytes_is_not_stored_nor_sent(db_path: Path) -> None:
    # Bytes no coding makes smaller (the writer keeps a form only when it is smaller than
    # what a client that cannot take it gets instead): every client gets the bytes as they
    # are, under their own ETag.
    noise = random.Random(27).randbytes(2 * BROTLI_MIN_BYTES)
    db = open_database(db_path)
    with transaction(db):
        put_bytes(db, html_key(SLUG, "en"), noise)
    stored = get_document(db, html_key(SLUG, "en"))
    assert stored is not None and stored.gzip is None and stored.br is None
    db.conn.close()
    with TestClient(create_app(db_path)) as client:
        for accepted in ("br, gzip", "gzip", "br", "identity"):
            sent = client.get(f"{ARTICLE}/html?locale=en", headers={"Accept-Encoding": accepted})
            assert sent.status_code == 200 and "content-encoding" not in sent.headers
            assert sent.content == noise and sent.headers["etag"] == stored.etag


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/v1/articles/no-such-article", 404, None),
        (f"{ARTICLE}/sections/no/such/section", 404, None),
        ("/v1/treatments/unicorn-tears", 404, None),
        (f"{ARTICLE}?version=99", 404, None),
        (f"{ARTICLE}?version=abc", 400, "version"),
        (f"{ARTICLE}?version=0", 400, "version"),
        (f"{ARTICLE}?locale=e$", 400, "locale"),
        (f"{ARTICLE}?locale=" + "x" * 100, 400, "locale"),
        ("/v1/articles/..%2F..%2Fetc%2Fpasswd", 404, None),
        ("/v1/nothing-here", 404, None),
    ],
)
def test_bad_input_gives_problem_json(
    client: Client, path: str, status: int, field: str | None
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["type"].startswith("/problems/")
    assert problem["detail"]
    if field:
        assert [e["field"] for e in problem["errors"]] == [field]


def test_invalid_locale_lists_available(client: Client) -> None:
    problem = client.get(f"{ARTICLE}?locale=e$").json()
    assert "en" in problem["available"]


def test_health_and_readiness(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_not_ready_without_content(tmp_path: Any) -> None:
    from api.web.app import create_app

    with TestClient(create_app(tmp_path / "empty.db")) as empty:
        assert empty.get("/readyz").status_code == 503
        assert empty.get(ARTICLE).status_code == 404


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/changes", "since"),
        ("/v1/search", "q"),
        (f"{ARTICLE}/diff?from=1", "to"),
        (f"{ARTICLE}/diff?to=1", "from"),
    ],
)
def test_a_missing_required_parameter_is_named_in_errors(
    client: Client, path: str, field: str
) -> None:
    response = client.get(path)
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "/problems/invalid-parameter"
    assert problem["errors"] == [{"field": field, "message": "is required"}]


@pytest.mark.parametrize("path", [*DELIVERY_ROUTES, "/v1/bundles/es", "/v1/changes?since=0"])
def test_head_gives_the_get_headers_without_the_body(client: Client, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    for name in ("etag", "content-length", "content-type", "cache-control", "vary"):
        assert head.headers[name] == got.headers[name], name
    revalidated = client.head(path, headers={"If-None-Match": got.headers["etag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""


def test_head_of_a_missing_article_is_404_without_a_body(client: Client) -> None:
    response = client.head(f"{ARTICLE}-nope")
    assert response.status_code == 404 and response.content == b""
    assert response.headers["content-type"].startswith("application/problem+json")
