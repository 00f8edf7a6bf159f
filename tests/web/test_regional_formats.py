"""RV-3: figures in the reader's full locale. A Mexican reader gets the Spanish text with
Mexico's number formats (3,000, never Spain's 3.000), a Quebec reader the French text with
Canada's; both are documents of their own, rendered at publish time."""

from __future__ import annotations

from typing import Any

import pytest
from babel.numbers import format_decimal
from litestar.testing import TestClient

from tests.conftest import SLUG

Client = TestClient[Any]
ARTICLE = f"/v1/articles/{SLUG}"


def facts(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    pending = list(body["sections"])
    while pending:
        section = pending.pop(0)
        pending.extend(section["sections"])
        out.update({b["id"]: b for b in section["blocks"] if b["type"] == "fact"})
    return out


@pytest.mark.parametrize(
    ("request_params", "headers", "served", "language"),
    [
        ({"locale": "es-MX"}, {}, "es-MX", "es"),
        ({}, {"Accept-Language": "es-MX,es;q=0.9"}, "es-MX", "es"),
        ({"locale": "fr-CA"}, {}, "fr-CA", "fr"),
    ],
)
def test_a_regional_reader_gets_the_language_with_the_region_s_figures(
    client: Client,
    request_params: dict[str, str],
    headers: dict[str, str],
    served: str,
    language: str,
) -> None:
    response = client.get(ARTICLE, params=request_params, headers=headers)
    assert response.headers["content-language"] == served
    body = response.json()
    base = client.get(ARTICLE, params={"locale": language}).json()
    assert body["locale"] == served and body["completeness"] == base["completeness"]
    regional, plain = facts(body), facts(base)
    costs = [key for key, fact in regional.items() if fact["kind"] == "cost"]
    assert len(costs) == 2
    for key in costs:
        thousands = format_decimal(
            3000 if plain[key]["min"] == 3000 else 2500, locale=served.replace("-", "_")
        )
        assert thousands in regional[key]["display"], regional[key]
        assert regional[key]["display"] != plain[key]["display"]
        # Same words, same language: only the figures' format differs.
        assert (regional[key]["locale"], regional[key]["fallback"]) == (language, False)
    # The text is the language's, and says so without calling it a fallback.
    first = body["sections"][0]["blocks"][0]
    assert first == base["sections"][0]["blocks"][0] and first["locale"] == language


def test_mexican_figures_are_never_spain_s(client: Client) -> None:
    mexican = facts(client.get(ARTICLE, params={"locale": "es-MX"}).json())
    displays = [f["display"] for f in mexican.values() if f["kind"] == "cost"]
    assert any("3,000" in d and "10,000" in d for d in displays), displays
    assert not any("3.000" in d or "2.500" in d for d in displays), displays
    spanish = facts(client.get(ARTICLE, params={"locale": "es"}).json())
    assert any("3.000" in f["display"] for f in spanish.values())


@pytest.mark.parametrize("path", ["/v1/articles", "/v1/treatments", "/v1/bundles/es-MX"])
def test_every_document_exists_for_the_region(client: Client, path: str) -> None:
    response = client.get(path, params={} if "bundles" in path else {"locale": "es-MX"})
    assert response.status_code == 200
    assert response.headers["content-language" if "bundles" not in path else "content-type"]
    if "bundles" in path:
        bundle = response.json()
        assert bundle["locale"] == "es-MX"
        assert "3,000" in str(facts(bundle["articles"][0]))


def test_search_and_documents_agree_on_what_a_fallback_is(client: Client) -> None:
    """The one rule (`api.core.locales.is_fallback`): a Mexican reader's Spanish text is
    theirs in the section document, and so in a search hit on it. Before, search said
    `fallback: true` for the very text the section served with `fallback: false`."""
    found = client.get("/v1/search", params={"q": "células madre", "locale": "es-MX"})
    assert found.status_code == 200, found.text
    hits = [h for h in found.json()["results"] if h["locale"] == "es"]
    assert hits
    assert all(h["fallback"] is False for h in hits)
    hit = hits[0]
    got = client.get(
        f"/v1/articles/{SLUG}/sections/{hit['section_id']}", params={"locale": "es-MX"}
    )
    assert got.status_code == 200, got.text
    section = got.json()["section"]
    blocks = [b for b in section["blocks"] if b.get("locale") == "es"]
    assert blocks and all(b["fallback"] is False for b in blocks)
