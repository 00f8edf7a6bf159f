"""Scheduled changes and withdrawals, as pure rules: when a change is due, how long a
response may be cached before the next one, and what readers of withdrawn content are told.

A schedule is fixed when it is approved (the review happens then, by the review rule), so
the next scheduled change is known in advance: every read compares its clock with it, and
no cache lifetime outlives it (see `cap_cache_control`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from api.core.errors import ValidationFailed

__all__ = [
    "MAX_AHEAD",
    "ScheduleKind",
    "ScheduleState",
    "WithdrawalKind",
    "WithdrawalStatus",
    "cap_cache_control",
    "instant",
    "parse_instant",
    "scheduled_instant",
    "withdrawal_notice",
]

ScheduleKind = Literal["publish", "withdraw"]
ScheduleState = Literal["pending", "done", "failed", "cancelled"]
WithdrawalKind = Literal["article", "treatment"]
WithdrawalStatus = Literal["requested", "scheduled", "withdrawn", "rejected", "cancelled"]

MAX_AHEAD = timedelta(days=5 * 366)
"""How far ahead a change may be scheduled: further than this is a typing mistake."""


def instant(moment: datetime) -> str:
    """A moment as the RFC 3339 UTC string, to the second, every stored time uses."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_instant(stamp: str) -> datetime:
    """A stored RFC 3339 UTC string as an aware datetime."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def scheduled_instant(moment: datetime, now: datetime, field: str) -> str:
    """`moment` as a stored time, when it is a time zone-aware moment in the future and at
    most `MAX_AHEAD` away; ValidationFailed naming `field` otherwise."""
    if moment.tzinfo is None:
        raise ValidationFailed(f"{field}: give a time zone (e.g. `Z` or `+01:00`)", path=field)
    if moment <= now:
        raise ValidationFailed(
            f"{field}: {instant(moment)} is not in the future (now {instant(now)})", path=field
        )
    if moment - now > MAX_AHEAD:
        raise ValidationFailed(f"{field}: more than five years ahead", path=field)
    return instant(moment)


def cap_cache_control(value: str, seconds_left: float) -> str:
    """`value` (a Cache-Control header) with no lifetime beyond `seconds_left`: max-age is
    lowered to it, stale-while-revalidate to what remains after, and `immutable` goes (it
    promises the bytes do not change while fresh). Unchanged when it already ends in time."""
    left = max(0, int(seconds_left))
    directives = [d.strip() for d in value.split(",") if d.strip()]
    max_age = stale = 0
    for directive in directives:
        name, _, number = directive.partition("=")
        if name.lower() == "max-age" and number.isdigit():
            max_age = int(number)
        elif name.lower() == "stale-while-revalidate" and number.isdigit():
            stale = int(number)
    if max_age + stale <= left or "no-store" in (d.lower() for d in directives):
        return value  # ends in time (`immutable` holds for as long as it is fresh)
    max_age_capped = min(max_age, left)
    stale_capped = min(stale, left - max_age_capped)
    out: list[str] = []
    for directive in directives:
        name = directive.partition("=")[0].lower()
        if name == "immutable":
            continue
        if name == "max-age":
            out.append(f"max-age={max_age_capped}")
        elif name == "stale-while-revalidate":
            if stale_capped:
                out.append(f"stale-while-revalidate={stale_capped}")
        else:
            out.append(directive)
    return ", ".join(out)


def withdrawal_notice(kind: WithdrawalKind, name: str, at: str, notice: str | None) -> str:
    """What a reader of withdrawn content is told: what was withdrawn, when, and the
    reviewers' short notice when they gave one."""
    what = "This article" if kind == "article" else "This treatment record"
    text = f"{what} ({name}) was withdrawn by its medical reviewers on {at[:10]}."
    return f"{text} {notice}" if notice else text
