"""Security headers on every response.

JSON needs no scripts, styles or frames, so its policy forbids everything; the API
browser at `/schema/docs` loads its script and styles from a CDN and gets a policy that
allows exactly that."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DOCS_CSP", "STRICT_CSP", "SecurityHeaders"]

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'none'; script-src {_CDN}; style-src 'unsafe-inline' {_CDN}; "
    f"img-src 'self' data: {_CDN}; font-src data: {_CDN} https://fonts.scalar.com; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_DOCS_PATH = "/schema/docs"


class SecurityHeaders:
    """ASGI middleware adding nosniff, no-referrer, no framing, a CSP and, when
    configured, HSTS."""

    def __init__(self, app: ASGIApp, *, hsts_max_age: int = 0) -> None:
        self.app = app
        self.fixed = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
        }
        if hsts_max_age > 0:
            self.fixed["Strict-Transport-Security"] = f"max-age={hsts_max_age}; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = DOCS_CSP if path == _DOCS_PATH or path.startswith(_DOCS_PATH + "/") else STRICT_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableScopeHeaders.from_message(message)
                for name, value in self.fixed.items():
                    headers[name] = value
                headers["Content-Security-Policy"] = csp
            await send(message)

        await self.app(scope, receive, send_with_headers)
