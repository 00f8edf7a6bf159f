"""GET /v1/search through the real app: locales, headers, snippets and hostile input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.sources import ContentSet, read_content
from api.store.importer import import_content
from api.store.reader import MAX_WAITING
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG, publish_files
from tests.store.test_search import HOSTILE, SENTENCE

Client = TestClient[Any]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, content: ContentSet) -> Iterator[Client]:
    """One app and database for the read-only tests of this module."""
    path = tmp_path_factory.mktemp("search") / "vetted.db"
    import_content(open_database(path), content)
    with TestClient(create_app(path)) as test_client:
        yield test_client


def search(client: Client, **params: Any) -> Any:
    response = client.get("/v1/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_spanish_without_accents(client: Client) -> None:
    body = search(client, q="celulas madre", locale="es")
    assert body["query"] == "celulas madre" and body["locale"] == "es"
    assert len(body["results"]) == 10
    for hit in body["results"]:
        assert hit["slug"] == SLUG and hit["version"] == 1
        words = [hit["snippet"][s["start"] : s["end"]].lower() for s in hit["highlights"]]
        assert "células" in words and "madre" in words


def test_result_shape_and_markers(client: Client) -> None:
    (hit,) = search(client, q="exosomes", locale="en")["results"]
    assert hit == {
        "slug": SLUG,
        "version": 1,
        "section_id": "understanding-stem-cells",
        "heading": "Understanding Stem Cells",
        "block_id": "p7",
        "locale": "en",
        "fallback": False,
        "snippet": hit["snippet"],
        "highlights": hit["highlights"],
    }
    (span,) = hit["highlights"]
    assert hit["snippet"][span["start"] : span["end"]] == "exosomes"
    assert hit["snippet"].startswith("…") and "<" not in hit["snippet"]
    assert "\ue000" not in hit["snippet"] and "\ue001" not in hit["snippet"]


def test_english_ranks_the_section_about_the_term_first(client: Client) -> None:
    results = search(client, q="Minoxidil", locale="en")["results"]
    assert results[0]["section_id"] == "alternatives/minoxidil"


def test_arabic(client: Client) -> None:
    body = search(client, q="شفط الدهون", locale="ar")
    hit = next(h for h in body["results"] if h["section_id"] == "understanding-stem-cells")
    assert (hit["block_id"], hit["locale"], hit["fallback"]) == ("p6", "ar", False)
    fallback = search(client, q="exosomes", locale="ar")["results"][0]
    assert (fallback["locale"], fallback["fallback"]) == ("en", True)


@pytest.mark.parametrize(
    ("headers", "params", "locale"),
    [
        ({"Accept-Language": "es-MX,es;q=0.9"}, {}, "es-MX"),
        ({"Accept-Language": "es-AR,es;q=0.9"}, {}, "es"),
        ({"Accept-Language": "fr"}, {"locale": "ar"}, "ar"),
        ({}, {}, "en"),
        ({}, {"locale": "pt-BR"}, "en"),
    ],
)
def test_locale_negotiation_and_headers(
    client: Client, headers: dict[str, str], params: dict[str, str], locale: str
) -> None:
    response = client.get("/v1/search", params={"q": "stem", **params}, headers=headers)
    assert response.status_code == 200
    assert response.json()["locale"] == locale
    assert response.headers["content-language"] == locale
    assert response.headers["vary"] == "Accept-Language, Accept-Encoding"
    assert "max-age" in response.headers["cache-control"]
    etag = response.headers["etag"]
    again = client.get(
        "/v1/search", params={"q": "stem", **params}, headers={**headers, "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""


def test_limit_defaults_to_ten_and_is_bounded(client: Client) -> None:
    assert len(search(client, q="hair")["results"]) == 10
    assert len(search(client, q="hair", limit=2)["results"]) == 2
    assert len(search(client, q="hair", limit=50)["results"]) > 10


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client: Client, query: str) -> None:
    response = client.get("/v1/search", params={"q": query})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == ["q"]
    else:
        assert response.json()["query"] == query
    assert client.get(f"/v1/articles/{SLUG}").status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "((("}, "q"),
        ({"q": "hair", "locale": "e$"}, "locale"),
        ({"q": "hair", "limit": "0"}, "limit"),
        ({"q": "hair", "limit": "51"}, "limit"),
        ({"q": "hair", "limit": "ten"}, "limit"),
    ],
)
def test_bad_parameters_are_problems(client: Client, params: dict[str, str], field: str) -> None:
    response = client.get("/v1/search", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].startswith("/problems/invalid-")
    assert [e["field"] for e in problem["errors"]] == [field]


def test_missing_q_is_a_problem(client: Client) -> None:
    response = client.get("/v1/search")
    assert response.status_code == 400
    assert "q" in response.json()["detail"]


def test_republished_text_is_found_at_once(tree: Path) -> None:
    path = tree / "v.db"
    import_content(open_database(path), read_content(tree / "content", tree / "locales"))
    with TestClient(create_app(path)) as client:
        assert search(client, q="transformation")["results"]
        article = tree / "content" / "articles" / f"{SLUG}.yaml"
        article.write_text(article.read_text().replace(SENTENCE, "Results are quintessential."))
        publish_files(open_database(path), tree)
        assert search(client, q="transformation")["results"] == []
        (hit,) = search(client, q="quintessential", locale="es")["results"]
        assert (hit["version"], hit["block_id"], hit["fallback"]) == (2, "p5", True)


@pytest.mark.parametrize("path", ["/v1/search?q=growth", "/v1/changes?since=0"])
def test_a_worker_with_no_place_for_another_answer_says_so(client: Client, path: str) -> None:
    reader = client.app.state.reader
    reader.max_waiting = 0  # every place on the reader's thread is taken
    try:
        refused = client.get(path)
    finally:
        reader.max_waiting = MAX_WAITING
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/busy"
    assert refused.headers["retry-after"] == "1"
    assert client.get(path).status_code == 200  # nothing was kept of the refusal
