"""Security headers on every response.

JSON needs no scripts, styles or frames, so its policy forbids everything; the API
reference at `/docs` gets scripts, styles and images from our own origin only (its
stylesheet's icons are `data:` images) and may fetch the contract, nothing else; the
workspace and the root page get everything from our own origin only, and post forms only
to it. A preview link's page (`/preview/…`, read by someone without an account) gets the
pages' policy, sends no referrer at all (its URL is the secret) and asks search engines
not to index it."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DOCS_CSP", "PAGE_CSP", "STRICT_CSP", "SecurityHeaders"]

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# Pages people use in a browser (the workspace, the root page): everything from our own
# origin, forms posted only to it, never framed.
PAGE_CSP = (
    "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
_DOCS_PATH = "/docs"
_WORKSPACE_PATH = "/workspace"
_PREVIEW_PATH = "/preview"


class SecurityHeaders:
    """ASGI middleware adding nosniff, no-referrer, no framing, a CSP and, when
    configured, HSTS."""

    def __init__(self, app: ASGIApp, *, hsts_max_age: int = 0) -> None:
        self.app = app
        fixed = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
        ]
        if hsts_max_age > 0:
            hsts = f"max-age={hsts_max_age}; includeSubDomains".encode()
            fixed.append((b"strict-transport-security", hsts))
        # Built once: a response only appends these (no route sets them itself).
        no_referrer = (b"referrer-policy", b"no-referrer")
        self.strict = [*fixed, no_referrer, (b"content-security-policy", STRICT_CSP.encode())]
        self.docs = [*fixed, no_referrer, (b"content-security-policy", DOCS_CSP.encode())]
        # Pages with forms send their origin to themselves (browsers send `Origin: null`
        # under no-referrer, and the CSRF check wants the real one); never to others.
        self.pages = [
            *fixed,
            (b"referrer-policy", b"same-origin"),
            (b"content-security-policy", PAGE_CSP.encode()),
        ]
        self.preview = [
            *fixed,
            no_referrer,
            (b"x-robots-tag", b"noindex, nofollow, noarchive"),
            (b"content-security-policy", PAGE_CSP.encode()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == _DOCS_PATH or path.startswith(_DOCS_PATH + "/"):
            extra = self.docs
        elif path.startswith(_PREVIEW_PATH + "/"):
            extra = self.preview
        elif path == "/" or path.startswith(_WORKSPACE_PATH):
            extra = self.pages
        else:
            extra = self.strict

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
