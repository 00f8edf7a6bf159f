"""openapi.yaml at the root is exactly what the app serves."""

from __future__ import annotations

from typing import Any

import yaml
from litestar.testing import TestClient

from tests.conftest import ROOT


def test_openapi_file_equals_served_schema(client: TestClient[Any]) -> None:
    served = client.get("/schema/openapi.yaml").text
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == served, "openapi.yaml is stale: run `make openapi`"


def test_contract_documents_errors_examples_and_headers() -> None:
    schema = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    operations = [op for item in schema["paths"].values() for op in item.values()]
    for op in operations:
        if "delivery" not in op.get("tags", []):
            continue
        ok = op["responses"]["200"]
        assert ok["content"]["application/json"]["examples"], op["operationId"]
        assert "ETag" in ok["headers"], op["operationId"]
        assert "304" in op["responses"], op["operationId"]
        for status, response in op["responses"].items():
            if status.startswith("4"):
                assert "application/problem+json" in response["content"], op["operationId"]
    article = schema["paths"]["/v1/articles/{slug}"]["get"]
    params = {p["name"] for p in article["parameters"]}
    assert {"locale", "Accept-Language", "version", "slug"} <= params
    assert "Content-Language" in article["responses"]["200"]["headers"]
