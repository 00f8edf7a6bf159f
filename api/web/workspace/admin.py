"""Admin: tokens (a new one's secret is shown once, never again; revoking asks first),
the audit log with filters, and refused attempts — the same store functions as the
command line and the API, for admins only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from api.actions import tokens as actions
from api.core.access import ROLES, Principal, may
from api.core.errors import Conflict, Forbidden, InvalidParameter, NotFound
from api.store.accounts import TokenInfo, list_tokens
from api.store.audit import AuditPage, list_audit
from api.store.refusals import RefusalPage, list_refusals
from api.web.problems import domain_status
from api.web.workspace.base import WorkspaceController
from api.web.workspace.forms import ACTION_FORM, NEW_TOKEN_FORM, Form, FormBody, bounds
from api.web.workspace.layout import flash, render, ui
from api.web.workspace.session import WORKSPACE_PATH

__all__ = ["AdminController"]

ADMIN_PATH = WORKSPACE_PATH + "/admin"
_Filter = Annotated[str | None, QueryParameter(required=False, max_length=200)]
_Before = Annotated[int | None, QueryParameter(required=False, ge=1, le=2**63 - 1)]
_PAGE = 50


class NewTokenForm(Form, frozen=True, kw_only=True):
    """A token to create."""

    name: Annotated[str, msgspec.Meta(max_length=64)] = ""
    role: Annotated[str, msgspec.Meta(max_length=20)] = ""
    locales: Annotated[str, msgspec.Meta(max_length=200)] = ""
    person: Annotated[str, msgspec.Meta(max_length=64)] = ""
    """Empty: a new person named as the token. A person's name: another token of theirs
    (the store allows only the admin's own)."""


class TokensPage(msgspec.Struct, frozen=True, kw_only=True):
    """Every token; a just-created one's secret (only in the answer to its creation)."""

    tokens: tuple[TokenInfo, ...]
    roles: tuple[str, ...]
    created: TokenInfo | None = None
    secret: str | None = None
    form: NewTokenForm | None = None
    error: str | None = None


class RevokePage(msgspec.Struct, frozen=True, kw_only=True):
    """The confirmation before a token stops working."""

    token: TokenInfo


class AuditView(msgspec.Struct, frozen=True, kw_only=True):
    """A page of the audit log, its filters and the link to the next page."""

    page: AuditPage
    actor: str
    action: str
    target: str
    next_url: str | None


class RefusalsView(msgspec.Struct, frozen=True, kw_only=True):
    """A page of refused attempts, its filters and the link to the next page."""

    page: RefusalPage
    actor: str
    status: str
    path: str
    next_url: str | None


def _next(path: str, filters: Mapping[str, object], before: int | None) -> str | None:
    if before is None:
        return None
    query = {k: v for k, v in filters.items() if v not in (None, "")}
    return f"{path}?{urlencode({**query, 'before': before})}"


def _tokens_page(request: Request[Any, Any, Any], page: TokensPage, status: int = 200) -> Template:
    return render(
        request, "admin.html", page, title=ui(request).gettext("Admin"), status_code=status
    )


class AdminController(WorkspaceController):
    """Tokens, audit log and refusals."""

    path = "/admin"

    @get("/", sync_to_thread=True)
    def tokens(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
    ) -> Template:
        """Every token, and the form for a new one."""
        may(principal, "token.manage").enforce()
        return _tokens_page(request, TokensPage(tokens=tuple(list_tokens(writer)), roles=ROLES))

    @post("/tokens", sync_to_thread=True, opt=bounds(NEW_TOKEN_FORM))
    def create(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        data: FormBody[NewTokenForm],
    ) -> Template:
        """Create a token and show its secret, this once (the answer is never cached)."""
        may(principal, "token.manage").enforce()  # before the form is shown again
        person = data.person.strip() or None
        try:
            info, secret = actions.create_token(
                writer,
                principal,
                name=data.name,
                # A token of an existing person carries their role and scope: the form's
                # role and locales are for a new person only.
                role=None if person else data.role,
                locales=() if person else data.locales.split(","),
                person=person,
            )
        except (InvalidParameter, Conflict, NotFound, Forbidden) as exc:
            # The form again, as filled in, with the store's reason.
            page = TokensPage(
                tokens=tuple(list_tokens(writer)), roles=ROLES, form=data, error=str(exc)
            )
            return _tokens_page(request, page, domain_status(exc)[0])
        page = TokensPage(
            tokens=tuple(list_tokens(writer)), roles=ROLES, created=info, secret=secret
        )
        return _tokens_page(request, page, 201)

    @get("/tokens/{name:str}/revoke", sync_to_thread=True)
    def confirm_revoke(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        name: Annotated[str, PathParameter()],
    ) -> Template:
        """Ask before a token stops working."""
        may(principal, "token.manage").enforce()
        found = next((t for t in list_tokens(writer) if t.name == name and not t.revoked_at), None)
        if found is None:
            raise NotFound(f"no active token named {name!r}")
        text = ui(request)
        return render(
            request,
            "revoke.html",
            RevokePage(token=found),
            title=text.gettext("Revoke %(name)s", name=name),
        )

    @post("/tokens/{name:str}/revoke", sync_to_thread=True, opt=bounds(ACTION_FORM))
    def revoke(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        name: Annotated[str, PathParameter()],
        data: FormBody[Form],
    ) -> Redirect:
        """Revoke a token: it stops working at once, and its sessions end."""
        actions.revoke_token(writer, principal, name)
        message = ui(request).gettext("Token %(name)s is revoked.", name=name)
        return Redirect(ADMIN_PATH, status_code=303, cookies=[flash(request, message)])

    @get("/audit", sync_to_thread=True)
    def audit(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        actor: _Filter = None,
        action: _Filter = None,
        target: _Filter = None,
        before: _Before = None,
    ) -> Template:
        """The audit log, newest first, filtered by actor, action and target."""
        may(principal, "audit.read").enforce()
        page = list_audit(
            writer,
            limit=_PAGE,
            before_id=before,
            actor=actor or None,
            action=action or None,
            target=target or None,
        )
        filters = {"actor": actor, "action": action, "target": target}
        view = AuditView(
            page=page,
            actor=actor or "",
            action=action or "",
            target=target or "",
            next_url=_next(ADMIN_PATH + "/audit", filters, page.next_before),
        )
        return render(request, "audit.html", view, title=ui(request).gettext("Audit log"))

    @get("/refusals", sync_to_thread=True)
    def refusals(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        actor: _Filter = None,
        status: Annotated[int | None, QueryParameter(required=False, ge=400, le=499)] = None,
        path: _Filter = None,
        before: _Before = None,
    ) -> Template:
        """Refused attempts (API and workspace), newest first."""
        may(principal, "audit.read").enforce()
        page = list_refusals(
            writer,
            limit=_PAGE,
            before_id=before,
            actor=actor or None,
            status=status,
            path=path or None,
        )
        filters = {"actor": actor, "status": status, "path": path}
        view = RefusalsView(
            page=page,
            actor=actor or "",
            status=str(status or ""),
            path=path or "",
            next_url=_next(ADMIN_PATH + "/refusals", filters, page.next_before),
        )
        return render(request, "refusals.html", view, title=ui(request).gettext("Refused attempts"))
