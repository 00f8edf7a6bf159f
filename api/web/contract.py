"""The OpenAPI contract exactly as the running app serves it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import logging

from litestar.testing import TestClient

from api.web.app import create_app

__all__ = ["served_openapi_yaml"]


def served_openapi_yaml() -> str:
    """Fetch `/schema/openapi.yaml` from a fresh app (the schema needs no content)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder, \
            TestClient(create_app(Path(folder) / "schema.db")) as client:
        response = client.get("/schema/openapi.yaml")
        response.raise_for_status()
        return response.text
