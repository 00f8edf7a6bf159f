"""The dashboard: my drafts, the review queue, catalogs awaiting review per locale,
translation health per locale, and recent activity — each shown as the rule allows."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlite_utils
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from api.core.access import Principal, Target, may, role_allows
from api.core.health import TranslationHealth
from api.store.audit import AuditEntry, list_audit
from api.store.catalogs import pending_review
from api.store.overview import PendingLocale, locale_health, pending_locales, recent_versions
from api.store.queue import DraftLine, draft_lines
from api.store.reviews import ArticleReview, review_overview
from api.store.schedules import Schedule, list_schedules
from api.store.schema import snapshot
from api.store.versions import VersionRow
from api.web.workspace.base import WorkspaceController
from api.web.workspace.layout import N_, render, ui

__all__ = ["DashboardController", "DashboardPage"]

_OPEN = ("draft", "in_review", "rejected")
# Review statuses, as the templates show them.
_SHOWN = (N_("current"), N_("due-soon"), N_("overdue"), N_("superseded"))
# Scheduled changes: their kinds and states.
_SCHEDULED = (N_("publish"), N_("withdraw"), N_("pending"), N_("failed"))


class QueuedDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A draft waiting for review, what it does, who wrote it, and why this reviewer may not
    publish it."""

    line: DraftLine
    refusal: str | None


class PendingCatalog(msgspec.Struct, frozen=True, kw_only=True):
    """A locale's catalog awaiting review, and why this person may not approve it."""

    pending: PendingLocale
    to_review: int
    """Entries whose translation readers get would change."""
    refusal: str | None


class DashboardPage(msgspec.Struct, frozen=True, kw_only=True):
    """Everything on the dashboard; a `*_refusal` says why a part is not shown."""

    drafts_refusal: str | None
    my_drafts: tuple[DraftLine, ...]
    """The person's open drafts; a rejected one with who sent it back and why."""
    queue_refusal: str | None
    queue: tuple[QueuedDraft, ...]
    pending: tuple[PendingCatalog, ...]
    health: tuple[TranslationHealth, ...]
    reviews: tuple[ArticleReview, ...]
    """Every article's review dates, overdue and due soon first."""
    overdue: int
    recent: tuple[VersionRow, ...]
    audit_refusal: str | None
    audit: tuple[AuditEntry, ...]
    schedules: tuple[Schedule, ...] = ()
    """Pending scheduled changes (overdue ones flagged) and those that failed."""
    overdue_schedules: int = 0


def _queue(db: sqlite_utils.Database, principal: Principal) -> tuple[QueuedDraft, ...]:
    out = []
    for line in draft_lines(db, "in_review"):
        refusal = may(principal, "draft.review", Target.source(line.authors)).reason
        out.append(QueuedDraft(line=line, refusal=refusal))
    return tuple(out)


def _pending(db: sqlite_utils.Database, principal: Principal) -> tuple[PendingCatalog, ...]:
    out = []
    for pending in pending_locales(db):
        target = Target.translation(pending.locale, pending.uploaded_by)
        refusal = may(principal, "catalog.review", target).reason
        to_review = len(pending_review(db, pending.locale).entries)
        out.append(PendingCatalog(pending=pending, to_review=to_review, refusal=refusal))
    return tuple(out)


def dashboard_page(db: sqlite_utils.Database, principal: Principal) -> DashboardPage:
    """The dashboard of `principal`, read in one snapshot."""
    drafts_refusal = may(principal, "draft.read").reason
    # The queue is for reviewing roles; within it, each draft says whether this one may.
    reviewer = role_allows(principal.role, "draft.review")
    queue_refusal = None if reviewer else may(principal, "draft.review").reason
    audit_refusal = may(principal, "audit.read").reason
    with snapshot(db):
        mine = (
            tuple(
                line
                for line in draft_lines(db)
                if line.draft.status in _OPEN and principal.name in line.authors
            )
            if drafts_refusal is None
            else ()
        )
        reviews = tuple(review_overview(db))
        schedules = (
            tuple(s for s in list_schedules(db) if s.state in ("pending", "failed"))
            if drafts_refusal is None
            else ()
        )
        return DashboardPage(
            drafts_refusal=drafts_refusal,
            my_drafts=mine,
            queue_refusal=queue_refusal,
            queue=_queue(db, principal) if queue_refusal is None else (),
            pending=_pending(db, principal),
            health=tuple(locale_health(db)),
            reviews=reviews,
            overdue=sum(1 for r in reviews if r.review.review_status == "overdue"),
            recent=tuple(recent_versions(db, 8)),
            audit_refusal=audit_refusal,
            audit=list_audit(db, limit=8).entries if audit_refusal is None else (),
            schedules=schedules,
            overdue_schedules=sum(1 for s in schedules if s.overdue),
        )


class DashboardController(WorkspaceController):
    """The first page after sign-in."""

    path = "/dashboard"

    @get("/", sync_to_thread=True)
    def dashboard(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
    ) -> Template:
        """What needs doing, and how each locale stands."""
        page = dashboard_page(writer, principal)
        return render(request, "dashboard.html", page, title=ui(request).gettext("Dashboard"))
