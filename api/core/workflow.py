"""The editorial workflow: draft -> in_review -> published, or rejected back to editing,
and the optimistic-concurrency rule every write follows."""

from __future__ import annotations

from typing import Literal

from api.core.errors import Conflict, Forbidden, PreconditionRequired, StaleVersion

__all__ = [
    "DraftAction",
    "DraftStatus",
    "check_if_match",
    "check_reviewer",
    "draft_etag",
    "next_status",
]

DraftStatus = Literal["draft", "in_review", "rejected", "published"]
DraftAction = Literal["update", "submit", "reject", "publish"]

_TRANSITIONS: dict[DraftAction, tuple[frozenset[str], DraftStatus]] = {
    "update": (frozenset({"draft", "rejected"}), "draft"),
    "submit": (frozenset({"draft", "rejected"}), "in_review"),
    "reject": (frozenset({"in_review"}), "rejected"),
    "publish": (frozenset({"in_review"}), "published"),
}


def next_status(current: str, action: DraftAction) -> DraftStatus:
    """The status after `action`, or Conflict when the draft is not in a state that allows it."""
    allowed, target = _TRANSITIONS[action]
    if current not in allowed:
        raise Conflict(f"cannot {action} a draft that is {current}")
    return target


def check_reviewer(author: str, reviewer: str) -> None:
    """Publishing needs a second pair of eyes."""
    if author == reviewer:
        raise Forbidden("a draft must be published by a reviewer who is not its author")


def draft_etag(draft_id: int, revision: int) -> str:
    """The strong validator of one draft revision."""
    return f'"draft-{draft_id}-r{revision}"'


def check_if_match(if_match: str | None, current: str) -> None:
    """Writes must name the state they were based on: 428 without, 412 when stale."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("send If-Match with the ETag you last read")
    tags = [tag.strip() for tag in if_match.split(",")]
    if current not in tags and "*" not in tags:
        # The header is echoed for the caller's benefit, but never at any length.
        shown = if_match if len(if_match) <= 100 else if_match[:100] + "…"
        raise StaleVersion(f"If-Match {shown} does not match the current {current}")
