"""Bearer-token authentication (a guard, so nothing of a request is looked at before the
caller is known) and a write connection per management request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlite_utils
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler

from api.core.access import Principal
from api.store.accounts import authenticate
from api.store.reader import Reader
from api.store.schema import open_database

__all__ = ["BEARER", "provide_principal", "provide_writer", "require_token"]

BEARER = "BearerToken"


async def require_token(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: the caller must present a valid, unrevoked token (else 401)."""
    reader: Reader = connection.app.state.reader
    connection.state.principal = authenticate(reader.db, connection.headers.get("authorization"))


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller the guard authenticated."""
    principal: Principal = request.state.principal
    return principal


def provide_writer(state: State) -> Iterator[sqlite_utils.Database]:
    """A connection of its own for each management request (writes run in a thread)."""
    db = open_database(state.db_path)
    try:
        yield db
    finally:
        db.conn.close()
