"""The ASGI chain around the app (api.web.stack): its layers in their documented order,
and what that order is for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from api.web.app import create_app
from api.web.bodies import BodyDeadline, UnreadBodies
from api.web.cors import Cors
from api.web.head import HeadAsGet
from api.web.lifecycle_gate import LifecycleGate
from api.web.litestar_private import asgi_handler
from api.web.replay import ResponseCache
from api.web.security import SecurityHeaders
from api.web.stack import LAYERS, layer, layers
from api.web.tracing import Tracing
from tests.conftest import SLUG


def test_the_layers_are_in_their_documented_order(db_path: Path) -> None:
    app = create_app(db_path)
    found = layers(app)
    assert [type(each) for each in found] == [
        Tracing,
        LifecycleGate,
        ResponseCache,
        SecurityHeaders,
        Cors,
        HeadAsGet,
        UnreadBodies,
        BodyDeadline,
    ]
    assert tuple(type(each) for each in found) == LAYERS
    assert found[0] is asgi_handler(app)
    inner = found[-1].app  # type: ignore[attr-defined]
    assert not isinstance(inner, LAYERS)  # Litestar's own handler, under the last layer
    assert layer(app, ResponseCache) is found[2]


def test_a_replayed_answer_has_its_own_request_id_and_the_stored_security_headers(
    db_path: Path,
) -> None:
    with TestClient(create_app(db_path)) as client:
        first, second = (
            client.get(f"/v1/articles/{SLUG}", headers={"X-Request-ID": rid})
            for rid in ("first-request", "second-request")
        )
        assert layer(client.app, ResponseCache).hits == 1  # the second answer is a replay
    assert first.content == second.content
    assert [first.headers["x-request-id"], second.headers["x-request-id"]] == [
        "first-request",
        "second-request",
    ]
    for answer in (first, second):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_head_request_is_answered_with_the_cors_headers_of_its_get(db_path: Path) -> None:
    origin = {"Origin": "https://partner.example"}
    with TestClient(create_app(db_path)) as client:
        got: Any = client.get(f"/v1/articles/{SLUG}", headers=origin)
        head: Any = client.head(f"/v1/articles/{SLUG}", headers=origin)
    assert head.content == b""
    assert head.headers["access-control-allow-origin"] == got.headers["access-control-allow-origin"]
    assert head.headers["etag"] == got.headers["etag"]
