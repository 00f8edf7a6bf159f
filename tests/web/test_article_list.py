"""`GET /v1/articles` a page at a time: the cursor, the `Link` to the next page, the
filter and the search; bad parameters are 400 problems naming them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG
from tests.editing import new_article, publish_change


@pytest.fixture()
def three(db_path: Path) -> Path:
    db = open_database(db_path)
    for slug, title in [("acne-basics", "Acne basics"), ("zinc-and-hair", "Zinc and hair")]:
        publish_change(db, new_article(slug, title), "New article")
    db.conn.close()
    return db_path


def test_pages_follow_the_link_to_the_last(three: Path) -> None:
    with TestClient(create_app(three)) as client:
        seen: list[str] = []
        url: str | None = "/v1/articles?limit=2&locale=es"
        while url is not None:
            response = client.get(url)
            assert response.status_code == 200, response.text
            assert response.headers["content-language"] == "es"
            seen += [item["slug"] for item in response.json()]
            link = response.headers.get("link")
            url = link.split(">")[0].lstrip("<") if link else None
            if url is not None:
                assert link == f'<{url}>; rel="next"'
        assert seen == ["acne-basics", SLUG, "zinc-and-hair"]
        whole = client.get("/v1/articles?locale=es").json()
        assert [item["slug"] for item in whole] == seen
        # A page is a representation like any other: its ETag gets a 304.
        page = client.get("/v1/articles?limit=1")
        again = client.get("/v1/articles?limit=1", headers={"If-None-Match": page.headers["etag"]})
        assert again.status_code == 304


def test_search_and_filter(three: Path) -> None:
    with TestClient(create_app(three)) as client:
        found = client.get("/v1/articles?q=HAIR").json()
        assert [item["slug"] for item in found] == [SLUG, "zinc-and-hair"]
        assert client.get("/v1/articles?q=zinc+hair&limit=1").headers.get("link") is None
        status = found[0]["review"]["review_status"]
        assert [a["slug"] for a in client.get(f"/v1/articles?review_status={status}").json()] == [
            "acne-basics",
            SLUG,
            "zinc-and-hair",
        ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("after=Not%20A%20Slug", "after"),
        ("review_status=stale", "review_status"),
        ("q=", "q"),
        # No word to look for (an invisible character, bytes that are not UTF-8,
        # punctuation): refused as /v1/search refuses it, never read as "no filter".
        ("q=%E2%80%8B", "q"),
        ("q=%FF", "q"),
        ("q=%20-%20", "q"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(
    client: TestClient[Any], query: str, field: str
) -> None:
    response = client.get(f"/v1/articles?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text
