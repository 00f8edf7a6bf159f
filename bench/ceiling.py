"""The framework ceiling: a minimal Litestar app that answers the article route with the
bytes and headers our server sent, held in a constant, and 304 for its ETag.

Whatever our server does beyond this (negotiation, lookup, validation) is the gap
between the two rows. The recorded response is read once from `$BENCH_CEILING`
(a JSON file written by `record`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get

__all__ = ["CEILING_ENV", "Recorded", "create_app", "record"]

CEILING_ENV = "BENCH_CEILING"


class Recorded(msgspec.Struct, frozen=True, kw_only=True):
    """One response of our server: its body and the headers that describe it."""

    body: bytes
    headers: dict[str, str]


_KEPT = ("etag", "cache-control", "vary", "content-language", "content-type")


def record(path: Path, body: bytes, headers: dict[str, str]) -> Recorded:
    """Keep the representation headers of a response and write it for `create_app`."""
    recorded = Recorded(body=body, headers={k: v for k, v in headers.items() if k in _KEPT})
    path.write_bytes(msgspec.json.encode(recorded))
    return recorded


def create_app() -> Litestar:
    """The ceiling app, serving the response recorded in `$BENCH_CEILING`."""
    recorded = msgspec.json.decode(Path(os.environ[CEILING_ENV]).read_bytes(), type=Recorded)
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
