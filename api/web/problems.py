"""Every error becomes `application/problem+json` (RFC 9457) here, and only here."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, NamedTuple

import msgspec
from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIResponse,
    OpenAPIType,
    Schema,
)
from litestar.types import ExceptionHandlersMap

from api.core.errors import (
    Busy,
    Conflict,
    Forbidden,
    Gone,
    ImportRejected,
    InvalidLocale,
    InvalidParameter,
    NotFound,
    NothingChanged,
    PreconditionRequired,
    RetryLater,
    StaleVersion,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    VettedError,
)
from api.logs import request_id
from api.store.reader import MAX_WAITING
from api.web.litestar_private import handler_parameters, missing_parameter, validation_items
from api.web.refusals import refusal_trace

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPES",
    "Problem",
    "database_busy",
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
    withdrawn_at: str | None = None
    """With `gone`: when the content was withdrawn (RFC 3339, UTC)."""


class ProblemType(NamedTuple):
    """One `type` this server sends: its status, title and what it means (for clients)."""

    status: int
    title: str
    meaning: str


# Every `type` this server sends; the contract lists them as the ProblemType enum so clients
# can switch on them, and documents each route's answers from the same text. A name missing
# here fails at once.
PROBLEM_TYPES: dict[str, ProblemType] = {
    "bad-request": ProblemType(
        400, "Bad request", "The request could not be read (a malformed body or header)."
    ),
    "invalid-locale": ProblemType(
        400, "Invalid locale", "`locale` is not a locale code; `available` lists those served."
    ),
    "invalid-parameter": ProblemType(
        400, "Invalid parameter", "A parameter has an invalid value; `errors[].field` names it."
    ),
    "unauthorized": ProblemType(
        401, "Unauthorized", "No bearer token, or an unknown or revoked one."
    ),
    "forbidden": ProblemType(
        403, "Forbidden", "The token's role or locales do not allow this action."
    ),
    "not-found": ProblemType(
        404,
        "Not found",
        "No such article, section, version, treatment, draft or catalog.",
    ),
    "method-not-allowed": ProblemType(
        405, "Method not allowed", "The route does not answer this HTTP method."
    ),
    "request-timeout": ProblemType(
        408, "Request timeout", "The request body did not arrive within the body timeout."
    ),
    "conflict": ProblemType(
        409,
        "Conflict",
        "The action does not fit the current state (e.g. publishing a draft "
        "that is not in review).",
    ),
    "gone": ProblemType(
        410,
        "Gone",
        "The article, version or treatment was published and has been withdrawn by its "
        "medical reviewers; `detail` is the notice to show readers, `withdrawn_at` when. "
        "Drop any copy you hold.",
    ),
    "stale-version": ProblemType(
        412,
        "Precondition failed",
        "`If-Match` names an older ETag: read again, then retry.",
    ),
    "too-large": ProblemType(413, "Too large", "The request body is larger than the limit (5 MB)."),
    "unsupported-media-type": ProblemType(
        415,
        "Unsupported media type",
        "The body's Content-Type or Content-Encoding is not one this route takes.",
    ),
    "validation-failed": ProblemType(
        422,
        "Validation failed",
        "The body or upload is invalid; `errors` gives the field or file and line.",
    ),
    "nothing-changed": ProblemType(
        422,
        "Nothing changed",
        "The write would change nothing (a draft equal to what it is based on, a revision "
        "equal to the last, an upload equal to what is stored); nothing was recorded.",
    ),
    "precondition-required": ProblemType(
        428,
        "Precondition required",
        "`If-Match` is missing, or `*`: send the exact ETag you last read (and reviewed).",
    ),
    "too-many-requests": ProblemType(
        429,
        "Too many requests",
        "Too many requests or failed authentications from this "
        "address; wait `Retry-After` seconds.",
    ),
    "server-error": ProblemType(
        500, "Server error", "An unexpected error; the server logged it with the request id."
    ),
    "busy": ProblemType(
        503,
        "Busy",
        "The server was busy (the database with another write for too long, or a worker "
        "with as many searches and change lists as it queues); nothing was changed: retry "
        "after `Retry-After` seconds.",
    ),
}
# The problem each domain error is (the first class that matches).
_ERRORS: tuple[tuple[type[VettedError], str], ...] = (
    (InvalidLocale, "invalid-locale"),
    (InvalidParameter, "invalid-parameter"),
    (ValidationFailed, "validation-failed"),
    (ImportRejected, "validation-failed"),
    (NothingChanged, "nothing-changed"),
    (Unauthorized, "unauthorized"),
    (Forbidden, "forbidden"),
    (NotFound, "not-found"),
    (Gone, "gone"),
    (Conflict, "conflict"),
    (StaleVersion, "stale-version"),
    (PreconditionRequired, "precondition-required"),
    (TooManyRequests, "too-many-requests"),
    (Busy, "busy"),
)
# The problem an HTTP error raised by Litestar itself is, by status (and what a route's
# documented answer for that status is called).
_BY_STATUS = {
    400: "invalid-parameter",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    408: "request-timeout",
    409: "conflict",
    410: "gone",
    412: "stale-version",
    413: "too-large",
    415: "unsupported-media-type",
    422: "validation-failed",
    428: "precondition-required",
    429: "too-many-requests",
    503: "busy",
}
# How long a client should wait before retrying a write that found the database locked.
BUSY_RETRY_AFTER = 2


def _problem(name: str, detail: str, **fields: Any) -> Problem:
    """The problem document of type `name` (which must be listed in PROBLEM_TYPES)."""
    if name not in PROBLEM_TYPES:
        raise KeyError(f"problem type {name!r} is not listed in PROBLEM_TYPES")
    kind = PROBLEM_TYPES[name]
    return Problem(
        type=f"/problems/{name}", title=kind.title, status=kind.status, detail=detail, **fields
    )


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
        if exc.problems:  # several found at once: each names its own field
            return tuple(f for e in exc.problems for f in _fields(e))
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


def _error_name(exc: VettedError) -> str | None:
    return next((name for kind, name in _ERRORS if isinstance(exc, kind)), None)


def domain_status(exc: VettedError) -> tuple[int, str, str]:
    """The status, problem type and title every answer to `exc` has (API or workspace)."""
    name = _error_name(exc) or "server-error"
    kind = PROBLEM_TYPES[name]
    return kind.status, f"/problems/{name}", kind.title


def _domain_error(request: Request[Any, Any, Any], exc: VettedError) -> Response[bytes]:
    name = _error_name(exc)
    if name is None:
        return _unexpected(request, exc)
    available = tuple(exc.available) if isinstance(exc, InvalidLocale) else ()
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    if isinstance(exc, RetryLater):
        headers = {"Retry-After": str(exc.retry_after)}
    withdrawn_at = exc.withdrawn_at if isinstance(exc, Gone) else None
    problem = _problem(
        name, str(exc), errors=_fields(exc), available=available, withdrawn_at=withdrawn_at
    )
    return _send(
        problem,
        request,
        headers,
        # Refused management requests are kept for admins (api.web.refusals).
        refusal_trace(request, exc, problem.status, problem.type),
    )


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    errors: tuple[InvalidField, ...] = ()
    status = exc.status_code
    items = validation_items(exc)
    if any(i.get("source") == "body" for i in items):
        status = 422  # the request was understood; its body content is what is invalid
    if items:
        errors = tuple(
            InvalidField(
                field=_wire_name(request, str(item.get("key") or item.get("source") or "")),
                message=str(item.get("message", "")),
            )
            for item in items
        )
    elif missing := missing_parameter(exc):
        errors = (InvalidField(field=missing, message="is required"),)
    detail = exc.detail if status < 500 else "The server could not answer this request."
    if status == 413:
        limit = request.route_handler.resolve_request_max_body_size()
        detail = f"the request body is larger than the limit of {limit} bytes"
    if errors:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    name = _BY_STATUS.get(status, "server-error" if status >= 500 else "bad-request")
    if status == 400 and not errors:
        name = "bad-request"
    headers = dict(exc.headers or {})
    if status == 429:
        # Litestar's rate limiter says when its window resets; clients read Retry-After.
        reset = headers.get("RateLimit-Reset", "1")
        headers["Retry-After"] = str(max(1, int(reset))) if reset.isdigit() else "1"
        detail = "too many management requests from this address"
    return _send(_problem(name, detail, errors=errors), request, headers=headers)


def _wire_name(request: Request[Any, Any, Any], key: str) -> str:
    # Litestar reports the handler's argument name; a client knows the parameter by the
    # name it sends (`?from=` is the argument `from_version`).
    parameter = handler_parameters(request.route_handler).get(key)
    return parameter.wire_name if parameter is not None else key


def database_busy(exc: BaseException) -> bool:
    """Whether `exc` is SQLite's "another writer held the lock too long": the request did
    nothing and may be tried again (the API's 503 and the workspace's page alike)."""
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc)
    )


def _database_error(
    request: Request[Any, Any, Any], exc: sqlite3.OperationalError
) -> Response[bytes]:
    # Another writer held SQLite's one write lock for longer than the busy timeout: the
    # request did nothing (its transaction never began or was rolled back); try again.
    if not database_busy(exc):
        return _unexpected(request, exc)
    log.warning(
        "database locked on %s %s",
        request.method,
        request.url.path,
        extra={"fields": {"request_id": request_id.get()}},
    )
    return _send(
        _problem(
            "busy",
            "the database is busy with another write; nothing was changed, "
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
    return _send(_problem("server-error", "The server could not answer this request."), request)


exception_handlers: ExceptionHandlersMap = {
    VettedError: _domain_error,
    HTTPException: _http_error,
    sqlite3.OperationalError: _database_error,
    Exception: _unexpected,
}


def problem_responses(
    *statuses: int, locale: bool = False, queued: bool = False
) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of the problem answers a route can give; `locale` when the
    route takes a locale (its 400 may then be `invalid-locale`), `queued` when it waits for
    the reader's thread (its 503 may then say that thread has no place left)."""
    out: dict[int, ResponseSpec] = {}
    for status in statuses:
        name = _BY_STATUS[status]
        problems = [_EXAMPLES.get(name) or _example(name, name)]
        if status == 400 and locale:
            problems.insert(0, _EXAMPLES["invalid-locale"])
        if status == 503 and queued:
            problems.append(_EXAMPLES["busy-queue"])
        out[status] = ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
            description=PROBLEM_TYPES[name].meaning,
            examples=[
                Example(summary=p.type.rsplit("/", 1)[-1], value=msgspec.to_builtins(p))
                for p in problems
            ],
        )
    return out


def _example(
    name: str,
    detail: str,
    instance: str = "/v1/articles/stem-cell-therapy-for-hair-loss",
    **fields: Any,
) -> Problem:
    return _problem(name, detail, instance=instance, **fields)


# The documented examples are answers the server really gives (a test sends the requests).
_LOCALE_DETAIL = "'e$' is not a valid locale code; available: ar, en, es, es-MX, fr, fr-CA"
_EXAMPLES = {
    "invalid-locale": _example(
        "invalid-locale",
        f"locale: {_LOCALE_DETAIL}",
        errors=(InvalidField(field="locale", message=_LOCALE_DETAIL),),
        available=("ar", "en", "es", "es-MX", "fr", "fr-CA"),
    ),
    "invalid-parameter": _example(
        "invalid-parameter",
        "version: 'abc' is not a whole number in digits",
        errors=(InvalidField(field="version", message="'abc' is not a whole number in digits"),),
    ),
    "not-found": _example(
        "not-found",
        "no published article 'hair-growth-pills'",
        "/v1/articles/hair-growth-pills",
    ),
    "gone": _example(
        "gone",
        "This article (stem-cell-therapy-for-hair-loss) was withdrawn by its medical reviewers "
        "on 2026-12-07. It described a treatment now under a safety review.",
        withdrawn_at="2026-12-07T10:00:00Z",
    ),
    "busy": _example(
        "busy",
        "the database is busy with another write; nothing was changed, "
        f"try again in {BUSY_RETRY_AFTER} seconds",
    ),
    "busy-queue": _example(
        "busy",
        f"{MAX_WAITING} searches or change lists are being answered; try again in 1 second",
        "/v1/search",
    ),
}


def document_retry_after(schema: OpenAPI) -> None:
    """Name the `Retry-After` header on every `busy` answer (429s get it with the rate
    limit's other headers)."""
    for item in (schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method)
            response = (operation.responses or {}).get("503") if operation else None
            busy = PROBLEM_TYPES["busy"].meaning
            if isinstance(response, OpenAPIResponse) and response.description == busy:
                response.headers = {
                    "Retry-After": OpenAPIHeader(
                        schema=Schema(type=OpenAPIType.INTEGER),
                        description="Seconds to wait before trying again.",
                        required=True,
                    )
                }
