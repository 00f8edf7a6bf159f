"""When content is due for medical review again, and whether it is current, due soon or
overdue: the dates are stored in the rendered documents, the status is computed against them
at render time and again by the daily sweep (see `api.store.reviews`)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Annotated, Literal

import msgspec

__all__ = [
    "DEFAULT_DUE_SOON_DAYS",
    "DEFAULT_INTERVAL_MONTHS",
    "ReviewPolicy",
    "ReviewStatus",
    "next_review_due",
    "review_status",
]

DEFAULT_INTERVAL_MONTHS = 12
"""Medical publishers review patient information at least yearly (NHS: every 3 years at
most, most pages yearly); an article file may set a shorter or longer interval."""
DEFAULT_DUE_SOON_DAYS = 30
"""How long before its due date an article shows as due soon, to editors and readers."""

ReviewStatus = Annotated[
    Literal["current", "due-soon", "overdue", "superseded"],
    msgspec.Meta(
        description="`current`: reviewed and not yet due; `due-soon`: due within the "
        "policy's warning window; `overdue`: past its review date, served but flagged; "
        "`superseded`: a pinned older version, replaced by a newer reviewed one."
    ),
]


class ReviewPolicy(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """How often an article must be reviewed again (`review:` in its file)."""

    interval_months: Annotated[int, msgspec.Meta(ge=1, le=60)] = DEFAULT_INTERVAL_MONTHS
    due_soon_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = DEFAULT_DUE_SOON_DAYS


def next_review_due(last_reviewed: date, policy: ReviewPolicy) -> date:
    """The date `interval_months` after the last review (the month's last day when the
    day does not exist, e.g. 31 August + 6 months = 28 or 29 February)."""
    months = last_reviewed.month - 1 + policy.interval_months
    year, month = last_reviewed.year + months // 12, months % 12 + 1
    day = min(last_reviewed.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def review_status(due: date, today: date, policy: ReviewPolicy) -> ReviewStatus:
    """Whether content due for review on `due` is current, due soon or overdue on `today`."""
    if today > due:
        return "overdue"
    if (due - today).days <= policy.due_soon_days:
        return "due-soon"
    return "current"
