"""Errors in the workspace are pages, not problem+json: a missing session goes to the
sign-in page, a refused form or action gets a 403 page saying why, anything else a page
with the status the API would answer. Refusals are kept for admins like the API's."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap

from api.core.errors import Forbidden, TooManyRequests, VettedError
from api.logs import request_id
from api.web.problems import database_busy, domain_status
from api.web.refusals import refusal_trace
from api.web.workspace.csrf import CsrfRefused
from api.web.workspace.layout import N_, flash, render, ui
from api.web.workspace.session import WORKSPACE_PATH, SignInRequired

__all__ = ["ErrorPage", "workspace_exception_handlers"]

log = logging.getLogger("vetted.web")
# The titles of the problems the API answers with, shown as the headings of error pages.
_TITLES = (
    N_("Invalid locale"),
    N_("Invalid parameter"),
    N_("Validation failed"),
    N_("Nothing changed"),
    N_("Unauthorized"),
    N_("Forbidden"),
    N_("Not found"),
    N_("Conflict"),
    N_("Precondition failed"),
    N_("Precondition required"),
    N_("Too many requests"),
)


class ErrorPage:
    """What an error page says."""

    def __init__(
        self, status: int, heading: str, detail: str, detail_lang: str | None = None
    ) -> None:
        self.status = status
        self.heading = heading
        self.detail = detail
        self.detail_lang = detail_lang
        """The language of `detail` when it is not the interface's (the domain's English)."""


def _page(
    request: Request[Any, Any, Any],
    status: int,
    heading: str,
    detail: str,
    detail_lang: str | None = None,
) -> Template:
    page = ErrorPage(status, heading, detail, detail_lang)
    return render(request, "error.html", page, title=heading, status_code=status)


def _sign_in(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    text = ui(request)
    if exc.page is not None:
        # A form sent after the session ended: back to the page it was sent from, saying
        # whether what was typed is kept (see `keeping`).
        target = exc.page or WORKSPACE_PATH + "/dashboard"
        said = (
            text.gettext(
                "Your session had ended, so nothing was saved yet. What you typed is kept: "
                "sign in again to check it and send it."
            )
            if exc.kept
            else text.gettext("Your session had ended; what you sent was not saved.")
        )
        return Redirect(
            f"{WORKSPACE_PATH}/?next={quote(target)}",
            status_code=303,
            cookies=[flash(request, said)],
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or not target.startswith(WORKSPACE_PATH + "/"):
        target = WORKSPACE_PATH + "/dashboard"
    return Redirect(f"{WORKSPACE_PATH}/?next={quote(target)}", status_code=303)


def _csrf(request: Request[Any, Any, Any], exc: CsrfRefused) -> Template:
    text = ui(request)
    response = _page(
        request,
        403,
        text.gettext("This form cannot be accepted"),
        text.gettext(
            "It was not sent from a page of this workspace, or the page was open too long. "
            "Go back, reload the page and send the form again."
        ),
    )
    response.background = refusal_trace(request, Forbidden(str(exc)), 403, "/problems/forbidden")
    return response


def _domain(request: Request[Any, Any, Any], exc: VettedError) -> Template:
    status, problem, title = domain_status(exc)
    response = _page(request, status, ui(request).gettext(title), str(exc), "en")
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    response.background = refusal_trace(request, exc, status, problem)
    return response


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Template:
    status = exc.status_code if exc.status_code < 500 else 500
    text = ui(request)
    if status >= 500:
        return _page(
            request,
            status,
            text.gettext("This page cannot be shown"),
            text.gettext("Something went wrong."),
        )
    return _page(request, status, text.gettext("This page cannot be shown"), str(exc.detail), "en")


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Template:
    busy = database_busy(exc)
    if not busy:
        log.exception(
            "unhandled error on %s %s",
            request.method,
            request.url.path,
            exc_info=exc,
            extra={"fields": {"request_id": request_id.get()}},
        )
    text = ui(request)
    detail = (
        text.gettext("The database is busy with another change; nothing was changed. Try again.")
        if busy
        else text.gettext("Something went wrong; it has been logged.")
    )
    return _page(request, 503 if busy else 500, text.gettext("This page cannot be shown"), detail)


# The same keys as the API's handlers (api.web.problems), so these, nearer the routes, win.
workspace_exception_handlers: ExceptionHandlersMap = {
    SignInRequired: _sign_in,
    CsrfRefused: _csrf,
    VettedError: _domain,
    HTTPException: _http,
    sqlite3.OperationalError: _unexpected,
    Exception: _unexpected,
}
