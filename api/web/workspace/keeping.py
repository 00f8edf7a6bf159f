"""Nothing typed is lost when a session ends: a form sent after the browser's session
expired (or was signed out, or its token revoked) is kept on the server for the person who
was signed in on that browser, and the sign-in page leads back to the page being edited,
which shows the form again as it was typed for that person to check and send again.

What is kept, and what is not:
- only forms of routes that say so (`keeps()`: the section and record editors, a
  reviewer's comment when rejecting), only from
  our own origin (the same `Origin`/`Sec-Fetch-Site` rule as the CSRF check), and only
  within the route's own bounds (`bounded_form`), so a kept form is never larger than the
  form that route takes;
- the browser is named by a random id in an HttpOnly, SameSite=Strict cookie (only its hash
  is stored), set at sign-in; the form is kept for whoever signed in last with it, and
  given back only to that person after they sign in again (see `api.store.kept_forms`);
- nothing is submitted by itself: the kept form is shown again, with a new session's CSRF
  token, and saved only when its person sends it again."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
from litestar import Request
from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler

from api.core.access import Principal
from api.store.kept_forms import KEEP_SECONDS, keep_form, remember_sign_in, take_kept_form
from api.store.schema import open_database
from api.web.bodies import FormTooLarge, bounded_form
from api.web.workspace.csrf import CSRF_FIELD, same_origin
from api.web.workspace.layout import ui
from api.web.workspace.session import (
    WORKSPACE_PATH,
    SignInRequired,
    require_session,
    workspace_cookie,
)

__all__ = [
    "KEEP_COOKIE",
    "browser_cookie",
    "keeps",
    "kept_fields",
    "kept_notice",
    "remember_browser",
    "signed_in",
]

KEEP_COOKIE = "vetted_keep"
_KEEPS = "keeps_typed_form"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def keeps(page: str = "") -> dict[str, Any]:
    """A form route's `opt` (with its `bounds(...)`): its form is kept when it arrives
    after the session ended, for the page that shows it again (`kept_fields`): the route's
    own address, or `page` (under /workspace, with the route's path parameters, e.g.
    "/drafts/{draft_id}/review")."""
    return {_KEEPS: page}


def _kept_page(request: Request[Any, Any, Any]) -> str | None:
    """The page a keeping route's form is shown again on; None for other routes."""
    opt = request.route_handler.opt
    if _KEEPS not in opt:
        return None
    page: str = opt[_KEEPS]
    return WORKSPACE_PATH + page.format(**request.path_params) if page else request.url.path


def _window(connection: ASGIConnection[Any, Any, Any, Any]) -> int:
    """How long after sign-in this browser's forms are kept for its person: as long as a
    session can live, and the keeping time after it."""
    lifetime: int = connection.app.state.session_limits.lifetime
    return lifetime + KEEP_SECONDS


def browser_cookie(connection: ASGIConnection[Any, Any, Any, Any]) -> Cookie:
    """The cookie naming this browser for kept forms: the one it has, or a new random id."""
    value = connection.cookies.get(KEEP_COOKIE)
    if not value or len(value) > 100:
        value = secrets.token_urlsafe(32)
    return workspace_cookie(connection, KEEP_COOKIE, value, _window(connection))


def remember_browser(
    connection: ASGIConnection[Any, Any, Any, Any], cookie: Cookie, person: str
) -> None:
    """At sign-in (in a worker thread): forms this browser sends once the session ends are
    kept for `person`."""
    state = connection.app.state
    db = open_database(state.db_path, busy_timeout=state.busy_timeout)
    try:
        remember_sign_in(
            db, str(cookie.value), person, now=int(time.time()), window=_window(connection)
        )
    finally:
        db.conn.close()


def _keep(
    request: Request[Any, Any, Any], page: str, browser_id: str, fields: list[tuple[str, str]]
) -> bool:
    state = request.app.state
    db = open_database(state.db_path, busy_timeout=state.busy_timeout)
    try:
        return keep_form(
            db,
            browser_id,
            path=page,
            fields=fields,
            now=int(time.time()),
            window=_window(request),
        )
    finally:
        db.conn.close()


async def _kept(request: Request[Any, Any, Any]) -> bool:
    """Keep the form of a request that arrived without a live session, if it may be."""
    browser_id = request.cookies.get(KEEP_COOKIE)
    page = _kept_page(request)
    if page is None or not browser_id or len(browser_id) > 100 or not same_origin(request):
        return False
    try:
        form = await bounded_form(request)
    except FormTooLarge:
        return False
    fields = [
        (name, value)
        for name, value in form.multi_items()
        if isinstance(value, str) and name != CSRF_FIELD
    ]
    return await sync_to_thread(_keep, request, page, browser_id, fields)


def _editing(request: Request[Any, Any, Any]) -> str:
    """The page being edited: a keeping route's page (with the query it was opened with),
    else the page the form was sent from (our own pages send their address), else the
    dashboard. Only a path and query: the sign-in page's `next` rules apply to it."""
    referer = urlsplit(request.headers.get("referer", ""))
    if not same_origin(request):
        referer = urlsplit("")
    page = _kept_page(request)
    if page is not None:
        return page + (f"?{referer.query}" if referer.path == page and referer.query else "")
    if referer.path.startswith(WORKSPACE_PATH + "/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return WORKSPACE_PATH + "/dashboard"


async def signed_in(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard: a live session (`require_session`); without one, a form sent to a keeping
    route is kept first, and the sign-in page leads back to the page being edited."""
    try:
        await require_session(connection, handler)
    except SignInRequired as exc:
        if isinstance(connection, Request) and connection.method not in _SAFE:
            exc.page = _editing(connection)
            exc.kept = await _kept(connection)
        raise


def kept_fields(
    request: Request[Any, Any, Any], db: sqlite_utils.Database, principal: Principal
) -> dict[str, str] | None:
    """On a keeping route's page (in its worker thread, with its connection): the form
    this person sent for this page when their session had ended on this browser, once;
    None when there is none."""
    browser_id = request.cookies.get(KEEP_COOKIE)
    if not browser_id or len(browser_id) > 100:
        return None
    return take_kept_form(
        db, browser_id, person=principal.name, path=request.url.path, now=int(time.time())
    )


def kept_notice(request: Request[Any, Any, Any]) -> str:
    """What a page showing a kept form says above it."""
    return ui(request).gettext(
        "Your session had expired; your changes were kept — check them and send again."
    )
