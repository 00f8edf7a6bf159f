"""Request ids and the access log, around every request the app answers.

An incoming `X-Request-ID` is kept when it is short and plain, else a new one is made; it
is echoed on every response (errors, 304s and preflights too) and stamped on every log
line written while the request runs. The access log names the path, never the query
string or any header, so no secret can reach it."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Awaitable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from api.logs import request_id

__all__ = ["REQUEST_ID_HEADER", "Tracing", "sane_request_id"]

REQUEST_ID_HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
access_log = logging.getLogger("vetted.access")


def sane_request_id(value: str | None) -> str:
    """The caller's request id if it is safe to echo and log, else a fresh one."""
    if value and _SANE.fullmatch(value):
        return value
    # 128 random bits in hex, as uuid4().hex gives, without building a UUID (a few µs).
    return os.urandom(16).hex()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


class Tracing:
    """ASGI middleware: request id in and out, one access log line per request."""

    def __init__(self, app: ASGIApp, *, access_log: bool) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        rid = sane_request_id(_header(scope, b"x-request-id"))
        token = request_id.set(rid)
        try:
            if self.access_log:
                await self._logged(rid, scope, receive, send)
            else:
                await self.app(scope, receive, _with_request_id(send, rid.encode()))
        finally:
            request_id.reset(token)

    async def _logged(self, rid: str, scope: HTTPScope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500
        locale: str | None = None
        stamped = _with_request_id(send, rid.encode())

        def send_and_note(message: Message) -> Awaitable[None]:
            nonlocal status, locale
            if message["type"] == "http.response.start":
                status = message["status"]
                locale = next(
                    (
                        v.decode("latin-1")
                        for k, v in message.get("headers", ())
                        if k.lower() == b"content-language"
                    ),
                    None,
                )
            return stamped(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            fields = {
                "request_id": rid,
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            }
            if locale:
                fields["locale"] = locale
            access_log.info("request", extra={"fields": fields})


def _with_request_id(send: Send, rid: bytes) -> Send:
    # A plain function handing back send's awaitable: no coroutine of its own per message.
    def send_with_id(message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid)]
        return send(message)

    return send_with_id
