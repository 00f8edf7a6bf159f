"""Every error becomes `application/problem+json` (RFC 9457) here, and only here."""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.types import ExceptionHandlersMap

from api.core.errors import (
    Conflict,
    Forbidden,
    ImportRejected,
    InvalidLocale,
    InvalidParameter,
    NotFound,
    NothingChanged,
    PreconditionRequired,
    StaleVersion,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    VettedError,
)
from api.logs import request_id
from api.web.refusals import refusal_trace

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPES",
    "Problem",
    "domain_status",
    "exception_handlers",
    "problem_responses",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("vetted.web")


class InvalidField(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One offending input: a parameter or body field, or a file and line."""

    field: str | None = None
    file: str | None = None
    line: int | None = None
    message: str


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: tuple[InvalidField, ...] = msgspec.field(default_factory=tuple)
    available: tuple[str, ...] = msgspec.field(default_factory=tuple)


_TYPES: list[tuple[type[VettedError], int, str, str]] = [
    (InvalidLocale, 400, "invalid-locale", "Invalid locale"),
    (InvalidParameter, 400, "invalid-parameter", "Invalid parameter"),
    (ValidationFailed, 422, "validation-failed", "Validation failed"),
    (ImportRejected, 422, "validation-failed", "Validation failed"),
    (NothingChanged, 422, "nothing-changed", "Nothing changed"),
    (Unauthorized, 401, "unauthorized", "Unauthorized"),
    (Forbidden, 403, "forbidden", "Forbidden"),
    (NotFound, 404, "not-found", "Not found"),
    (Conflict, 409, "conflict", "Conflict"),
    (StaleVersion, 412, "stale-version", "Precondition failed"),
    (PreconditionRequired, 428, "precondition-required", "Precondition required"),
    (TooManyRequests, 429, "too-many-requests", "Too many requests"),
]
_MISSING = re.compile(r"Missing required \w+ parameter '([^']+)'")
_HTTP_TYPES = {
    422: "validation-failed",
    400: "invalid-parameter",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    408: "request-timeout",
    413: "too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
    503: "busy",
}
# How long a client should wait before retrying a write that found the database locked.
BUSY_RETRY_AFTER = 2


# Every `type` this server sends, with its status and when; the contract lists them as the
# ProblemType enum so clients can switch on them. A name missing here fails at once.
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "bad-request": (400, "The request could not be read (a malformed body or header)."),
    "invalid-locale": (400, "`locale` is not a locale code; `available` lists those served."),
    "invalid-parameter": (400, "A parameter has an invalid value; `errors[].field` names it."),
    "unauthorized": (401, "No bearer token, or an unknown or revoked one."),
    "forbidden": (403, "The token's role or locales do not allow this action."),
    "not-found": (404, "No such article, section, version, treatment, draft or catalog."),
    "method-not-allowed": (405, "The route does not answer this HTTP method."),
    "conflict": (
        409,
        "The action does not fit the current state (e.g. publishing a draft "
        "that is not in review).",
    ),
    "stale-version": (412, "`If-Match` names an older ETag: read again, then retry."),
    "too-large": (413, "The request body is larger than the limit (5 MB)."),
    "validation-failed": (
        422,
        "The body or upload is invalid; `errors` gives the field or file and line.",
    ),
    "nothing-changed": (
        422,
        "The write would change nothing (a draft equal to what it is based on, a revision "
        "equal to the last, an upload equal to what is stored); nothing was recorded.",
    ),
    "precondition-required": (
        428,
        "`If-Match` is missing, or `*`: send the exact ETag you last read (and reviewed).",
    ),
    "too-many-requests": (
        429,
        "Too many requests or failed authentications from this "
        "address; wait `Retry-After` seconds.",
    ),
    "request-timeout": (408, "The request body did not arrive within the body timeout."),
    "unsupported-media-type": (
        415,
        "The body's Content-Type or Content-Encoding is not one this route takes.",
    ),
    "busy": (
        503,
        "The database was busy with another write for too long; nothing was changed: "
        "retry after `Retry-After` seconds.",
    ),
    "server-error": (500, "An unexpected error; the server logged it with the request id."),
}


def _problem_type(name: str) -> str:
    if name not in PROBLEM_TYPES:
        raise KeyError(f"problem type {name!r} is not listed in PROBLEM_TYPES")
    return f"/problems/{name}"


def _send(
    problem: Problem,
    request: Request[Any, Any, Any],
    headers: dict[str, str] | None = None,
    background: BackgroundTask | None = None,
) -> Response[bytes]:
    problem = msgspec.structs.replace(problem, instance=request.url.path)
    return Response(
        msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
        background=background,
    )


def _fields(exc: VettedError) -> tuple[InvalidField, ...]:
    if isinstance(exc, InvalidParameter):
        return (InvalidField(field=exc.parameter, message=exc.detail),)
    if isinstance(exc, ValidationFailed):
        return (
            InvalidField(
                field=exc.path or None, file=exc.file or None, line=exc.line, message=exc.detail
            ),
        )
    if isinstance(exc, ImportRejected):
        return tuple(f for e in exc.errors for f in _fields(e))
    if isinstance(exc, NothingChanged):
        return tuple(f for e in exc.notes for f in _fields(e))
    return ()


def domain_status(exc: VettedError) -> tuple[int, str, str]:
    """The status, problem type and title every answer to `exc` has (API or workspace)."""
    for kind, status, name, title in _TYPES:
        if isinstance(exc, kind):
            return status, _problem_type(name), title
    return 500, _problem_type("server-error"), "Server error"


def _domain_error(request: Request[Any, Any, Any], exc: VettedError) -> Response[bytes]:
    for kind, status, name, title in _TYPES:
        if isinstance(exc, kind):
            available = tuple(exc.available) if isinstance(exc, InvalidLocale) else ()
            headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
            if isinstance(exc, TooManyRequests):
                headers = {"Retry-After": str(exc.retry_after)}
            return _send(
                Problem(
                    type=_problem_type(name),
                    title=title,
                    status=status,
                    detail=str(exc),
                    errors=_fields(exc),
                    available=available,
                ),
                request,
                headers,
                # Refused management requests are kept for admins (api.web.refusals).
                refusal_trace(request, exc, status, _problem_type(name)),
            )
    return _unexpected(request, exc)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    errors: tuple[InvalidField, ...] = ()
    status = exc.status_code
    items = (
        exc.extra if isinstance(exc, ValidationException) and isinstance(exc.extra, list) else []
    )
    if any(isinstance(i, dict) and i.get("source") == "body" for i in items):
        status = 422  # the request was understood; its body content is what is invalid
    if items:
        errors = tuple(
            InvalidField(
                field=_wire_name(request, str(item.get("key") or item.get("source") or "")),
                message=str(item.get("message", "")),
            )
            for item in items
            if isinstance(item, dict)
        )
    elif missing := _MISSING.match(str(exc.detail)):
        # Litestar names a missing parameter only in its message; clients want the field.
        errors = (InvalidField(field=missing.group(1), message="is required"),)
    detail = exc.detail if status < 500 else "The server could not answer this request."
    if status == 413:
        limit = request.route_handler.resolve_request_max_body_size()
        detail = f"the request body is larger than the limit of {limit} bytes"
    if errors:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    name = _HTTP_TYPES.get(status, "server-error" if status >= 500 else "bad-request")
    if status == 400 and not errors:
        name = "bad-request"
    headers = dict(exc.headers or {})
    if status == 429:
        # Litestar's rate limiter says when its window resets; clients read Retry-After.
        reset = headers.get("RateLimit-Reset", "1")
        headers["Retry-After"] = str(max(1, int(reset))) if reset.isdigit() else "1"
        detail = "too many management requests from this address"
    return _send(
        Problem(
            type=_problem_type(name),
            title=name.replace("-", " ").capitalize(),
            status=status,
            detail=detail,
            errors=errors,
        ),
        request,
        headers=headers,
    )


def _wire_name(request: Request[Any, Any, Any], key: str) -> str:
    # Litestar reports the handler's argument name; a client knows the parameter by the
    # name it sends (`?from=` is the argument `from_version`).
    field = request.route_handler.parsed_fn_signature.parameters.get(key)
    kwarg = getattr(field, "kwarg_definition", None)
    for alias in ("name", "query", "header"):
        if isinstance(value := getattr(kwarg, alias, None), str) and value:
            return value
    return key


def _database_error(
    request: Request[Any, Any, Any], exc: sqlite3.OperationalError
) -> Response[bytes]:
    # Another writer held SQLite's one write lock for longer than the busy timeout: the
    # request did nothing (its transaction never began or was rolled back); try again.
    if "locked" not in str(exc) and "busy" not in str(exc):
        return _unexpected(request, exc)
    log.warning(
        "database locked on %s %s",
        request.method,
        request.url.path,
        extra={"fields": {"request_id": request_id.get()}},
    )
    return _send(
        Problem(
            type=_problem_type("busy"),
            title="Busy",
            status=503,
            detail="the database is busy with another write; nothing was changed, "
            f"try again in {BUSY_RETRY_AFTER} seconds",
        ),
        request,
        headers={"Retry-After": str(BUSY_RETRY_AFTER)},
    )


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    # Never a stack trace in a response: it goes to the log with the request path.
    log.exception(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=exc,
        extra={"fields": {"request_id": request_id.get()}},
    )
    return _send(
        Problem(
            type=_problem_type("server-error"),
            title="Server error",
            status=500,
            detail="The server could not answer this request.",
        ),
        request,
    )


exception_handlers: ExceptionHandlersMap = {
    VettedError: _domain_error,
    HTTPException: _http_error,
    sqlite3.OperationalError: _database_error,
    Exception: _unexpected,
}


def problem_responses(*statuses: int, locale: bool = False) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of the problem answers a route can give; `locale` when the
    route takes a locale (its 400 may then be `invalid-locale`)."""
    out: dict[int, ResponseSpec] = {}
    for status in statuses:
        name = _HTTP_TYPES.get(status) or next(n for _, s, n, _ in _TYPES if s == status)
        problems = [_EXAMPLES.get(name) or _example(name, status, name)]
        if status == 400 and locale:
            problems.insert(0, _EXAMPLES["invalid-locale"])
        out[status] = ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
            description=_DESCRIPTIONS.get(status, PROBLEM_TYPES[name][1]),
            examples=[
                Example(summary=p.type.rsplit("/", 1)[-1], value=msgspec.to_builtins(p))
                for p in problems
            ],
        )
    return out


def _example(
    name: str,
    status: int,
    detail: str,
    instance: str = "/v1/articles/stem-cell-therapy-for-hair-loss",
    **fields: Any,
) -> Problem:
    return Problem(
        type=_problem_type(name),
        title=next((t for _, _, n, t in _TYPES if n == name), name.replace("-", " ").capitalize()),
        status=status,
        detail=detail,
        instance=instance,
        **fields,
    )


_DESCRIPTIONS = {
    400: "A parameter has an invalid value; `errors` names it.",
    404: "No such article, section, version or treatment.",
    408: "The request body did not arrive within the body timeout.",
    413: "The request body is larger than the limit (5 MB).",
    415: "The body's Content-Type or Content-Encoding is not one this route takes.",
    503: "The database was busy with another write for too long; nothing was changed. "
    "Retry after `Retry-After` seconds.",
    422: "The body or upload failed validation; `errors` gives field or file:line.",
}
# The documented examples are answers the server really gives (a test sends the requests).
_LOCALE_DETAIL = "'e$' is not a valid locale code; available: ar, en, es, fr"
_EXAMPLES = {
    "invalid-locale": _example(
        "invalid-locale",
        400,
        f"locale: {_LOCALE_DETAIL}",
        errors=(InvalidField(field="locale", message=_LOCALE_DETAIL),),
        available=("ar", "en", "es", "fr"),
    ),
    "invalid-parameter": _example(
        "invalid-parameter",
        400,
        "version: 'abc' is not a whole number in digits",
        errors=(InvalidField(field="version", message="'abc' is not a whole number in digits"),),
    ),
    "not-found": _example(
        "not-found",
        404,
        "no published article 'hair-growth-pills'",
        "/v1/articles/hair-growth-pills",
    ),
}
