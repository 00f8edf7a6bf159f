"""The workspace session in the browser: a cookie holding the session id (HttpOnly,
SameSite=Strict, Path=/workspace, Secure over HTTPS, with its expiry), and the guard
that turns it into the Principal the API's handlers get from a bearer token."""

from __future__ import annotations

import time
from typing import Any

from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler

from api.config import Settings
from api.store.schema import open_database
from api.store.sessions import Session, SessionLimits, find_session
from api.web.proxy import is_https

__all__ = [
    "SESSION_COOKIE",
    "WORKSPACE_PATH",
    "SignInRequired",
    "current_session",
    "require_session",
    "session_cookie",
    "session_limits",
    "workspace_cookie",
]

WORKSPACE_PATH = "/workspace"
SESSION_COOKIE = "vetted_session"


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page, then back to `page` (a
    form's page, when a form was sent); `kept` says whether that form was kept."""

    def __init__(self) -> None:
        super().__init__("sign in first")
        self.page: str | None = None
        self.kept = False


def session_limits(settings: Settings) -> SessionLimits:
    """The idle and absolute lifetimes the server was started with."""
    return SessionLimits(idle=settings.session_idle_timeout, lifetime=settings.session_max_age)


def workspace_cookie(
    connection: ASGIConnection[Any, Any, Any, Any], key: str, value: str, max_age: int
) -> Cookie:
    """Every cookie the workspace sets or clears: HttpOnly, SameSite=Strict, only for
    /workspace, and Secure whenever the browser reached us over HTTPS (api/web/proxy.py)."""
    return Cookie(
        key=key,
        value=value,
        path=WORKSPACE_PATH,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=is_https(connection),
    )


def session_cookie(
    connection: ASGIConnection[Any, Any, Any, Any], value: str, max_age: int
) -> Cookie:
    """The cookie carrying a session id (or, with `max_age` 0, clearing it)."""
    return workspace_cookie(connection, SESSION_COOKIE, value, max_age)


def _lookup(connection: ASGIConnection[Any, Any, Any, Any], session_id: str) -> Session | None:
    state = connection.app.state
    db = open_database(state.db_path, busy_timeout=state.busy_timeout)
    try:
        return find_session(db, session_id, now=int(time.time()), limits=state.session_limits)
    finally:
        db.conn.close()


async def current_session(connection: ASGIConnection[Any, Any, Any, Any]) -> Session | None:
    """The live session the request's cookie names, if any."""
    session_id = connection.cookies.get(SESSION_COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    return await sync_to_thread(_lookup, connection, session_id)


async def require_session(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a live session, whose principal and CSRF token the request then carries."""
    session = await current_session(connection)
    if session is None:
        raise SignInRequired
    connection.state.session = session
    connection.state.principal = session.principal
