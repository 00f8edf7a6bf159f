"""The two limits our server is measured against, both answering the article route with
the bytes and headers our server sent, held in a constant, and 304 for its ETag: the
framework ceiling (a minimal Litestar app) and the Python limit (a bare ASGI callable, no
framework at all), each under the same server and workers as ours.

Whatever our server does beyond these (routing, negotiation, lookup, headers) is the gap
between the rows. The recorded response is read once from `$BENCH_CEILING` (a JSON file
written by `record`)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get

__all__ = ["CEILING_ENV", "Recorded", "create_app", "create_asgi_app", "record"]

CEILING_ENV = "BENCH_CEILING"


class Recorded(msgspec.Struct, frozen=True, kw_only=True):
    """One response of our server: its body and the headers that describe it."""

    body: bytes
    headers: dict[str, str]
    """The representation headers (what the framework ceiling sends)."""
    wire_headers: dict[str, str] = {}
    """Every header but those the server adds or computes (what the raw callable sends)."""


_KEPT = ("etag", "cache-control", "vary", "content-language", "content-type")
_SERVER_MADE = ("server", "date", "content-length", "transfer-encoding")


def record(path: Path, body: bytes, headers: dict[str, str]) -> Recorded:
    """Keep the headers of a response and write it for `create_app`."""
    recorded = Recorded(
        body=body,
        headers={k: v for k, v in headers.items() if k in _KEPT},
        wire_headers={k: v for k, v in headers.items() if k not in _SERVER_MADE},
    )
    path.write_bytes(msgspec.json.encode(recorded))
    return recorded


def _recorded() -> Recorded:
    return msgspec.json.decode(Path(os.environ[CEILING_ENV]).read_bytes(), type=Recorded)


def create_app() -> Litestar:
    """The ceiling app, serving the response recorded in `$BENCH_CEILING`."""
    recorded = _recorded()
    body = recorded.body
    etag = recorded.headers["etag"]
    media_type = recorded.headers.get("content-type", "application/json")
    headers = {k: v for k, v in recorded.headers.items() if k != "content-type"}

    @get("/v1/articles/{slug:str}", sync_to_thread=False)
    def article(request: Request[Any, Any, Any], slug: str) -> Response[bytes]:
        if request.headers.get("if-none-match") == etag:
            return Response(b"", status_code=304, headers=headers)
        return Response(body, media_type=media_type, headers=headers)

    return Litestar(route_handlers=[article], openapi_config=None)


def create_asgi_app() -> Any:
    """The Python limit: a bare ASGI callable serving the response recorded in
    `$BENCH_CEILING` with every header our server sent (its request id as a constant),
    200, or 304 when If-None-Match is its ETag."""
    recorded = _recorded()
    etag = recorded.headers["etag"].encode()
    wire = [(k.encode(), v.encode("latin-1")) for k, v in recorded.wire_headers.items()]
    ok = [(b"content-length", str(len(recorded.body)).encode()), *wire]
    fixed = [(k, v) for k, v in wire if k not in (b"content-type", b"content-encoding")]
    body = recorded.body

    async def app(
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if any(k == b"if-none-match" and v == etag for k, v in scope["headers"]):
            await send({"type": "http.response.start", "status": 304, "headers": fixed})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": ok})
        await send({"type": "http.response.body", "body": body})

    return app
