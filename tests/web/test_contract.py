"""openapi.yaml at the root is exactly what the app serves, is valid, and says what
generated clients need: every example matches its schema, unions are discriminated,
enums and timestamps are typed, headers declared, problem types listed."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml
from litestar.testing import TestClient
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from api.core.output import BlockOut
from api.web import problems
from api.web.contract import UNKNOWN_BLOCK
from tests.conftest import ROOT, SLUG

CONTRACT = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "delete", "patch")


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The operation's parameters by name, references resolved."""
    out = {}
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = CONTRACT["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        out[parameter["name"]] = parameter
    return out


def test_openapi_file_equals_served_schema(client: TestClient[Any]) -> None:
    served = client.get("/schema/openapi.yaml").text
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == served, "openapi.yaml is stale: run `make openapi`"


# Values for every delivery operation's path parameters and required query parameters.
PATH_VALUES = {
    "slug": SLUG,
    "section_id": "introduction",
    "locale": "es",
    "treatment_id": "minoxidil",
}
QUERIES = {
    "/v1/search": {"q": "minoxidil"},
    "/v1/changes": {"since": "0"},
}
# A diff needs two versions; the seeded article has one.
NEEDS_TWO_VERSIONS = "/v1/articles/{slug}/diff"


def test_every_delivery_answer_varies_as_the_contract_says(client: TestClient[Any]) -> None:
    """Partner review L2 and L3: the contract said `Vary: Accept-Language, Accept-Encoding` on
    every delivery answer while `/v1/locales` sent `Accept-Encoding`; the bundle, whose
    locale the path names, sent `Accept-Language` and split caches for nothing. Each
    delivery answer's `Vary` is now the contract's `const` for that operation. HEAD and CORS
    were served but not in the contract: they are now, and each answer matches."""
    checked = {}
    for name, operation in operations(CONTRACT):
        if not name.startswith("GET ") or "delivery" not in operation.get("tags", []):
            continue
        path = name.removeprefix("GET ")
        if path == NEEDS_TWO_VERSIONS:
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
        origin = {"Origin": "https://partner.example"}
        response = client.get(url, params=QUERIES.get(path, {}), headers=origin)
        assert response.status_code == 200, (url, response.text)
        headers = operation["responses"]["200"]["headers"]
        promised = headers["Vary"]["schema"]["const"]
        assert response.headers["vary"] == promised, url
        checked[path] = promised
        # L3: CORS as the contract states it, and HEAD (every GET answers it).
        for name in ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers"):
            assert response.headers[name] == headers[name]["schema"]["const"], (url, name)
        head = client.head(url, params=QUERIES.get(path, {}))
        assert head.status_code == 200 and head.content == b"", url
        assert head.headers["etag"] == response.headers["etag"], url
    assert checked["/v1/locales"] == checked["/v1/bundles/{locale}"] == "Accept-Encoding"
    assert checked["/v1/articles/{slug}"] == "Accept-Language, Accept-Encoding"
    assert len(checked) >= 10
    described = CONTRACT["info"]["description"]
    assert "**HEAD:** every GET operation" in described and "**CORS:**" in described


def test_contract_passes_the_openapi_validator() -> None:
    validate(CONTRACT)
    broken = copy.deepcopy(CONTRACT)
    broken["paths"]["/v1/articles/{slug}"]["get"]["parameters"][0]["in"] = "body"
    with pytest.raises(Exception, match="body"):
        validate(broken)


def test_contract_documents_errors_examples_and_headers() -> None:
    for name, op in operations(CONTRACT):
        assert op["security"] == [] or op["security"] == [{"BearerToken": []}], name
        assert any(code.startswith("4") for code in op["responses"]), name
        assert "X-Request-ID" in parameters(op), name
        for response in op["responses"].values():
            assert "X-Request-ID" in response["headers"], name
        if "delivery" not in op.get("tags", []):
            continue
        ok = op["responses"]["200"]
        (media,) = ok["content"].values()  # application/json, or ld+json for schema.org data
        assert media["examples"], name
        assert "ETag" in ok["headers"], name
        assert "304" in op["responses"] and "If-None-Match" in parameters(op), name
        for status, response in op["responses"].items():
            if status.startswith("4"):
                assert "application/problem+json" in response["content"], name
    article = CONTRACT["paths"]["/v1/articles/{slug}"]["get"]
    assert {"locale", "Accept-Language", "version", "slug"} <= set(parameters(article))
    assert "Content-Language" in article["responses"]["200"]["headers"]
    assert CONTRACT["info"]["license"]["identifier"]


def test_optional_parameters_are_never_null_and_if_match_is_required() -> None:
    seen_if_match = 0
    for name, op in operations(CONTRACT):
        for parameter in parameters(op).values():
            schema = parameter["schema"]
            assert "null" not in str(schema.get("type")), (name, parameter["name"])
            assert all(b.get("type") != "null" for b in schema.get("oneOf", ())), name
            if parameter["name"] == "If-Match" and name != "POST /v1/manage/articles/{slug}/drafts":
                # A draft of a new article names no version; a change to one must (428).
                assert parameter["required"] is True, name
                seen_if_match += 1
    assert seen_if_match >= 6


def test_summaries_are_sentences() -> None:
    for name, op in operations(CONTRACT):
        summary = op["summary"]
        assert re.fullmatch(r"[A-Z][a-z]+( [\w'’,-]+)+", summary), (name, summary)
        assert not re.search(r"[a-z][A-Z]", summary), (name, summary)


def _example_cases() -> Iterator[tuple[str, str, Any]]:
    """(where, JSON pointer of the schema, example value) for every example."""
    for path, item in CONTRACT["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            base = f"/paths/{_escape(path)}/{method}"
            op = item[method]
            for i, parameter in enumerate(op.get("parameters", [])):
                for example in (parameter.get("examples") or {}).values():
                    yield (
                        f"{base} {parameter['name']}",
                        f"{base}/parameters/{i}/schema",
                        example["value"],
                    )
            places = [("requestBody", op.get("requestBody", {}))]
            places += [(f"responses/{c}", r) for c, r in op["responses"].items()]
            for where, holder in places:
                for media, content in holder.get("content", {}).items():
                    pointer = f"{base}/{where}/content/{_escape(media)}/schema"
                    for key, example in (content.get("examples") or {}).items():
                        yield f"{base} {where} {media} {key}", pointer, example["value"]
    for name, schema in CONTRACT["components"]["schemas"].items():
        for value in schema.get("examples", ()):
            yield name, f"/components/schemas/{name}", value


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _validator(pointer: str) -> jsonschema.Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        "urn:contract", Resource.from_contents(CONTRACT, default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator(
        {"$ref": f"urn:contract#{pointer}"},
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def test_every_example_matches_its_own_schema() -> None:
    cases = list(_example_cases())
    assert len(cases) > 150
    for where, pointer, value in cases:
        errors = [e.message for e in _validator(pointer).iter_errors(value)]
        assert not errors, (where, errors[:3])


def test_the_example_check_rejects_a_wrong_example() -> None:
    changes = "/paths/~1v1~1changes/get/responses/200/content/application~1json/schema"
    value = CONTRACT["paths"]["/v1/changes"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["examples"]["changes-example-1"]["value"]
    assert _validator(changes).is_valid(value)
    for breaking in (
        lambda v: v.pop("locales"),
        lambda v: v["articles"][0].update(published_at="yesterday"),
        lambda v: v["articles"][0]["sections"][0]["blocks"][2].update(unit="fortnight"),
        lambda v: v["articles"][0].update(dir="up"),
    ):
        wrong = copy.deepcopy(value)
        breaking(wrong)
        assert not _validator(changes).is_valid(wrong)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_block_unions_are_named_discriminated_and_open_to_new_types() -> None:
    """Partner review H1: one named, flat `oneOf` per block union with its discriminator
    (what openapi-generator's `typescript-fetch` parses member by member), not the nested
    `anyOf: [oneOf(…), UnknownBlock]` whose members it merged, dropping every block's text."""
    schemas = CONTRACT["components"]["schemas"]
    assert schemas["SectionOut"]["properties"]["blocks"]["items"] == _ref("BlockOut")
    assert schemas["Section"]["properties"]["blocks"]["items"] == _ref("Block")
    tags = {
        t.__struct_config__.tag: f"#/components/schemas/{t.__name__}" for t in BlockOut.__args__
    }
    out = schemas["BlockOut"]
    assert "anyOf" not in out and "unknown block" in out["description"]
    assert out["discriminator"] == {
        "propertyName": "type",
        "mapping": {**tags, UNKNOWN_BLOCK: f"#/components/schemas/{UNKNOWN_BLOCK}"},
    }
    assert sorted(m["$ref"] for m in out["oneOf"]) == sorted(
        out["discriminator"]["mapping"].values()
    )
    source = schemas["Block"]
    assert source["discriminator"]["propertyName"] == "type"
    assert set(source["discriminator"]["mapping"]) == set(tags)
    assert len(source["oneOf"]) == len(tags)
    # Exactly one member matches any block: a future type is an UnknownBlock, a known type
    # with a missing field is invalid (never an UnknownBlock), a known one is itself.
    validator = _validator("/components/schemas/BlockOut")
    future = {"type": "chart", "id": "c1", "locale": "es", "fallback": False, "points": [1]}
    assert validator.is_valid(future)
    assert not validator.is_valid({**future, "type": "paragraph"})
    paragraph = {**future, "type": "paragraph", "text": "Hola.", "safety": False}
    del paragraph["points"]
    assert validator.is_valid(paragraph)


def test_output_schemas_keep_the_enums_and_formats_of_the_input() -> None:
    schemas = CONTRACT["components"]["schemas"]

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{name}"}

    for fact in ("Fact", "FactOut"):
        assert schemas[fact]["properties"]["unit"]["oneOf"][0] == ref("DurationUnit")
        assert schemas[fact]["properties"]["per"]["oneOf"][0] == ref("CostBasis")
    for callout in ("Callout", "CalloutOut"):
        assert schemas[callout]["properties"]["kind"] == ref("CalloutKind")
    for model in ("ArticleOut", "SectionDocument", "LocaleInfo"):
        assert schemas[model]["properties"]["dir"] == ref("TextDirection")
    assert schemas["TextDirection"]["enum"] == ["ltr", "rtl"]
    assert schemas["DurationUnit"]["enum"][:2] == ["minute", "hour"]
    # Partner review L1: one named FallbackReason, not an inline enum per field (which
    # openapi-python-client turned into three classes each).
    for out in ("SectionOut", "TreatmentOut"):
        reason = schemas[out]["properties"]["fallback_reason"]
        assert reason["oneOf"] == [ref("FallbackReason"), {"type": "null"}]
    assert schemas["FallbackReason"]["enum"] == ["safety-text-untranslated"]
    timestamps = [
        (name, field, prop)
        for name, schema in schemas.items()
        for field, prop in schema.get("properties", {}).items()
        if field == "at" or field.endswith("_at")
    ]
    assert len(timestamps) >= 8
    for name, field, prop in timestamps:
        branches = (prop, *prop.get("oneOf", ()))
        formats = {b.get("format") for b in branches if b.get("type") == "string"}
        assert formats == {"date-time"}, (name, field, prop)


def test_sync_documents_describe_every_property() -> None:
    """Partner review M3/issue 28: `Bundle` had no property descriptions; a kiosk needs the
    order of `articles` and `treatments` and what the cursor is for."""
    schemas = CONTRACT["components"]["schemas"]
    for name in ("Bundle", "Changes", "Removed"):
        properties = schemas[name]["properties"]
        undescribed = [p for p, s in properties.items() if not s.get("description")]
        assert not undescribed, (name, undescribed)
    assert "sorted by `slug`" in schemas["Bundle"]["properties"]["articles"]["description"]
    assert "by `id`" in schemas["Bundle"]["properties"]["treatments"]["description"]


def test_problem_types_are_listed_for_clients_to_switch_on() -> None:
    schemas = CONTRACT["components"]["schemas"]
    listed = schemas["ProblemType"]["enum"]
    assert listed == [f"/problems/{name}" for name in problems.PROBLEM_TYPES]
    emitted = {name for _, name in problems._ERRORS} | set(problems._BY_STATUS.values())
    assert emitted | {"bad-request", "server-error"} == set(problems.PROBLEM_TYPES)
    assert {"$ref": "#/components/schemas/ProblemType"} in schemas["Problem"]["properties"]["type"][
        "anyOf"
    ]


@pytest.mark.parametrize(
    ("path", "status", "example"),
    [
        (f"/v1/articles/{SLUG}?locale=e$", 400, "invalid-locale"),
        (f"/v1/articles/{SLUG}?version=abc", 400, "invalid-parameter"),
        (f"/v1/articles/{SLUG}?LOCALE=es", 400, "unknown-parameter"),
        ("/v1/articles/hair-growth-pills", 404, "not-found"),
    ],
)
def test_documented_problem_examples_are_what_the_server_sends(
    client: TestClient[Any], path: str, status: int, example: str
) -> None:
    documented = CONTRACT["paths"]["/v1/articles/{slug}"]["get"]["responses"][str(status)]
    examples = documented["content"]["application/problem+json"]["examples"]
    value = next(e["value"] for e in examples.values() if e["summary"] == example)
    response = client.get(path)
    assert response.status_code == status
    assert response.json() == value
