"""HEAD answered as GET without the body (RFC 9110 §9.3.2), for every GET route: caches,
kiosks and link checkers ask for validators and sizes without fetching the bytes."""

from __future__ import annotations

from typing import cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HEAD_AS_GET", "HeadAsGet", "is_head"]

HEAD_AS_GET = "vetted.head"
"""The scope key that marks a GET which answers a HEAD: a response read from a file
sends its headers without reading it."""


def is_head(scope: Scope) -> bool:
    """Whether this GET answers a HEAD request (its body will be dropped)."""
    return bool(scope.get(HEAD_AS_GET, False))


class HeadAsGet:
    """ASGI middleware: a HEAD request runs the GET route; its body is dropped on the way
    out, while every header (Content-Length and ETag included) stays as GET sends it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        as_get = cast(Scope, {**scope, "method": "GET", HEAD_AS_GET: True})
        await self.app(as_get, receive, send_without_body)
