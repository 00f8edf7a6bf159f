"""Whole-number query parameters are written in digits: Litestar would also read `1e3`,
`1.0` or ` 12` as numbers, and a cursor or a limit has one spelling."""

from __future__ import annotations

import re
from typing import Any, get_args

from litestar import Request
from litestar.handlers.base import BaseRouteHandler

from api.core.errors import InvalidParameter
from api.web.litestar_private import handler_parameters

__all__ = ["refuse_loose_integers"]

_DIGITS = re.compile(r"[0-9]{1,20}")
# By id(), with the handler kept beside its names: an id alone can be reused by another
# app's handler once the first is collected (handlers take no weak references).
_INTEGERS: dict[int, tuple[BaseRouteHandler, tuple[str, ...]]] = {}


def _integer_parameters(handler: BaseRouteHandler) -> tuple[str, ...]:
    names = []
    for parameter in handler_parameters(handler).values():
        kinds = get_args(parameter.annotation) or (parameter.annotation,)
        if int in kinds and bool not in kinds and parameter.source in ("query", ""):
            names.append(parameter.wire_name)
    return tuple(names)


async def refuse_loose_integers(request: Request[Any, Any, Any]) -> None:
    """App-wide before_request: 400 naming the parameter unless it is plain digits."""
    if not request.scope["query_string"]:
        return
    handler = request.route_handler
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
                raise InvalidParameter(name, f"{value[:40]!r} is not a whole number in digits")
