"""The OpenAPI contract exactly as the running app serves it."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import msgspec
import yaml
from litestar import Request
from litestar.openapi.plugins import YamlRenderPlugin
from litestar.openapi.spec import OpenAPI, OpenAPIType, Schema
from litestar.testing import TestClient

__all__ = ["PlainYamlRenderPlugin", "merge_number_unions", "served_openapi_yaml"]


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
