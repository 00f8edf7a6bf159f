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
from litestar.testing import TestClient

__all__ = ["PlainYamlRenderPlugin", "served_openapi_yaml"]


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
