"""Request bodies before any handler sees them: a deadline for receiving them, the media
types and codings each route takes, and the JSON nesting measured off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request
from litestar.concurrency import sync_to_thread
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from api.core.nesting import check_json_depth
from api.web.litestar_private import handler_parameters

__all__ = ["BodyDeadline", "BodyTimeout", "refuse_unreadable_json", "refuse_unreadable_po"]

JSON_TYPES = frozenset({"application/json"})
# A raw upload may come without a type (curl -T); a .po is text by any other name.
PO_TYPES = frozenset(
    {
        "",
        "text/x-gettext-translation",
        "text/x-po",
        "application/x-po",
        "text/plain",
        "multipart/form-data",  # the `catalog` part of a form, as generated clients send it
    }
)


class BodyTimeout(ClientException):
    """The client did not send its whole body in time."""

    status_code = 408


class BodyDeadline:
    """ASGI layer: a request's body must arrive within `seconds` of its first byte being
    awaited, else the read fails with 408 (granian only times out headers). A slow sender
    then holds a connection for at most that long, never a worker's attention."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        await self.app(scope, self._timed(receive), send)

    def _timed(self, receive: Receive) -> Callable[[], Awaitable[ReceiveMessage]]:
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        done = False

        async def timed_receive() -> ReceiveMessage:
            nonlocal deadline, done
            if done:
                # After the body, receive only waits for a disconnect: no deadline.
                return await receive()
            if deadline is None:
                deadline = loop.time() + self.seconds
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout(
                    detail=f"the request body did not arrive within {self.seconds:g} seconds"
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                done = True
            return message

        return timed_receive


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length != "0")


def _refuse_codings_and_types(request: Request[Any, Any, Any], types: frozenset[str]) -> None:
    coding = request.headers.get("content-encoding", "identity").strip().lower()
    if coding not in ("", "identity"):
        # Decoding would let 5 MB on the wire become gigabytes in memory; nobody needs it.
        raise ClientException(
            status_code=415,
            detail=f"Content-Encoding {coding[:40]!r} is not accepted; send the body as is",
        )
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in types:
        shown = " or ".join(sorted(t for t in types if t)) or "none"
        raise ClientException(
            status_code=415, detail=f"Content-Type {media[:80]!r} is not accepted; send {shown}"
        )


async def refuse_unreadable_json(request: Request[Any, Any, Any]) -> None:
    """Before a JSON write is decoded (the guards have checked token and role by then):
    the right media type, no compression, nesting measured, and the body decoded against
    the handler's own type, all in a worker thread. Litestar decodes a body untyped before
    it converts it: 5 MB of `[],[],…` became 1.6 million lists on the event loop (seconds);
    a typed decode refuses it at its first wrong byte, so only bodies of the right shape
    reach Litestar's decoding."""
    if request.method in {"POST", "PUT"}:
        if _has_body(request):
            _refuse_codings_and_types(request, JSON_TYPES)
        body = await request.body()
        await sync_to_thread(_check_body, body, _decoder(request.route_handler))


def _check_body(body: bytes, decoder: msgspec.json.Decoder[Any] | None) -> None:
    check_json_depth(body)
    if decoder is None or not body:
        return
    try:
        decoder.decode(body)
    except msgspec.ValidationError as exc:
        # Reported as Litestar reports a body that does not fit the handler's type.
        message, _, where = str(exc).partition(" - at `$")
        key = where.rstrip("`").lstrip(".") or "data"
        raise ValidationException(
            detail="Validation failed for the request body",
            extra=[{"message": message, "key": key, "source": "body"}],
        ) from exc
    except msgspec.DecodeError:
        return  # malformed JSON: Litestar's own 400 says so


_DECODERS: dict[int, tuple[BaseRouteHandler, msgspec.json.Decoder[Any] | None]] = {}


def _decoder(handler: BaseRouteHandler) -> msgspec.json.Decoder[Any] | None:
    """A typed decoder for the handler's `data`, made once per handler (kept beside it:
    an id alone can be reused by another app's handler)."""
    known = _DECODERS.get(id(handler))
    if known is None or known[0] is not handler:
        data = handler_parameters(handler).get("data")
        decoder = msgspec.json.Decoder(data.annotation) if data is not None else None
        known = _DECODERS[id(handler)] = (handler, decoder)
    return known[1]


async def refuse_unreadable_po(request: Request[Any, Any, Any]) -> None:
    """Before a catalog upload is read: a .po's media type, no compression."""
    _refuse_codings_and_types(request, PO_TYPES)
