"""The schema.org JSON-LD of partner pages, validated offline through a real JSON-LD
processor (pyld) against the vendored schema.org vocabulary (release 30.0, see
tests/data/schemaorg/README.md): every term expands to a schema.org IRI, every type and
property exists in the vocabulary, and every property is used on a type in its domain with
a value in its range."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from litestar.testing import TestClient
from pyld import jsonld

from api.core.jsonld import citations
from api.sources import read_content
from api.store.importer import import_content
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import ARTICLE_FILE, ROOT, SLUG

Client = TestClient[Any]
JSONLD = f"/v1/articles/{SLUG}/jsonld"
VOCABULARY = ROOT / "tests" / "data" / "schemaorg"
SCHEMA = "http://schema.org/"
CONTEXT_URLS = (
    "https://schema.org",
    "https://schema.org/",
    "http://schema.org",
    "http://schema.org/",
)
# Literal values: which schema.org data types a JSON value (or a typed value) can be.
LITERAL_TYPES = {"Text", "URL", "Date", "DateTime", "Number", "Integer", "Boolean"}


def _read(name: str) -> Any:
    return json.loads(gzip.decompress((VOCABULARY / name).read_bytes()))


class Vocabulary:
    """Classes with their superclasses, and properties with their domains and ranges."""

    def __init__(self) -> None:
        graph = _read("schemaorg-current-http-30.0.jsonld.gz")["@graph"]
        self.parents: dict[str, set[str]] = {}
        self.domains: dict[str, set[str]] = {}
        self.ranges: dict[str, set[str]] = {}
        for node in graph:
            kinds = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
            iri = node["@id"].replace("schema:", SCHEMA)
            if "rdfs:Class" in kinds:
                self.parents[iri] = {_iri(p) for p in _ids(node.get("rdfs:subClassOf"))}
            if "rdf:Property" in kinds:
                self.domains[iri] = {_iri(d) for d in _ids(node.get("schema:domainIncludes"))}
                self.ranges[iri] = {_iri(r) for r in _ids(node.get("schema:rangeIncludes"))}

    def ancestry(self, classes: set[str]) -> set[str]:
        """The classes and all their superclasses."""
        out, pending = set(), list(classes)
        while pending:
            current = pending.pop()
            if current not in out:
                out.add(current)
                pending.extend(self.parents.get(current, ()))
        return out


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    return [v["@id"] for v in (value if isinstance(value, list) else [value])]


def _iri(curie: str) -> str:
    return curie.replace("schema:", SCHEMA)


@cache
def vocabulary() -> Vocabulary:
    return Vocabulary()


@cache
def _context() -> dict[str, Any]:
    context: dict[str, Any] = _read("schemaorgcontext-30.0.jsonld.gz")
    return context


def offline_loader(url: str, options: Any = None) -> dict[str, Any]:
    """Serves schema.org's context from the vendored copy; any other URL is an error (the
    test never touches the network)."""
    if url not in CONTEXT_URLS:
        raise ValueError(f"offline: no document for {url}")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": _context(),
    }


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    expanded: list[dict[str, Any]] = jsonld.expand(document, {"documentLoader": offline_loader})
    return expanded


def _keys(value: Any) -> int:
    """Terms used in a compact document (not JSON-LD keywords)."""
    if isinstance(value, dict):
        return sum(not k.startswith("@") for k in value) + sum(_keys(v) for v in value.values())
    if isinstance(value, list):
        return sum(_keys(v) for v in value)
    return 0


def problems(nodes: list[dict[str, Any]], vocab: Vocabulary) -> Iterator[str]:
    """What in an expanded document is not schema.org as the vocabulary defines it."""
    for node in nodes:
        types = set(node.get("@type", []))
        for kind in types:
            if kind not in vocab.parents:
                yield f"type {kind} is not a schema.org class"
        classes = vocab.ancestry(types)
        for prop, values in node.items():
            if prop.startswith("@"):
                continue
            if prop not in vocab.domains:
                yield f"{prop} is not a schema.org property"
                continue
            if not classes & vocab.domains[prop]:
                yield f"{prop} is not a property of {sorted(types)}"
            for value in values:
                yield from _range_problems(prop, value, vocab)
                if "@value" not in value:
                    yield from problems([value], vocab)


def _range_problems(prop: str, value: dict[str, Any], vocab: Vocabulary) -> Iterator[str]:
    allowed = vocab.ancestry(vocab.ranges[prop]) | vocab.ranges[prop]
    if "@value" in value:
        literal = {SCHEMA + t for t in LITERAL_TYPES}
        typed = value.get("@type")
        ok = typed in allowed if typed else bool(allowed & literal)
        if not ok:
            yield f"{prop}: literal {value} is not in its range"
        return
    if set(value) == {"@id"}:  # an IRI (the context types `url` as `@id`)
        if SCHEMA + "URL" not in allowed:
            yield f"{prop}: an IRI is not in its range"
        return
    kinds = vocab.ancestry(set(value.get("@type", [])))
    if not kinds & vocab.ranges[prop]:
        yield f"{prop}: {sorted(value.get('@type', []))} is not in its range"


def check(document: dict[str, Any]) -> list[dict[str, Any]]:
    expanded = expand(document)
    assert len(expanded) == 1
    flat = json.dumps(expanded)
    # Every term expanded (none dropped) and to a schema.org IRI.
    assert _keys(expanded) == _keys(document), flat
    assert all(k.startswith(SCHEMA) for k in _iris(expanded)), flat
    assert list(problems(expanded, vocabulary())) == []
    return expanded


def _iris(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if not key.startswith("@"):
                yield key
            yield from _iris(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _iris(inner)


def test_the_validator_catches_what_schema_org_does_not_define() -> None:
    page = {"@context": "https://schema.org", "@type": "MedicalWebPage", "name": "x"}
    assert check(page)
    wrong = [
        ({**page, "lastReviewd": "2026-01-01"}, "lastReviewd is not a schema.org property"),
        ({**page, "@type": "MedicalPage"}, "type http://schema.org/MedicalPage"),
        ({**page, "@type": "Person", "lastReviewed": "2026-01-01"}, "is not a property of"),
        ({**page, "reviewedBy": {"@type": "MedicalCondition", "name": "x"}}, "not in its range"),
    ]
    for document, reason in wrong:
        found = list(problems(expand(document), vocabulary()))
        assert any(reason in p for p in found), (document, found)


@pytest.mark.parametrize("locale", ["en", "es", "fr", "ar"])
def test_the_shipped_article_is_a_valid_medical_web_page(client: Client, locale: str) -> None:
    response = client.get(JSONLD, params={"locale": locale})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["content-language"] == locale
    page = response.json()
    assert page["@context"] == "https://schema.org" and page["@type"] == "MedicalWebPage"
    assert page["inLanguage"] == locale
    article = client.get(f"/v1/articles/{SLUG}", params={"locale": locale}).json()
    assert page["lastReviewed"] == article["review"]["last_reviewed"]
    # The seeding import has no token, so no role or credentials to show.
    assert page["reviewedBy"] == {
        "@type": "Person",
        "name": article["review"]["reviewed_by"]["name"],
    }
    assert page["audience"] == [{"@type": "MedicalAudience", "audienceType": "patients"}]
    title = article["title"]
    assert page["name"] == (
        title["text"] if title["locale"] == locale else {"@value": title["text"], "@language": "en"}
    )
    expanded = check(page)[0]
    assert expanded[SCHEMA + "lastReviewed"] == [
        {"@type": SCHEMA + "Date", "@value": article["review"]["last_reviewed"]}
    ]
    again = client.get(
        JSONLD, params={"locale": locale}, headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.fixture()
def about_client(tree: Path) -> Iterator[Client]:
    """The shipped article stating the conditions it is about (a test fixture: the article
    file gains `about`), so `about` and an untranslated name are exercised."""
    data = yaml.safe_load(ARTICLE_FILE.read_text(encoding="utf-8"))
    data["about"] = [
        {"name": "Androgenetic alopecia", "code": "L64", "coding_system": "ICD-10"},
        {"name": "Hair loss"},
    ]
    path = tree / "content" / "articles" / f"{SLUG}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    db.conn.close()
    with TestClient(create_app(tree / "v.db")) as client:
        yield client


def test_about_names_the_conditions_in_the_language_they_are_in(about_client: Client) -> None:
    page = about_client.get(JSONLD, params={"locale": "fr"}).json()
    assert page["about"] == [
        {
            "@type": "MedicalCondition",
            "name": {"@value": "Androgenetic alopecia", "@language": "en"},
            "code": {"@type": "MedicalCode", "codeValue": "L64", "codingSystem": "ICD-10"},
        },
        {"@type": "MedicalCondition", "name": {"@value": "Hair loss", "@language": "en"}},
    ]
    expanded = check(page)[0]
    (condition, _) = expanded[SCHEMA + "about"]
    assert condition[SCHEMA + "name"] == [{"@value": "Androgenetic alopecia", "@language": "en"}]
    english = about_client.get(JSONLD, params={"locale": "en"}).json()
    assert english["about"][1] == {"@type": "MedicalCondition", "name": "Hair loss"}
    check(english)


def test_an_unknown_article_is_a_problem(client: Client) -> None:
    response = client.get("/v1/articles/no-such-article/jsonld")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


class _Reference(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of an article's reference (issue 24, point 3) that citations read."""

    title: str
    authors: tuple[str, ...] = ()
    publisher: str | None = None
    url: str | None = None
    doi: str | None = None
    published: str | None = None


def test_references_become_valid_citations() -> None:
    references = (
        _Reference(
            title="Minoxidil topical solution 5%: label",
            publisher="U.S. Food and Drug Administration",
            url="https://www.accessdata.fda.gov/",
            published="2021-03",
        ),
        _Reference(
            title="Oral minoxidil for hair loss: a review",
            authors=("A. Author", "B. Author"),
            doi="10.1000/example.123",
            published="2023",
        ),
    )
    cited = citations(references)
    page = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": "x",
        "citation": json.loads(msgspec.json.encode(cited)),
    }
    expanded = check(page)[0]
    first, second = expanded[SCHEMA + "citation"]
    assert first[SCHEMA + "publisher"][0][SCHEMA + "name"] == [
        {"@value": "U.S. Food and Drug Administration"}
    ]
    assert second[SCHEMA + "url"] == [{"@id": "https://doi.org/10.1000/example.123"}]
    assert [a[SCHEMA + "name"][0]["@value"] for a in second[SCHEMA + "author"]] == [
        "A. Author",
        "B. Author",
    ]
