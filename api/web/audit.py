"""The audit log and the refused management requests, readable by admins only. There is
no route that writes or deletes either."""

from __future__ import annotations

from typing import Annotated

import sqlite_utils
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from api.core.access import Principal, may
from api.store.audit import AuditPage, list_audit
from api.store.refusals import RefusalPage, list_refusals
from api.web.auth import BEARER, provide_principal, provide_writer, require_token
from api.web.examples import MAX_ID
from api.web.problems import problem_responses

__all__ = ["AuditController"]

Filter = Annotated[str | None, QueryParameter(required=False, max_length=200)]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]
Before = Annotated[
    int | None,
    QueryParameter(
        required=False, ge=1, le=MAX_ID, description="Cursor: `next_before` of the previous page."
    ),
]


class AuditController(Controller):
    """Who changed what, when."""

    path = "/v1/manage/audit"
    tags = ["management"]  # noqa: RUF012
    security = [{BEARER: []}]  # noqa: RUF012
    guards = [require_token]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "writer": Provide(provide_writer),
        "principal": Provide(provide_principal, sync_to_thread=False),
    }

    @get(
        "/",
        operation_id="listAudit",
        summary="List audit log entries",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403),
    )
    def list_entries(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        before: Annotated[
            int | None,
            QueryParameter(
                required=False,
                ge=1,
                le=MAX_ID,
                description="Cursor: `next_before` of the previous page.",
            ),
        ] = None,
        actor: Filter = None,
        action: Filter = None,
        target: Annotated[
            str | None,
            QueryParameter(
                required=False,
                max_length=200,
                description="Exact target, or a prefix such as `articles`.",
            ),
        ] = None,
    ) -> AuditPage:
        """Entries newest first, filtered, paginated by cursor."""
        may(principal, "audit.read").enforce()
        return list_audit(
            writer, limit=limit, before_id=before, actor=actor, action=action, target=target
        )

    @get(
        "/refusals",
        operation_id="listRefusals",
        summary="List refused management requests, newest first",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403),
    )
    def list_refused(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        limit: Limit = 50,
        before: Before = None,
        actor: Annotated[
            str | None,
            QueryParameter(
                required=False, max_length=200, description="Token name (known from 403 on)."
            ),
        ] = None,
        status: Annotated[
            int | None,
            QueryParameter(
                required=False, ge=400, le=499, description="401, 403, 409, 412 or 428."
            ),
        ] = None,
        path: Annotated[
            str | None,
            QueryParameter(
                required=False,
                max_length=300,
                description="Path prefix, such as `/v1/manage/drafts`.",
            ),
        ] = None,
    ) -> RefusalPage:
        """Every 401, 403, 409, 412 and 428 answer of a management route: when, who (when
        the token was valid), the method, path and operation, and the problem. Each minute
        itemizes its first 30 refusals and counts the rest per status (`method` and `path`
        `*`, `repeats`); the newest 100,000 rows are kept."""
        may(principal, "audit.read").enforce()
        return list_refusals(
            writer, limit=limit, before_id=before, actor=actor, status=status, path=path
        )
