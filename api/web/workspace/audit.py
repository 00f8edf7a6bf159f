"""The audit page: every write and who made it, newest first, for admins (as the API's
audit log), with the cursor to older entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from api.core.access import Principal, authorize
from api.store.audit import AuditPage, list_audit
from api.web.workspace.base import WorkspaceController
from api.web.workspace.layout import render, ui

__all__ = ["AuditController"]

_PAGE = 50


@dataclass(frozen=True)
class AuditView:
    page: AuditPage
    target: str


class AuditController(WorkspaceController):
    """The audit log, page by page."""

    path = "/audit"

    @get("/", sync_to_thread=True)
    def audit(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        before: FromQuery[int | None] = None,
        target: FromQuery[str | None] = None,
    ) -> Template:
        authorize(principal, "audit.read")
        wanted = (target or "").strip()[:200]
        found = list_audit(writer, limit=_PAGE, before_id=before, target=wanted or None)
        return render(
            request,
            "audit.html",
            AuditView(page=found, target=wanted),
            title=ui(request).gettext("Audit log"),
        )
