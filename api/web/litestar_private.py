"""Every place Vetted relies on a part of Litestar that Litestar does not promise to keep:
private attributes, the wording of its messages, the shape of its error data, the
signature model of a handler, and replacing the app's ASGI handler. Each seam is one
function here, with a test in tests/web/test_litestar_private.py that fails when an
upgrade of Litestar breaks it (the lock pins the release these were read from).

Nothing else in `api/` touches Litestar's private API; a new touch belongs here, with its
test."""

from __future__ import annotations

import re
from collections.abc import Hashable
from functools import partial
from typing import Any, NamedTuple

from litestar import Litestar
from litestar._signature import SignatureModel
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
from litestar.utils.signature import ParsedSignature

__all__ = [
    "HandlerParameter",
    "asgi_handler",
    "built_openapi",
    "cache_signatures",
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


# What Litestar derives from a handler's signature (the parsed signature: type hints,
# parameters; the signature model: a msgspec Struct class made per handler) is a pure
# function of the function's code, defaults and annotations and of the names it resolves
# against, yet Litestar derives it again for every app (and for every route's OPTIONS
# handler, one closure per route): about half the CPU of `create_app`. These caches let
# every later app (each test's, each server worker's) reuse it.
_CACHE_LIMIT = 4096
_parsed: dict[Hashable, ParsedSignature] = {}
_models: dict[Hashable, tuple[ParsedSignature, type[SignatureModel]]] = {}


def _function_key(fn: Any) -> Hashable | None:
    """What the signature and type hints of `fn` depend on: its code, module, defaults and
    annotations, and whether it is a bound method (`self` left out); None for a callable
    that is not a plain function or method."""
    function = getattr(fn, "__func__", fn)
    code = getattr(function, "__code__", None)
    if code is None or not hasattr(function, "__annotations__"):
        return None
    return (
        code,
        function.__module__,
        function.__name__,
        function is not fn,
        function.__defaults__,
        tuple(sorted((function.__kwdefaults__ or {}).items())),
        tuple(function.__annotations__.items()),
    )


def _value_key(value: Any) -> Hashable:
    """`value` as a key: a `functools.partial` (a plugin makes new ones for every app, the
    pydantic plugin's type decoders) by what it calls and with what, a tuple item by item."""
    if isinstance(value, partial):
        return (
            partial,
            _value_key(value.func),
            _value_key(value.args),
            tuple(sorted((k, _value_key(v)) for k, v in value.keywords.items())),
        )
    if isinstance(value, tuple | list):
        return tuple(_value_key(item) for item in value)
    hashable: Hashable = value
    return hashable


def _remember(cache: dict[Hashable, Any], key: Hashable, value: Any) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def cache_signatures() -> None:
    """Make Litestar's `ParsedSignature.from_fn` and `SignatureModel.create` (both
    private to its handler registration) reuse what they made for the same function and
    names; installed once per process. Idempotent."""
    if getattr(ParsedSignature.from_fn, "_vetted_cached", False):
        return
    from_fn: Any = ParsedSignature.from_fn
    create: Any = SignatureModel.create

    def parsed_from_fn(
        cls: type[ParsedSignature], fn: Any, signature_namespace: dict[str, Any]
    ) -> ParsedSignature:
        try:
            function = _function_key(fn)
            key = (cls, function, frozenset(signature_namespace.items()))
            found = _parsed.get(key) if function is not None else None
        except TypeError:  # something unhashable (a default, a name's value): not cached
            function = None
            found = None
        if found is None:
            found = from_fn.__func__(cls, fn, signature_namespace)
            if function is not None:
                _remember(_parsed, key, found)
        return found

    def model_create(
        cls: type[SignatureModel],
        dependency_name_set: set[str],
        fn: Any,
        parsed_signature: ParsedSignature,
        type_decoders: Any,
        data_dto: Any = None,
    ) -> type[SignatureModel]:
        # A model is made from one parsed signature object (the cache above shares it
        # between apps, and copying a handler no longer copies it): keyed by its id,
        # and the entry holds it, so the id is never another's.
        try:
            function = _function_key(fn)
            key = (
                cls,
                function,
                id(parsed_signature),
                frozenset(dependency_name_set),
                _value_key(tuple(type_decoders or ())),
                data_dto,
            )
            found = _models.get(key) if function is not None else None
        except TypeError:
            function = None
            found = None
        if found is not None and found[0] is parsed_signature:
            return found[1]
        model: type[SignatureModel] = create.__func__(
            cls, dependency_name_set, fn, parsed_signature, type_decoders, data_dto
        )
        if function is not None:
            _remember(_models, key, (parsed_signature, model))
        return model

    def same_signature(self: ParsedSignature, memo: dict[int, Any]) -> ParsedSignature:
        # A parsed signature is frozen and nothing in Litestar changes one: copying a
        # handler (every controller's, for every app) can share it.
        return self

    parsed_from_fn._vetted_cached = True  # type: ignore[attr-defined]
    ParsedSignature.from_fn = classmethod(parsed_from_fn)  # type: ignore[method-assign,assignment]
    SignatureModel.create = classmethod(model_create)  # type: ignore[method-assign,assignment]
    ParsedSignature.__deepcopy__ = same_signature  # type: ignore[method-assign,assignment]
