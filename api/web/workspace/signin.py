"""Sign-in with an API token, exchanged for a server-side session; sign-out."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec
import sqlite_utils
from litestar import Controller, Request, get, post
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.core.access import Principal
from api.core.errors import TooManyRequests, Unauthorized
from api.store.schema import open_database
from api.store.sessions import end_session, open_session
from api.web.auth import authenticate_client, provide_writer, refuse_limited_client
from api.web.refusals import refusal_trace
from api.web.workspace.csrf import SIGNIN_COOKIE, check_csrf, signin_cookie
from api.web.workspace.forms import ACTION_FORM, SIGN_IN_FORM, Form, FormBody, bounds
from api.web.workspace.keeping import browser_cookie, remember_browser
from api.web.workspace.layout import flash, render, ui
from api.web.workspace.session import (
    SESSION_COOKIE,
    WORKSPACE_PATH,
    current_session,
    require_session,
    session_cookie,
    workspace_cookie,
)

__all__ = ["SignInController", "SignInPage"]

_HOME = WORKSPACE_PATH + "/dashboard"


class SignInForm(Form, frozen=True, kw_only=True):
    """The token, and where to go afterwards."""

    token: Annotated[str, msgspec.Meta(max_length=200)] = ""
    next: Annotated[str, msgspec.Meta(max_length=500)] = ""


class SignInPage(msgspec.Struct, frozen=True, kw_only=True):
    """The sign-in form, and why the last attempt failed."""

    next: str
    error: str | None = None


def _safe_next(target: str | None) -> str:
    # Only a path of the workspace: never another site ("//evil", "https://…").
    if not target:
        return _HOME
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not parts.path.startswith(WORKSPACE_PATH + "/")
        or ".." in parts.path.split("/")
        or "\\" in target
    ):
        return _HOME
    return target


def _form(
    request: Request[Any, Any, Any], target: str, error: str | None = None, status: int = 200
) -> Template:
    cookie = signin_cookie(request, request.cookies.get(SIGNIN_COOKIE))
    text = ui(request)
    return render(
        request,
        "signin.html",
        SignInPage(next=target, error=error),
        title=text.gettext("Sign in"),
        status_code=status,
        csrf_token=cookie.value,
        cookies=[cookie],
    )


def _limited(request: Request[Any, Any, Any], exc: TooManyRequests) -> Template:
    """The sign-in form again, saying how long the address must wait."""
    text = ui(request)
    page = _form(
        request,
        _HOME,
        text.gettext(
            "Too many failed sign-ins from this address. Wait %(n)s seconds.",
            n=exc.retry_after,
        ),
        429,
    )
    page.headers["Retry-After"] = str(exc.retry_after)
    return page


def _open(request: Request[Any, Any, Any], principal: Principal) -> str:
    state = request.app.state
    db = open_database(state.db_path, busy_timeout=state.busy_timeout)
    try:
        return open_session(
            db,
            principal,
            now=int(time.time()),
            limits=state.session_limits,
            replacing=request.cookies.get(SESSION_COOKIE),
        )
    finally:
        db.conn.close()


class SignInController(Controller):
    """The workspace's door."""

    path = "/"

    @get("/")
    async def sign_in_page(
        self,
        request: Request[Any, Any, Any],
        next_page: Annotated[str | None, QueryParameter(name="next", required=False)] = None,
    ) -> Template | Redirect:
        """The sign-in form; a signed-in browser goes on to its page."""
        if await current_session(request) is not None:
            return Redirect(_safe_next(next_page), status_code=303)
        return _form(request, _safe_next(next_page))

    @post(
        "/sign-in",
        # Before the body is read: the address's failed sign-ins, then the origin; then
        # the form, parsed only within its bounds, and its security token.
        guards=[refuse_limited_client, check_csrf],
        opt=bounds(SIGN_IN_FORM),
        exception_handlers={TooManyRequests: _limited},
    )
    async def sign_in(
        self, request: Request[Any, Any, Any], data: FormBody[SignInForm]
    ) -> Template | Redirect:
        """Check the token as the API does (with its failed-attempt limit); open a session."""
        text = ui(request)
        target = _safe_next(data.next)
        try:
            principal = authenticate_client(request, f"Bearer {data.token.strip()}")
        except Unauthorized as exc:
            page = _form(
                request, target, text.gettext("That token is not valid, or it was revoked."), 401
            )
            page.background = refusal_trace(request, exc, 401, "/problems/unauthorized")
            return page
        session_id = await sync_to_thread(_open, request, principal)
        # What this browser sends once the session has ended is kept for this person.
        browser = browser_cookie(request)
        await sync_to_thread(remember_browser, request, browser, principal.name)
        limits = request.app.state.session_limits
        return Redirect(
            target,
            status_code=303,
            cookies=[
                session_cookie(request, session_id, limits.lifetime),
                browser,
                workspace_cookie(request, SIGNIN_COOKIE, "", 0),
            ],
        )

    @post(
        "/sign-out",
        guards=[require_session, check_csrf],
        opt=bounds(ACTION_FORM),
        dependencies={"writer": Provide(provide_writer)},
        sync_to_thread=True,
    )
    def sign_out(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        data: FormBody[Form],
    ) -> Redirect:
        """End the session on the server and in the browser."""
        end_session(writer, request.cookies[SESSION_COOKIE])
        return Redirect(
            WORKSPACE_PATH + "/",
            status_code=303,
            cookies=[
                session_cookie(request, "", 0),
                flash(request, ui(request).gettext("You are signed out.")),
            ],
        )
