"""What every workspace page shows around its content: the language and direction of the
interface, who is signed in, the navigation their role allows, flash messages and the
CSRF token of its forms; and `render`, which puts a page's typed context inside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Template

from api.core.access import Action, Principal, may
from api.store.sessions import Session
from api.web.workspace.i18n import UiText, ui_text
from api.web.workspace.session import WORKSPACE_PATH, workspace_cookie

__all__ = ["FLASH_COOKIE", "NAV_EXTENSIONS", "N_", "Layout", "NavItem", "flash", "render", "ui"]

FLASH_COOKIE = "vetted_flash"


@dataclass(frozen=True)
class NavItem:
    """A link of the navigation, shown only when the principal may use what it leads to."""

    label: str
    href: str
    current: bool


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


# (label, path under /workspace, the action it needs, else None for every role)
_NAV: tuple[tuple[str, str, Action | None], ...] = (
    (N_("Dashboard"), "/dashboard", None),
    (N_("Articles"), "/articles", None),
    (N_("Admin"), "/admin", "token.manage"),
)

# Words templates translate from data (roles, draft states), marked for the extractor.
_WORDS = (
    N_("admin"),
    N_("editor"),
    N_("reviewer"),
    N_("translator"),
    N_("draft"),
    N_("in_review"),
    N_("scheduled"),
    N_("published"),
    N_("rejected"),
    N_("withdrawn"),
    N_("added"),
    N_("removed"),
    N_("changed"),
    N_("moved"),
    N_("pending"),
    N_("delivered"),
    N_("failed"),
    N_("scheduled"),
    N_("replay"),
)

NAV_EXTENSIONS: list[tuple[str, str, Action | None]] = []
"""Links other controllers add to the navigation: (label, path under /workspace, action)."""


@dataclass(frozen=True)
class Layout:
    """The frame of a page."""

    lang: str
    dir: str
    principal: Principal | None
    nav: tuple[NavItem, ...]
    flash: tuple[str, ...]
    csrf_token: str


def ui(request: Request[Any, Any, Any]) -> UiText:
    """The interface's words for this request (cached on it)."""
    text: UiText | None = request.state.get("ui")
    if text is None:
        text = ui_text(request.headers.get("accept-language"))
        request.state.ui = text
    return text


def _nav(
    request: Request[Any, Any, Any], principal: Principal | None, text: UiText
) -> tuple[NavItem, ...]:
    if principal is None:
        return ()
    path = request.url.path
    return tuple(
        NavItem(
            label=text.gettext(label),
            href=WORKSPACE_PATH + href,
            current=path == WORKSPACE_PATH + href or path.startswith(WORKSPACE_PATH + href + "/"),
        )
        for label, href, action in (*_NAV, *NAV_EXTENSIONS)
        if action is None or may(principal, action)
    )


def flash(request: Request[Any, Any, Any], message: str) -> Cookie:
    """A cookie carrying a message to the next page (after POST, redirect)."""
    return workspace_cookie(request, FLASH_COOKIE, quote(message[:500]), 60)


def render(
    request: Request[Any, Any, Any],
    template: str,
    page: object,
    *,
    title: str,
    status_code: int = 200,
    csrf_token: str | None = None,
    cookies: list[Cookie] | None = None,
    notice: str | None = None,
) -> Template:
    """The page `template` with its context `page`, inside the layout; `notice` is said at
    its top, as a flash message is."""
    text = ui(request)
    session: Session | None = request.state.get("session")
    principal = session.principal if session else None
    message = request.cookies.get(FLASH_COOKIE)
    layout = Layout(
        lang=text.locale,
        dir=text.dir,
        principal=principal,
        nav=_nav(request, principal, text),
        flash=((unquote(message),) if message else ()) + ((notice,) if notice else ()),
        csrf_token=csrf_token or (session.csrf if session else ""),
    )
    out = list(cookies or [])
    if message:
        out.append(workspace_cookie(request, FLASH_COOKIE, "", 0))
    return Template(
        template_name=template,
        context={
            "layout": layout,
            "page": page,
            "title": title,
            "_": text.gettext,
            "ngettext": text.ngettext,
            "when": text.when,
            "language": text.language,
        },
        status_code=status_code,
        cookies=out,
        headers={"Cache-Control": "no-store"},
    )
