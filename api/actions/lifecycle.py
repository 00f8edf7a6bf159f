"""Lifecycle use cases: schedule a draft's publication (the review happens now) or call it
off, and ask for published content to be withdrawn, approve, decline or call off such a
request (authorise, validate, store, audit: see `api.actions`)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils

from api.core.access import Principal, may
from api.core.lifecycle import WithdrawalKind, scheduled_instant
from api.store import drafts
from api.store import withdrawals as store
from api.store.drafts import Draft
from api.store.withdrawals import Withdrawal

__all__ = [
    "approve_withdrawal",
    "cancel_withdrawal",
    "reject_withdrawal",
    "request_withdrawal",
    "schedule_draft",
    "unschedule_draft",
]


def schedule_draft(
    db: sqlite_utils.Database,
    principal: Principal,
    draft_id: int,
    if_match: str | None,
    publish_at: datetime,
) -> Draft:
    """Approve a draft now, to be published at `publish_at` (a moment in the future): the
    review rule applies now, and again in the store's transaction with the authors."""
    may(principal, "draft.review").enforce()
    at = scheduled_instant(publish_at, datetime.now(UTC), "$.publish_at")
    return drafts.schedule_draft(db, principal, draft_id, if_match, at)


def unschedule_draft(
    db: sqlite_utils.Database, principal: Principal, draft_id: int, if_match: str | None
) -> Draft:
    """Call off a draft's scheduled publication: it goes back to review, unpublished."""
    may(principal, "draft.write").enforce()
    return drafts.unschedule_draft(db, principal, draft_id, if_match)


def request_withdrawal(
    db: sqlite_utils.Database,
    principal: Principal,
    kind: WithdrawalKind,
    item: str,
    reason: str,
    notice: str | None = None,
    withdraw_at: datetime | None = None,
) -> Withdrawal:
    """Ask for a published article or treatment record to be withdrawn (now, or at
    `withdraw_at`); nothing changes for readers until a second person approves."""
    may(principal, "article.withdraw").enforce()
    at = (
        scheduled_instant(withdraw_at, datetime.now(UTC), "$.withdraw_at")
        if withdraw_at is not None
        else None
    )
    return store.request_withdrawal(db, principal, kind, item, reason, notice, at)


def approve_withdrawal(
    db: sqlite_utils.Database, principal: Principal, withdrawal_id: int, if_match: str | None
) -> Withdrawal:
    """Approve a withdrawal someone else asked for (the review rule, asked again in the
    store's transaction with who asked)."""
    may(principal, "withdrawal.review").enforce()
    return store.approve_withdrawal(db, principal, withdrawal_id, if_match)


def reject_withdrawal(
    db: sqlite_utils.Database,
    principal: Principal,
    withdrawal_id: int,
    if_match: str | None,
    comment: str,
) -> Withdrawal:
    """Decline a withdrawal request: the content stays published; the comment says why."""
    may(principal, "withdrawal.review").enforce()
    return store.reject_withdrawal(db, principal, withdrawal_id, if_match, comment)


def cancel_withdrawal(
    db: sqlite_utils.Database, principal: Principal, withdrawal_id: int, if_match: str | None
) -> Withdrawal:
    """Call a withdrawal off (its requester or an admin while it waits; once approved,
    only a reviewer the review rule allows: the store's rule)."""
    may(principal, "article.withdraw").enforce()
    return store.cancel_withdrawal(db, principal, withdrawal_id, if_match)
