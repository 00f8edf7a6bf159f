"""The OpenAPI contract exactly as the running app serves it, and the finishing Litestar
cannot do by itself: discriminated block unions, named enums, timestamps, the headers
every operation takes and sends, problem types, and security on public operations."""

from __future__ import annotations

import logging
import tempfile
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import yaml
from litestar import Litestar, Request
from litestar.openapi.plugins import YamlRenderPlugin
from litestar.openapi.spec import OpenAPI, OpenAPIType, Schema
from litestar.testing import TestClient

from api.core import model, sync, webhooks
from api.core.locales import TextDirection
from api.core.output import BlockOut, FallbackReason
from api.web.litestar_private import built_openapi, restore_openapi
from api.web.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES

__all__ = [
    "UNKNOWN_BLOCK",
    "PlainYamlRenderPlugin",
    "build_contract",
    "finish_contract",
    "merge_number_unions",
    "served_openapi_yaml",
]

UNKNOWN_BLOCK = "UnknownBlock"
_SCHEMAS = "#/components/schemas/"
_FORWARD_COMPATIBLE = (
    "Clients must treat an unknown block `type` as a block they cannot show: keep parsing "
    "the article, skip the block (or show its `text` when it has one), and never fail the "
    "whole document. New block types are added without a new API version; every block, "
    "known or not, has `type`, `id`, `locale` and `fallback`."
)
# Enums the model names once; each becomes one component every field refers to, so a
# generated client has one `DurationUnit`, not one enum per field that uses it.
_NAMED_ENUMS: dict[str, Any] = {
    "DurationUnit": model.DurationUnit,
    "CostBasis": model.CostBasis,
    "CalloutKind": model.CalloutKind,
    "FactKind": model.FactKind,
    "Form": model.Form,
    "TreatmentKind": model.TreatmentKind,
    "RegulatoryStatus": model.RegulatoryStatus,
    "Audience": model.Audience,
    "TextDirection": TextDirection,
    "ItemKind": sync.ItemKind,
    "FallbackReason": FallbackReason,
}


class PlainYamlRenderPlugin(YamlRenderPlugin):
    """The YAML schema as plain, portable YAML.

    Litestar's own renderer uses `yaml.dump`, which writes Python-specific tags
    (`!!python/tuple`) that generic OpenAPI tooling rejects; going through JSON first
    leaves only plain types, and real Unicode stays readable.
    """

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        plain = msgspec.json.decode(msgspec.json.encode(openapi_schema))
        return yaml.safe_dump(
            plain, allow_unicode=True, sort_keys=True, default_flow_style=False
        ).encode("utf-8")


def merge_number_unions(schema: OpenAPI) -> None:
    """Describe `int | float` fields as `number`.

    Litestar writes them as `oneOf: [integer, number]`, which no integer satisfies: an
    integer is also a number, and `oneOf` demands exactly one match.
    """
    components = schema.components
    for item in (components.schemas or {}).values() if components else ():
        _merge(item)


def _merge(node: Any) -> None:
    if not isinstance(node, Schema):
        return
    kinds = [getattr(s, "type", None) for s in node.one_of or ()]
    if sorted(map(str, kinds)) == sorted(map(str, (OpenAPIType.INTEGER, OpenAPIType.NUMBER))):
        node.one_of = None
        node.type = OpenAPIType.NUMBER
    for child in (
        *(node.one_of or ()),
        *(node.any_of or ()),
        *(node.all_of or ()),
        *(node.properties or {}).values(),
        node.items,
    ):
        _merge(child)


# Finished contracts by the routes they describe. The contract is a function of the code
# (routes and models), not of settings; building it is most of what creating an app costs,
# so a process that creates many apps (the test suite) builds each shape once.
_BUILT: dict[tuple[tuple[str, tuple[str, ...]], ...], tuple[Any, dict[str, Any]]] = {}


def build_contract(app: Litestar, *steps: Callable[[OpenAPI], None]) -> None:
    """Build the app's contract: Litestar's OpenAPI object, each of `steps` applied to it,
    then the served document finished (`finish_contract`); once per route shape."""
    shape = tuple(
        sorted((route.path, tuple(sorted(getattr(route, "methods", ())))) for route in app.routes)
    )
    if shape in _BUILT:
        restore_openapi(app, _BUILT[shape])
        return
    schema = app.openapi_schema
    for step in steps:
        step(schema)
    finish_contract(app)
    _BUILT[shape] = built_openapi(app)


def finish_contract(app: Litestar) -> None:
    """Finish the app's schema document in place, once, before it is first served."""
    document = _served_document(app)
    components = document.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    _discriminate_unions(schemas)
    _name_enums(document, schemas)
    for node in _schema_nodes(document):
        _timestamp(node)
        _variadic_items(node)
    _problem_types(schemas)
    _headers(document, components)
    for operation in _operations(document):
        # Public operations say so: no security requirement at all.
        operation.setdefault("security", [])
        _client_errors(operation)
    _webhooks(document, schemas)


_WEBHOOK_HEADERS = (
    ("webhook-id", "The event's id: the same on every retry and replay; drop repeats by it."),
    ("webhook-timestamp", "When this attempt was sent, in Unix seconds."),
    (
        "webhook-signature",
        "`v1,<base64>` HMAC-SHA256 signatures of `{webhook-id}.{webhook-timestamp}.{body}`, "
        "space-separated (two while a secret rotation overlaps); verify with a Standard "
        "Webhooks library.",
    ),
)


def _webhooks(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    """The events partners receive (OpenAPI 3.1 `webhooks`): each payload's schema, with
    the Standard Webhooks headers, and what an answer means."""
    names = {data: f"{data.__name__}Data" for data in webhooks.EVENT_DATA}
    found = msgspec.json.schema_components(list(names), ref_template=_SCHEMAS + "{name}Data")[1]
    document["webhooks"] = {}
    for data, name in names.items():
        schema = found[data.__name__]
        schema["properties"]["cursor"] = {
            "type": "integer",
            "description": webhooks.CURSOR_DESCRIPTION,
        }
        schema["required"] = [*schema.get("required", []), "cursor"]
        schemas[name] = schema
        kind = webhooks.event_type_of(data)
        event = name.removesuffix("Data") + "Event"
        schemas[event] = {
            "type": "object",
            "title": event,
            "description": f"The `{kind}` payload, as the specification shapes it.",
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": {"type": "string", "enum": [kind]},
                "timestamp": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When the event happened (not when it was sent).",
                },
                "data": {"$ref": _SCHEMAS + name},
            },
        }
        document["webhooks"][kind] = {
            "post": {
                "operationId": "on" + event,
                "summary": (data.__doc__ or kind).strip().splitlines()[0].rstrip("."),
                "tags": ["webhook events"],
                "security": [],
                "parameters": [
                    {
                        "name": header,
                        "in": "header",
                        "required": True,
                        "description": meaning,
                        "schema": {"type": "string"},
                    }
                    for header, meaning in _WEBHOOK_HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": _SCHEMAS + event},
                            "examples": {"example": {"value": webhooks.example_payload(data)}},
                        }
                    },
                },
                "responses": {
                    "200": {"description": "Received (any 2xx): the delivery is done."},
                    "410": {"description": "Gone: the endpoint is disabled, nothing more is sent."},
                },
            }
        }


def _served_document(app: Litestar) -> dict[str, Any]:
    # The dict every render plugin serves is built once and cached by Litestar's OpenAPI
    # plugin; finishing it in place changes what /schema/openapi.{yaml,json} and /docs get.
    plugin: Any = app.plugins.get("OpenAPIPlugin")
    document: dict[str, Any] = plugin.provide_openapi_schema()
    return document


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document.get("paths", {}).values():
        for method in ("get", "put", "post", "delete", "patch", "head"):
            if method in item:
                yield item[method]


def _schema_nodes(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every schema object of the document (never an example value)."""
    roots: list[Any] = list(document.get("components", {}).get("schemas", {}).values())
    for operation in _operations(document):
        roots += [p.get("schema") for p in operation.get("parameters", [])]
        body = operation.get("requestBody", {})
        roots += [m.get("schema") for m in body.get("content", {}).values()]
        for response in operation.get("responses", {}).values():
            roots += [m.get("schema") for m in response.get("content", {}).values()]
    stack = [r for r in roots if isinstance(r, dict)]
    while stack:
        node = stack.pop()
        yield node
        children = [
            *node.get("properties", {}).values(),
            *node.get("oneOf", ()),
            *node.get("anyOf", ()),
            *node.get("allOf", ()),
            *node.get("prefixItems", ()),
            node.get("items"),
            node.get("additionalProperties"),
            node.get("not"),
        ]
        stack += [c for c in children if isinstance(c, dict)]


def _variadic_items(node: dict[str, Any]) -> None:
    """`Annotated[tuple[X, ...], Meta(...)]` (an array with its own bounds, such as `cites`)
    comes out of Litestar as `items: {oneOf: [X, {}]}`: the `...` read as a second member,
    an empty schema that matches anything. The items are X."""
    items = node.get("items")
    branches = items.get("oneOf") if isinstance(items, dict) else None
    if node.get("type") == "array" and branches and len(branches) == 2 and {} in branches:
        node["items"] = next(b for b in branches if b != {})


def _discriminate_unions(schemas: dict[str, Any]) -> None:
    """Tagged unions get `discriminator: {propertyName: type, mapping}`. The block unions
    become named components every block list refers to: `Block` (input: exactly one of
    the known types) and `BlockOut` (responses: the known types or `UnknownBlock`, for
    types added later).

    `BlockOut` is one flat `anyOf` whose discriminator maps every known tag; a tag the
    mapping does not list is an `UnknownBlock`. Generators dispatch on the tag and keep
    each member whole (openapi-generator's `typescript-fetch` kept only the properties
    common to all members of the earlier nested `anyOf: [oneOf(…), UnknownBlock]`).
    """
    named = {
        frozenset(_SCHEMAS + t.__name__ for t in typing.get_args(union)): name
        for name, union in (("Block", model.Block), ("BlockOut", BlockOut))
    }
    known = sorted(t.__struct_config__.tag for t in typing.get_args(BlockOut))
    for node in list(_all_nodes(schemas)):
        members = node.get("oneOf") or ()
        found = {m.get("$ref", ""): _tag(schemas, m.get("$ref", "")) for m in members}
        tags = {ref: tag for ref, tag in found.items() if tag is not None}
        if not members or len(tags) != len(members):
            continue
        mapping = {tag: ref for ref, tag in sorted(tags.items(), key=lambda i: i[1])}
        discriminator: dict[str, Any] = {"propertyName": "type", "mapping": mapping}
        name = named.get(frozenset(tags))
        if name is None:
            node["discriminator"] = discriminator
            continue
        kept = {k: v for k, v in node.items() if k not in ("oneOf", "anyOf", "discriminator")}
        node.clear()
        node.update({"$ref": _SCHEMAS + name, **kept})
        refs = [{"$ref": ref} for ref in mapping.values()]
        if name == "BlockOut":
            # The fallback member is in the mapping under its own name, as OpenAPI's
            # implicit mapping would put it: every member then has a tag validators can
            # find (Redocly checks the examples with it), and any tag the mapping does
            # not list still matches `UnknownBlock` by its schema.
            mapping[UNKNOWN_BLOCK] = _SCHEMAS + UNKNOWN_BLOCK
            schemas[name] = {
                "title": name,
                "description": "A block of a section, as delivered. " + _FORWARD_COMPATIBLE,
                "oneOf": [*refs, {"$ref": _SCHEMAS + UNKNOWN_BLOCK}],
                "discriminator": discriminator,
            }
            schemas[UNKNOWN_BLOCK] = _unknown_block(known)
        else:
            schemas[name] = {
                "title": name,
                "description": "A block of a section: one of the types the mapping lists.",
                "oneOf": refs,
                "discriminator": discriminator,
            }


def _all_nodes(schemas: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from _schema_nodes({"components": {"schemas": schemas}})


def _tag(schemas: dict[str, Any], ref: str) -> str | None:
    target = schemas.get(ref.removeprefix(_SCHEMAS), {}) if ref.startswith(_SCHEMAS) else {}
    tag = target.get("properties", {}).get("type", {}).get("const")
    return tag if isinstance(tag, str) else None


def _unknown_block(known: list[str]) -> dict[str, Any]:
    return {
        "title": UNKNOWN_BLOCK,
        "description": "A block whose `type` this version of the contract does not list. "
        + _FORWARD_COMPATIBLE,
        "type": "object",
        "properties": {
            "type": {
                "type": "string",
                "not": {"enum": known},
                "description": "A block type added after this contract.",
            },
            "id": {"type": "string"},
            "locale": {"type": "string", "description": "The locale this block is in."},
            "fallback": {"type": "boolean"},
        },
        "required": ["fallback", "id", "locale", "type"],
        "additionalProperties": True,
    }


def _name_enums(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    by_values = {typing.get_args(_literal(t)): name for name, t in _NAMED_ENUMS.items()}
    for node in list(_schema_nodes(document)):
        values = tuple(v for v in node.get("enum", ()) if v is not None)
        name = by_values.get(values)
        if name is None or node is schemas.get(name):
            continue
        schemas[name] = {"type": "string", "enum": list(values), "title": name}
        nullable = None in node["enum"]
        kept = {k: v for k, v in node.items() if k in ("description", "default")}
        node.clear()
        ref = {"$ref": _SCHEMAS + name}
        node.update({"oneOf": [ref, {"type": "null"}]} if nullable else ref)
        node.update(kept)


def _literal(kind: Any) -> Any:
    """The `Literal` of an enum, without the `Annotated` that gives it a description."""
    return typing.get_args(kind)[0] if typing.get_origin(kind) is typing.Annotated else kind


def _timestamp(node: dict[str, Any]) -> None:
    """Our timestamps are the fields named `at` or `…_at`: UTC, RFC 3339 (`…Z`)."""
    for name, prop in node.get("properties", {}).items():
        if name != "at" and not name.endswith("_at"):
            continue
        for branch in (prop, *prop.get("oneOf", ())):
            if branch.get("type") == "string":
                branch["format"] = "date-time"


def _problem_types(schemas: dict[str, Any]) -> None:
    listed = "\n".join(
        f"- `/problems/{name}` ({kind.status}): {kind.meaning}"
        for name, kind in PROBLEM_TYPES.items()
    )
    schemas["ProblemType"] = {
        "title": "ProblemType",
        "type": "string",
        "enum": [f"/problems/{name}" for name in PROBLEM_TYPES],
        # Names for generated enum members (openapi-generator, openapi-python-client).
        "x-enum-varnames": [name.replace("-", "_").upper() for name in PROBLEM_TYPES],
        "description": "Every problem `type` this server sends:\n\n" + listed,
    }
    problem = schemas["Problem"]["properties"]
    problem["type"] = {
        "anyOf": [{"$ref": _SCHEMAS + "ProblemType"}, {"type": "string"}],
        "description": "What went wrong, stable for clients to switch on: one of "
        "`ProblemType` today. A type added later is still a string: handle it by `status`.",
    }


_REQUEST_ID = {
    "name": "X-Request-ID",
    "in": "header",
    "required": False,
    "description": "Your id for this request (1–128 of `A-Z a-z 0-9 . _ : -`, starting with a "
    "letter or digit), echoed back and logged; anything else is replaced by a new id.",
    "schema": {"type": "string"},
}
_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag you hold (or several, comma-separated): `304` with no body "
    "when the representation is unchanged.",
    "schema": {"type": "string"},
}
_REQUEST_ID_HEADER = {
    "description": "The request's id (yours when valid, else a new one); every log line of "
    "the request has it.",
    "required": True,
    "schema": {"type": "string"},
}


def _headers(document: dict[str, Any], components: dict[str, Any]) -> None:
    """Declare the conditional and tracing headers; tidy the generated parameters."""
    components.setdefault("parameters", {}).update(
        {"RequestId": _REQUEST_ID, "IfNoneMatch": _IF_NONE_MATCH}
    )
    components.setdefault("headers", {})["RequestId"] = _REQUEST_ID_HEADER
    for operation in _operations(document):
        parameters = operation.setdefault("parameters", [])
        for parameter in parameters:
            _tidy_parameter(parameter, operation.get("operationId"))
        if "304" in operation.get("responses", {}):
            parameters.append({"$ref": "#/components/parameters/IfNoneMatch"})
        parameters.append({"$ref": "#/components/parameters/RequestId"})
        for response in operation.get("responses", {}).values():
            headers = response.setdefault("headers", {})
            headers["X-Request-ID"] = {"$ref": "#/components/headers/RequestId"}


# A new article has no version to name; a change to a published one must (428 without).
_IF_MATCH_OPTIONAL = frozenset({"createDraft"})


def _tidy_parameter(parameter: dict[str, Any], operation: str | None) -> None:
    # An absent If-Match is answered 428: to a client it is required.
    if parameter.get("name") == "If-Match" and operation not in _IF_MATCH_OPTIONAL:
        parameter["required"] = True
    # An optional parameter is left out, never sent as null: a nullable schema makes some
    # generated clients send `None` (and crash building the header).
    schema = parameter.get("schema", {})
    branches = schema.get("oneOf")
    if branches and any(b.get("type") == "null" for b in branches):
        kept = [b for b in branches if b.get("type") != "null"]
        del schema["oneOf"]
        if len(kept) == 1:
            schema.update({**kept[0], **schema})
        else:
            schema["oneOf"] = kept


def _client_errors(operation: dict[str, Any]) -> None:
    """An operation that answers no client error for a well-formed request (the probes)
    still says what one would look like."""
    responses = operation.setdefault("responses", {})
    if any(code.startswith("4") for code in responses):
        return
    responses["4XX"] = {
        "description": "Not expected for a well-formed request; any client error is a "
        "problem document.",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _SCHEMAS + "Problem"}}},
        "headers": {"X-Request-ID": {"$ref": "#/components/headers/RequestId"}},
    }


def served_openapi_yaml() -> str:
    """Fetch `/schema/openapi.yaml` from a fresh app (the schema needs no content)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from api.web.app import create_app

    with (
        tempfile.TemporaryDirectory() as folder,
        TestClient(create_app(Path(folder) / "schema.db")) as client,
    ):
        response = client.get("/schema/openapi.yaml")
        response.raise_for_status()
        return response.text
