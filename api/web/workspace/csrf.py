"""CSRF protection for every workspace form: an unsafe request must come from our own
origin (`Origin` and `Sec-Fetch-Site`, when the browser sends them) and carry the form
field `_csrf_token` equal, in constant time, to its session's token. The origin is
checked before the body is read, and the body is parsed only within its route's bounds
(`api.web.bodies.bounded_form`).

Why not Litestar's CSRFConfig: it is a double-submit cookie with a server secret, which
every worker would have to share; a token kept in the server-side session needs no
secret, dies with the session and is checked where the session is. The sign-in form, which
has no session yet, uses a double-submit cookie of its own (`SIGNIN_COOKIE`)."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler

from api.store.sessions import Session
from api.web.bodies import bounded_form
from api.web.proxy import public_origin
from api.web.workspace.session import workspace_cookie

__all__ = [
    "CSRF_FIELD",
    "SIGNIN_COOKIE",
    "CsrfRefused",
    "check_csrf",
    "same_origin",
    "signin_cookie",
]

CSRF_FIELD = "_csrf_token"
SIGNIN_COOKIE = "vetted_signin"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    """An unsafe request that did not prove it came from one of our own forms."""


def signin_cookie(connection: ASGIConnection[Any, Any, Any, Any], value: str | None) -> Cookie:
    """The sign-in form's CSRF cookie: a new random value, or the one the browser has."""
    return workspace_cookie(connection, SIGNIN_COOKIE, value or secrets.token_urlsafe(32), 3600)


def _same_origin(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    site = connection.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    # What the browser sees, behind a proxy or TLS terminator too (api/web/proxy.py).
    return origin == public_origin(connection)


async def check_csrf(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard (after the session guard, if any): refuse an unsafe request without the form's
    token."""
    if not isinstance(connection, Request) or connection.method in _SAFE:
        return
    if not _same_origin(connection):
        raise CsrfRefused("the form was sent from another site")
    # Bounded before it is parsed (413 otherwise): the route's FormBounds.
    sent = (await bounded_form(connection)).get(CSRF_FIELD)
    session: Session | None = connection.state.get("session")
    expected = session.csrf if session else connection.cookies.get(SIGNIN_COOKIE)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused("the form's security token is missing or out of date")


def same_origin(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether an unsafe request says it came from our own origin: the check's first half,
    which a form kept after its session ended must pass too (`keeping`)."""
    return _same_origin(connection)
