"""Bearer-token authentication (a guard, so nothing of a request is looked at before the
caller is known), the failed-authentication limit per client address, and a write
connection per management request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import sqlite_utils
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler

from api.core.access import Action, Principal, may
from api.core.errors import TooManyRequests, Unauthorized
from api.core.limits import SlidingWindow
from api.store.accounts import authenticate
from api.store.reader import Reader
from api.store.schema import open_database

__all__ = [
    "BEARER",
    "authenticate_client",
    "provide_principal",
    "provide_writer",
    "refuse_limited_client",
    "require_role",
    "require_token",
]

BEARER = "BearerToken"


def authenticate_client(
    connection: ASGIConnection[Any, Any, Any, Any], authorization: str | None
) -> Principal:
    """The principal of `authorization` (`Bearer <token>`), under the failed-authentication
    limit of the client's address: one that failed too often lately is not heard at all
    (429) until its window frees a place, and each failure counts (401). The API's guard
    and the workspace's sign-in both come here."""
    reader: Reader = connection.app.state.reader
    failures, client, now = _refuse_if_limited(connection)
    try:
        return authenticate(reader.db, authorization)
    except Unauthorized:
        if failures is not None:
            failures.record(client, now)
        raise


def _refuse_if_limited(
    connection: ASGIConnection[Any, Any, Any, Any],
) -> tuple[SlidingWindow | None, str, float]:
    failures: SlidingWindow | None = connection.app.state.auth_failures
    client = connection.client.host if connection.client else "unknown"
    now = time.monotonic()
    if failures is not None and (wait := failures.retry_after(client, now)):
        raise TooManyRequests("too many failed authentications from this address", wait)
    return failures, client, now


async def refuse_limited_client(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard before a sign-in form is read: an address over the failed-authentication
    limit is not heard at all (429), so its body is never parsed."""
    _refuse_if_limited(connection)


async def require_token(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: the caller must present a valid, unrevoked token (else 401), under the
    failed-authentication limit (429)."""
    principal = authenticate_client(connection, connection.headers.get("authorization"))
    connection.state.principal = principal


async def require_role(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard after `require_token`: `may` for the action the handler names in
    `opt["action"]`, asked before a byte of the body is read, without a target (so the
    role, and the scope for source text; the application layer asks again with the
    target: the locale, the authors)."""
    action: Action | None = handler.opt.get("action")
    if action is not None:
        may(connection.state.principal, action).enforce()


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller the guard authenticated."""
    principal: Principal = request.state.principal
    return principal


def provide_writer(state: State) -> Iterator[sqlite_utils.Database]:
    """A connection of its own for each management request (writes run in a thread)."""
    db = open_database(state.db_path, busy_timeout=state.busy_timeout)
    try:
        yield db
    finally:
        db.conn.close()
