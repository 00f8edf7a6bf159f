"""A delivery route's query string takes only the parameters the route documents, each
once, spelled exactly; anything else is a 400 problem naming the parameter (security probe
D10: `?LOCALE=es` was ignored by the app while nginx's `$arg_locale` read it)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import SLUG

SECTION = f"/v1/articles/{SLUG}/sections/introduction"


def _refused(client: TestClient[Any], url: str, **headers: str) -> dict[str, Any]:
    response = client.get(url, headers=headers)
    assert response.status_code == 400, (url, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["type"] == "/problems/invalid-parameter"
    head = client.head(url, headers=headers)
    assert head.status_code == 400 and head.content == b""
    return problem


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_probes_mis_cased_locale_is_refused_naming_it(
    client: TestClient[Any], language: str
) -> None:
    problem = _refused(client, SECTION + "?LOCALE=es", **{"Accept-Language": language})
    assert problem["errors"] == [
        {"field": "LOCALE", "message": "not a parameter of this route (did you mean 'locale'?)"}
    ]
    assert _refused(client, f"/v1/articles/{SLUG}?Locale=x")["errors"][0]["field"] == "Locale"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/v1/articles/{SLUG}?locale=es&locale=fr", "locale"),
        (f"/v1/articles/{SLUG}?version=1&version=2", "version"),
        ("/v1/search?q=hair&q=loss", "q"),
    ],
)
def test_a_repeated_parameter_is_refused(client: TestClient[Any], url: str, field: str) -> None:
    problem = _refused(client, url)
    assert problem["errors"] == [{"field": field, "message": "given more than once; give it once"}]


@pytest.mark.parametrize(
    ("url", "field", "takes"),
    [
        (f"{SECTION}?lang=es", "lang", "it takes locale, version"),
        (f"/v1/articles/{SLUG}?locale=es&utm_source=x", "utm_source", "it takes locale, version"),
        ("/v1/locales?cache=bust", "cache", "it takes none"),
        (f"/v1/articles/{SLUG}/versions?locale=es", "locale", "it takes none"),
        ("/v1/search?q=hair&Limit=2", "Limit", "did you mean 'limit'?"),
        (f"/v1/articles/{SLUG}?=es", "", "it takes locale, version"),
    ],
)
def test_an_unknown_parameter_is_refused_naming_it(
    client: TestClient[Any], url: str, field: str, takes: str
) -> None:
    problem = _refused(client, url)
    assert problem["errors"] == [
        {"field": field, "message": f"not a parameter of this route ({takes})"}
    ]


def test_a_long_unknown_name_is_shortened_in_the_answer(client: TestClient[Any]) -> None:
    problem = _refused(client, f"/v1/articles/{SLUG}?{'x' * 5000}=1")
    assert problem["errors"][0]["field"] == "x" * 40


@pytest.mark.parametrize(
    "url",
    [
        f"/v1/articles/{SLUG}?locale=es&version=1",
        f"{SECTION}?locale=es",
        f"/v1/articles/{SLUG}?%6Cocale=es",  # percent-encoded, the same name
        f"/v1/articles/{SLUG}/diff?from=1&to=1",
        "/v1/articles?locale=fr",
        "/v1/treatments?locale=ar",
        "/v1/search?q=hair&limit=2&locale=es",
        "/v1/changes?since=0&locale=es",
    ],
)
def test_every_documented_parameter_is_still_taken(client: TestClient[Any], url: str) -> None:
    response = client.get(url)
    assert response.status_code != 400 or "not a parameter" not in response.text, response.text
    assert response.status_code < 500


def test_routes_other_than_delivery_keep_their_own_rules(client: TestClient[Any]) -> None:
    assert client.get("/healthz?probe=1").status_code == 200
    assert client.get("/workspace/?next=/workspace/dashboard&x=1").status_code == 200
