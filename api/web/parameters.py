"""The query string of a delivery route, checked once before its handler runs.

- Every name is one the route takes, spelled exactly (names are case-sensitive): an
  unknown or mis-cased name such as `?LOCALE=es` is refused, not ignored. A cache in front
  that matched `locale` without regard to case, or any cache keyed on the whole URL,
  would otherwise store the same answer under endless spellings, or one reader's
  language for everyone.
- Every name comes once: `?locale=es&locale=fr` has no one meaning (a framework takes the
  last, a cache's `$arg_locale` the first).
- Whole-number parameters are written in digits: Litestar would also read `1e3`, `1.0` or
  ` 12` as numbers, and a cursor or a limit has one spelling.

Each refusal is a 400 `invalid-parameter` problem naming the parameter. The names a route
takes are read from the route's own signature when the app is built (`delivery_queries`),
so the rule and the routes cannot drift apart."""

from __future__ import annotations

import re
from typing import Any, get_args

from litestar import Litestar, Request
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import Example, OpenAPI, OpenAPIResponse, Parameter
from litestar.routes import HTTPRoute

from api.core.errors import InvalidParameter
from api.web.litestar_private import handler_parameters

__all__ = [
    "DeliveryQueries",
    "check_query",
    "delivery_queries",
    "document_query_rules",
]

_DIGITS = re.compile(r"[0-9]{1,20}")
_SHOWN = 40  # characters of a refused name or value repeated in the answer
# By id(), with the handler kept beside its names: an id alone can be reused by another
# app's handler once the first is collected (handlers take no weak references).
_INTEGERS: dict[int, tuple[BaseRouteHandler, tuple[str, ...]]] = {}
DELIVERY_TAG = "delivery"

# id(handler) -> (handler, the exact query names it takes), for delivery routes.
DeliveryQueries = dict[int, tuple[BaseRouteHandler, frozenset[str]]]


def delivery_queries(app: Litestar) -> DeliveryQueries:
    """The query parameter names of every GET route tagged `delivery`, from the same
    signature model Litestar reads the parameters with."""
    found: DeliveryQueries = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, model) in route.route_handler_map.items():
            if method == "GET" and DELIVERY_TAG in (handler.resolve_tags() or ()):
                names = frozenset(p.field_alias for p in model.expected_query_params)
                found[id(handler)] = (handler, names)
    return found


def _integer_parameters(handler: BaseRouteHandler) -> tuple[str, ...]:
    names = []
    for parameter in handler_parameters(handler).values():
        kinds = get_args(parameter.annotation) or (parameter.annotation,)
        if int in kinds and bool not in kinds and parameter.source in ("query", ""):
            names.append(parameter.wire_name)
    return tuple(names)


def _unknown(name: str, known: frozenset[str]) -> InvalidParameter:
    shown = name[:_SHOWN]
    same = [k for k in known if k.lower() == name.lower()]
    if same:
        return InvalidParameter(shown, f"not a parameter of this route (did you mean {same[0]!r}?)")
    if known:
        takes = ", ".join(sorted(known))
        return InvalidParameter(shown, f"not a parameter of this route (it takes {takes})")
    return InvalidParameter(shown, "not a parameter of this route (it takes none)")


def _check_names(request: Request[Any, Any, Any], known: frozenset[str]) -> None:
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name not in known:
            raise _unknown(name, known)
        if name in seen:
            raise InvalidParameter(name, "given more than once; give it once")
        seen.add(name)


async def check_query(request: Request[Any, Any, Any]) -> None:
    """App-wide before_request: 400 naming the parameter for an unknown, mis-cased or
    repeated name on a delivery route, and for a whole number not in plain digits."""
    if not request.scope["query_string"]:
        return
    handler = request.route_handler
    strict = request.app.state.get("delivery_queries", {}).get(id(handler))
    if strict is not None and strict[0] is handler:
        _check_names(request, strict[1])
    known = _INTEGERS.get(id(handler))
    if known is None or known[0] is not handler:
        known = _INTEGERS[id(handler)] = (handler, _integer_parameters(handler))
    names = known[1]
    params = request.query_params
    for name in names:
        if name in request.path_params:
            continue
        for value in params.getall(name, ()):
            if not _DIGITS.fullmatch(value):
                raise InvalidParameter(name, f"{value[:_SHOWN]!r} is not a whole number in digits")


def document_query_rules(schema: OpenAPI) -> None:
    """Say on every delivery operation's 400 answer that its query string is strict, with
    an example of the refusal."""
    for item in (schema.paths or {}).values():
        operation = item.get
        if operation is None or DELIVERY_TAG not in (operation.tags or []):
            continue
        known = frozenset(
            p.name
            for p in operation.parameters or []
            if isinstance(p, Parameter) and p.param_in == "query"
        )
        # The answer this route really gives (a test sends the requests and compares).
        refusal = _unknown("LOCALE" if "locale" in known else "lang", known)
        name, message = refusal.parameter, refusal.detail
        response = (operation.responses or {}).get("400")
        if not isinstance(response, OpenAPIResponse):
            continue
        response.description = (
            f"{response.description} The query string takes only the parameters listed, "
            "each once and spelled exactly (names are case-sensitive): an unknown, "
            "mis-cased or repeated name is refused too."
        )
        for media in (response.content or {}).values():
            examples = media.examples if media.examples is not None else {}
            model = next((e for e in examples.values() if e.summary == "invalid-parameter"), None)
            if model is None or not isinstance(model.value, dict):
                continue
            examples["unknown-parameter"] = Example(
                summary="unknown-parameter",
                value={
                    **model.value,
                    "detail": f"{name}: {message}",
                    "errors": [{"field": name, "message": message}],
                },
            )
            media.examples = examples
