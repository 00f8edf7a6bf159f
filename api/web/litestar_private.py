"""Every place Vetted relies on a part of Litestar that Litestar does not promise to keep:
private attributes, the wording of its messages, the shape of its error data, the
signature model of a handler, and replacing the app's ASGI handler. Each seam is one
function here, with a test in tests/web/test_litestar_private.py that fails when an
upgrade of Litestar breaks it (the lock pins the release these were read from).

Nothing else in `api/` touches Litestar's private API; a new touch belongs here, with its
test."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from litestar import Litestar
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import (
    BodyKwarg,
    CookieParameter,
    HeaderParameter,
    PathParameter,
    QueryParameter,
)
from litestar.types import ASGIApp

__all__ = [
    "HandlerParameter",
    "asgi_handler",
    "built_openapi",
    "handler_parameters",
    "missing_parameter",
    "restore_openapi",
    "set_asgi_handler",
    "validation_items",
]

# Litestar names a missing query, header or cookie parameter only in its message
# (litestar/_kwargs/extractors.py); clients want the field.
_MISSING = re.compile(r"Missing required \w+ parameter '([^']+)'")


def asgi_handler(app: Litestar) -> ASGIApp:
    """The ASGI callable Litestar answers requests with (its exception handling and
    routing); `Litestar.__call__` hands every request to it."""
    handler: ASGIApp = app.asgi_handler
    return handler


def set_asgi_handler(app: Litestar, handler: ASGIApp) -> None:
    """Make `handler` (the stack of api.web.stack around Litestar's own) what the app
    answers with. Litestar's `middleware=` would put layers inside its exception handling,
    per route; these must see every response, the framework's own errors included."""
    app.asgi_handler = handler


def built_openapi(app: Litestar) -> tuple[Any, dict[str, Any]]:
    """What Litestar's OpenAPI plugin built: the OpenAPI object and the served dict (the
    plugin keeps them in the private `_openapi` and `_openapi_schema`)."""
    plugin: Any = app.plugins.get("OpenAPIPlugin")
    return plugin._openapi, plugin._openapi_schema


def restore_openapi(app: Litestar, built: tuple[Any, dict[str, Any]]) -> None:
    """Give a new app the contract another app of the same routes built (`built_openapi`),
    so the plugin neither builds nor serves anything else."""
    plugin: Any = app.plugins.get("OpenAPIPlugin")
    plugin._openapi, plugin._openapi_schema = built


def missing_parameter(exc: HTTPException) -> str | None:
    """The parameter a Litestar "missing required parameter" error names, if it is one."""
    found = _MISSING.match(str(exc.detail))
    return found.group(1) if found else None


def validation_items(exc: HTTPException) -> list[dict[str, Any]]:
    """The invalid fields of a Litestar validation error: dicts with `key`, `message` and
    `source` ("body", "query", "path", "header", "cookie")."""
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        return [item for item in exc.extra if isinstance(item, dict)]
    return []


class HandlerParameter(NamedTuple):
    """One argument of a route handler, as a client sends it."""

    annotation: Any
    wire_name: str  # the name on the wire (`?from=` for the argument `from_version`)
    # "query", "header", "cookie", "path" or "body" when declared so; "" when undeclared
    # (a plain query or path parameter, a dependency, `request`).
    source: str


def _source(kwarg: Any) -> str:
    kinds = (
        (HeaderParameter, "header"),
        (CookieParameter, "cookie"),
        (PathParameter, "path"),
        (QueryParameter, "query"),
        (BodyKwarg, "body"),
    )
    for kind, source in kinds:
        if isinstance(kwarg, kind):
            return source
    # The older `Parameter(header=..., cookie=..., query=...)` spelling.
    for source in ("header", "cookie", "query"):
        if getattr(kwarg, source, None):
            return source
    return ""


def handler_parameters(handler: BaseRouteHandler) -> dict[str, HandlerParameter]:
    """Each argument of a route handler by its name in the function, from Litestar's
    parsed signature of the handler and the `Parameter` definitions it carries."""
    found = {}
    for name, field in handler.parsed_fn_signature.parameters.items():
        kwarg = field.kwarg_definition
        source = _source(kwarg)
        wire = next(
            (
                value
                for alias in (source, "name")
                if alias and isinstance(value := getattr(kwarg, alias, None), str) and value
            ),
            name,
        )
        found[name] = HandlerParameter(field.annotation, wire, "body" if name == "data" else source)
    return found
