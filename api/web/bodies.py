"""Request bodies before any handler sees them: a deadline for receiving them, the media
types and codings each route takes, the JSON nesting measured off the event loop, and
what becomes of the connection when an answer is sent before the body was read."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import msgspec
from litestar import Request
from litestar.concurrency import sync_to_thread
from litestar.datastructures import FormMultiDict
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import ClientException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from api.core.nesting import check_json_depth
from api.web.litestar_private import handler_parameters

__all__ = [
    "DRAIN_BYTES",
    "DRAIN_SECONDS",
    "FORM_BOUNDS",
    "MAX_BODY_BYTES",
    "MULTIPART",
    "PO_MEDIA_TYPE",
    "SMALLEST_FORM",
    "UPLOAD_FIELD",
    "BodyDeadline",
    "BodyTimeout",
    "FormBounds",
    "FormTooLarge",
    "UnreadBodies",
    "bounded_form",
    "refuse_unreadable_json",
    "refuse_unreadable_po",
]

MAX_BODY_BYTES = 5_000_000
"""The largest body any route takes (413 beyond): a catalog upload's limit."""
PO_MEDIA_TYPE = "text/x-gettext-translation"
"""What a catalog is sent and downloaded as (the API's and the workspace's)."""
MULTIPART = "multipart/form-data"
UPLOAD_FIELD = "catalog"
"""The form part of a catalog upload (the API's multipart form and the workspace's)."""
JSON_TYPES = frozenset({"application/json"})
# A raw upload may come without a type (curl -T); a .po is text by any other name.
PO_TYPES = frozenset(
    {
        "",
        PO_MEDIA_TYPE,
        "text/x-po",
        "application/x-po",
        "text/plain",
        MULTIPART,  # the `catalog` part of a form, as generated clients send it
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


# A body an answer was sent before reading (a refusal by a guard, a 413) is read to its
# end and dropped when it is announced at no more than this many bytes and has arrived
# within DRAIN_SECONDS: the connection then serves the client's next request. Any other
# such answer says `Connection: close`, and the server closes the connection after it.
DRAIN_BYTES = 65_536
DRAIN_SECONDS = 1.0


class UnreadBodies:
    """ASGI layer: an answer sent before its request's body was read to the end. granian
    cannot reuse such a connection: it closed it after the answer without a word, and a
    client's next request on it (which a client does not retry when it is a POST) failed.
    A small body is read and dropped; otherwise the answer says `Connection: close`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        announced = _announced(scope["headers"])
        if announced == 0:
            await self.app(scope, receive, send)
            return
        received = 0
        done = False

        async def reading() -> ReceiveMessage:
            nonlocal received, done
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                done = not message.get("more_body", False)
            else:
                done = True  # the client is gone: nothing more to read
            return message

        async def drained() -> bool:
            if announced is None or announced > DRAIN_BYTES:
                return False
            try:
                async with asyncio.timeout(DRAIN_SECONDS):
                    while not done and received <= announced:
                        await reading()
            except TimeoutError:
                return False
            return done and received <= announced

        async def answering(message: Message) -> None:
            if message["type"] == "http.response.start" and not done and not await drained():
                headers = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() != b"connection"
                ]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, reading, answering)


def _announced(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    """The body length a request announces: 0 for none, None when it is chunked (or its
    length is not a number)."""
    length = 0
    for name, value in headers:
        if name == b"transfer-encoding":
            return None
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return None
    return length


class FormBounds(msgspec.Struct, frozen=True, kw_only=True):
    """What a form route takes, checked before its body is parsed: at most `max_bytes`
    of body and `max_fields` fields (URL-encoded pairs, or parts of a multipart form)."""

    max_bytes: int
    max_fields: int


FORM_BOUNDS = "form_bounds"
"""The key of a form route's `FormBounds` in its handler's `opt`."""
SMALLEST_FORM = FormBounds(max_bytes=1_024, max_fields=4)
"""The bounds of a form route that names none: a security token and a button."""


class FormTooLarge(ClientException):
    """A form body larger, or with more fields, than its route takes."""

    status_code = 413


async def bounded_form(request: Request[Any, Any, Any]) -> FormMultiDict:
    """The request's form, parsed only once its body is known to be within its route's
    `FormBounds`: the announced length is checked before a byte is read, the fields are
    counted (one C-speed pass over the bytes) before any is parsed. Litestar parses a
    URL-encoded body into a dict of lists on the event loop: 5 MB of `a=1&a=1&…` (1.2
    million fields) took it a second, on a route anybody may post to (security probe D4)."""
    bounds: FormBounds = request.route_handler.opt.get(FORM_BOUNDS, SMALLEST_FORM)
    announced = request.content_length
    if announced is not None and announced > bounds.max_bytes:
        raise FormTooLarge(detail=_too_large(bounds))
    body = await request.body()  # within the app's limit on any body
    if len(body) > bounds.max_bytes:
        raise FormTooLarge(detail=_too_large(bounds))
    media, options = request.content_type
    if media == RequestEncodingType.URL_ENCODED:
        fields = body.count(b"&") + 1 if body else 0
    elif media == RequestEncodingType.MULTI_PART and "boundary" in options:
        fields = max(0, body.count(b"--" + options["boundary"].encode()) - 1)
    else:
        fields = 0  # not a form: it parses to no fields at all
    if fields > bounds.max_fields:
        raise FormTooLarge(
            detail=f"this form has at most {bounds.max_fields} fields; {fields} were sent"
        )
    return await request.form()


def _too_large(bounds: FormBounds) -> str:
    return f"this form's body is larger than its limit of {bounds.max_bytes} bytes"


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
