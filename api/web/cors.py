"""Cross-origin access: delivery is open to every site, management only to partners.

Delivery routes are public and read-only, so any origin may GET or HEAD them and read
their validators. Their answer is the same for every origin: `Access-Control-Allow-Origin:
*` on every GET and HEAD, with or without an `Origin` header, so a shared cache in front
keeps one copy for browsers and other readers alike and no `Vary: Origin` is needed.
Management routes answer cross-origin only to origins on the configured allowlist; for
any other origin they carry no CORS header at all, so a browser keeps the response from
the calling page (and, with an allowlist, every management answer says `Vary: Origin`).
The workspace is a same-origin application: no CORS header at all."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

__all__ = ["MANAGEMENT_PREFIX", "Cors", "is_management"]

MANAGEMENT_PREFIX = "/v1/manage"
_WORKSPACE_PATH = "/workspace"
_OPEN_METHODS = ("GET", "HEAD")
_MANAGE_METHODS = ("GET", "HEAD", "POST", "PUT")
_OPEN_HEADERS = "Accept, Accept-Language, If-None-Match, X-Request-ID"
_MANAGE_HEADERS = "Accept, Accept-Language, Authorization, Content-Type, If-Match, X-Request-ID"
_EXPOSE = (
    "ETag, Content-Language, Retry-After, X-Request-ID, RateLimit-Limit, RateLimit-Remaining, "
    "RateLimit-Reset, RateLimit-Policy, Link"
)
MAX_AGE = "600"


def describe_cors_and_head() -> str:
    """What the contract says about HEAD and CORS (both served for every route, neither an
    operation of its own), from the values the middleware uses."""
    return (
        "**HEAD:** every GET operation also answers HEAD, with the same status and headers "
        "and no body.\n\n"
        "**CORS:** delivery routes (everything outside "
        f"`{MANAGEMENT_PREFIX}`) are open to every origin: every GET and HEAD answer, with "
        "or without `Origin`, has `Access-Control-Allow-Origin: *` and "
        "`Access-Control-Expose-Headers: "
        f"{_EXPOSE}`; a preflight (`OPTIONS` with `Access-Control-Request-Method`) allows "
        f"{', '.join(_OPEN_METHODS)} with the request headers {_OPEN_HEADERS}, cached "
        f"{MAX_AGE} s. Management routes answer only the origins the operator allows "
        "(`vetted serve --cors-origins`), with `Vary: Origin`; a partner page needs no "
        "configuration."
    )


def delivery_cors_headers() -> dict[str, tuple[str, str]]:
    """The CORS headers of a delivery answer: name -> (value, description)."""
    sent = "On every GET and HEAD answer, whatever the request's `Origin`."
    return {
        "Access-Control-Allow-Origin": ("*", sent + " Delivery is open to every origin."),
        "Access-Control-Expose-Headers": (_EXPOSE, sent),
    }


def is_workspace(path: str) -> bool:
    """True for the workspace's pages."""
    return path == _WORKSPACE_PATH or path.startswith(_WORKSPACE_PATH + "/")


def is_management(path: str) -> bool:
    """True for routes under /v1/manage."""
    return path == MANAGEMENT_PREFIX or path.startswith(MANAGEMENT_PREFIX + "/")


class Cors:
    """ASGI middleware answering preflights and adding CORS headers by route kind."""

    def __init__(self, app: ASGIApp, *, origins: tuple[str, ...]) -> None:
        self.app = app
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or is_workspace(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = {k.decode(): v.decode("latin-1") for k, v in scope["headers"] if k in _READ}
        origin = headers.get("origin")
        managed = is_management(scope["path"])
        methods = _MANAGE_METHODS if managed else _OPEN_METHODS
        # Management: only an allowlisted Origin; delivery: everyone, Origin or not.
        allowed = origin in self.origins if managed else True
        requested = headers.get("access-control-request-method")
        if origin is not None and allowed and scope["method"] == "OPTIONS" and requested:
            await self._preflight(send, origin, managed, requested.upper() in methods)
            return
        add: dict[str, str] = {}
        if allowed and scope["method"] in methods:
            add["Access-Control-Allow-Origin"] = origin if managed and origin else "*"
            add["Access-Control-Expose-Headers"] = _EXPOSE
        vary = managed and bool(self.origins)
        if not add and not vary:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                out = MutableScopeHeaders.from_message(message)
                for name, value in add.items():
                    out[name] = value
                if vary:
                    out.extend_header_value("Vary", "Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    async def _preflight(send: Send, origin: str, managed: bool, allowed: bool) -> None:
        headers: list[tuple[bytes, bytes]] = [(b"content-length", b"0")]
        if managed:
            headers.append((b"vary", b"Origin"))
        if allowed:
            pairs = {
                "access-control-allow-origin": origin if managed else "*",
                "access-control-allow-methods": ", ".join(
                    _MANAGE_METHODS if managed else _OPEN_METHODS
                ),
                "access-control-allow-headers": _MANAGE_HEADERS if managed else _OPEN_HEADERS,
                "access-control-max-age": MAX_AGE,
            }
            headers.extend((k.encode(), v.encode("latin-1")) for k, v in pairs.items())
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": 204,
            "headers": headers,
        }
        body: HTTPResponseBodyEvent = {
            "type": "http.response.body",
            "body": b"",
            "more_body": False,
        }
        await send(start)
        await send(body)


_READ = frozenset({b"origin", b"access-control-request-method"})
