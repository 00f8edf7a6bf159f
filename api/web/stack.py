"""The ASGI layers every request passes through, around Litestar's own handler, in one
place. From the outside in:

1. `Tracing`: the request id and the access log. Outermost, so every answer has its
   `X-Request-ID` and its log line: replayed ones, preflights, 408s and 413s included.
2. `LifecycleGate`: carries out a scheduled change that is due before anything answers
   (the sweep may be late), and caps every `Cache-Control` lifetime at the next scheduled
   change. Outside the replay cache, whose stored answers it caps on their way out too.
3. `ResponseCache`: replays a delivery response the app already sent for an identical
   request. Outside everything that only shapes a response, so a replay skips that work,
   and inside Tracing, whose request id must differ per request (it is never stored).
4. `SecurityHeaders`: nosniff, framing, CSP and HSTS on every response the app makes,
   so they are part of what the replay layer stores and sends again.
5. `Cors`: preflights and the CORS response headers; inside the security headers so a
   preflight answer gets them too. `Origin` is part of the replay key.
6. `HeadAsGet`: a HEAD request runs its GET route and loses the body on the way out;
   inside Cors, which answers HEAD as the GET it stands for.
7. `UnreadBodies`: an answer sent before its request body was read to the end reads a
   small rest and drops it, or says `Connection: close` (granian cannot reuse such a
   connection); outside the deadline, so it also sees the deadline's 408.
8. `BodyDeadline`: a request body must arrive within the configured time, before any
   handler reads it; innermost, nearest the handlers that read bodies.

Litestar's `middleware=` would put layers inside its routing and exception handling;
these must see every response, the framework's own errors included, so the chain
replaces the app's ASGI handler (a seam: api.web.litestar_private)."""

from __future__ import annotations

from typing import Any, TypeVar

from litestar import Litestar
from litestar.types import ASGIApp

from api.config import Settings
from api.web.bodies import BodyDeadline, UnreadBodies
from api.web.cors import Cors
from api.web.head import HeadAsGet
from api.web.lifecycle_gate import LifecycleGate
from api.web.litestar_private import asgi_handler, set_asgi_handler
from api.web.replay import ResponseCache, delivery_roots
from api.web.security import SecurityHeaders
from api.web.tracing import Tracing

__all__ = ["LAYERS", "layer", "layers", "wrap"]

# The chain, outermost first (tests/web/test_stack.py holds the app to it).
LAYERS: tuple[type, ...] = (
    Tracing,
    LifecycleGate,
    ResponseCache,
    SecurityHeaders,
    Cors,
    HeadAsGet,
    UnreadBodies,
    BodyDeadline,
)

Layer = TypeVar("Layer")


def wrap(app: Litestar, settings: Settings) -> None:
    """Put the chain around the app's own handler (once, when the app is made)."""
    handler: ASGIApp = BodyDeadline(asgi_handler(app), seconds=settings.body_timeout)
    handler = UnreadBodies(handler)
    handler = HeadAsGet(handler)
    handler = Cors(handler, origins=settings.cors_origins)
    handler = SecurityHeaders(handler, hsts_max_age=settings.hsts_max_age)
    roots = delivery_roots(app)
    handler = ResponseCache(handler, roots=roots, max_bytes=settings.response_cache_mb * 1_000_000)
    handler = LifecycleGate(handler, roots=roots)
    set_asgi_handler(app, Tracing(handler, access_log=settings.access_log))


def layers(app: Litestar) -> list[object]:
    """The app's layers, outermost first, down to (not including) Litestar's handler."""
    found: list[object] = []
    handler: Any = asgi_handler(app)  # every layer keeps the one it wraps as `app`
    while any(isinstance(handler, kind) for kind in LAYERS):
        found.append(handler)
        handler = handler.app
    return found


def layer(app: Litestar, kind: type[Layer]) -> Layer:
    """The app's one layer of type `kind` (the replay layer, for the lifespan and tests)."""
    for found in layers(app):
        if isinstance(found, kind):
            return found
    raise LookupError(f"the app has no {kind.__name__} layer")
