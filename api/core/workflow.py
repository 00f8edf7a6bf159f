"""The editorial workflow: draft -> in_review -> published (at once, or scheduled first),
or rejected back to editing, and the optimistic-concurrency rule every write follows."""

from __future__ import annotations

from typing import Literal

from api.core.errors import Conflict, PreconditionRequired, StaleVersion

__all__ = [
    "DraftAction",
    "DraftStatus",
    "article_etag",
    "check_if_match",
    "draft_etag",
    "next_status",
    "read_version",
]

DraftStatus = Literal["draft", "in_review", "scheduled", "rejected", "published", "withdrawn"]
DraftAction = Literal["update", "submit", "reject", "schedule", "unschedule", "publish", "withdraw"]

_TRANSITIONS: dict[DraftAction, tuple[frozenset[str], DraftStatus]] = {
    "update": (frozenset({"draft", "in_review", "rejected"}), "draft"),  # back to editing
    "submit": (frozenset({"draft", "rejected"}), "in_review"),
    "reject": (frozenset({"in_review"}), "rejected"),
    # Approved now, published at a set time (the review happens when it is scheduled).
    "schedule": (frozenset({"in_review"}), "scheduled"),
    "unschedule": (frozenset({"scheduled"}), "in_review"),
    "publish": (frozenset({"in_review", "scheduled"}), "published"),
    "withdraw": (frozenset({"draft", "in_review", "scheduled", "rejected"}), "withdrawn"),
}


def next_status(current: str, action: DraftAction) -> DraftStatus:
    """The status after `action`, or Conflict when the draft is not in a state that allows it."""
    allowed, target = _TRANSITIONS[action]
    if current not in allowed:
        raise Conflict(f"cannot {action} a draft that is {current}")
    return target


def draft_etag(draft_id: int, revision: int, head: int, treatments: int) -> str:
    """The strong validator of one draft revision as it stands against the published head
    and treatment records: a publish since then changes what publishing the draft would
    mean, so it changes this."""
    return f'"draft-{draft_id}-r{revision}-v{head}-t{treatments}"'


def article_etag(slug: str, number: int, treatments: int) -> str:
    """The validator of what an editor reads in the management API: one published version
    of an article and the treatment records beside it."""
    return f'"article-{slug}-v{number}-t{treatments}"'


def read_version(if_match: str | None, slug: str, head: int, treatments: int) -> tuple[int, int]:
    """The published article version and treatment set a new draft was made from, as its
    If-Match names them: 428 without one (or with `*`), 412 when it names no published
    version."""
    tags = _named(if_match, f"the ETag of the version you read (GET /v1/manage/articles/{slug})")
    tag = tags[0] if len(tags) == 1 else ""
    prefix = f'"article-{slug}-v'
    numbers = tag[len(prefix) : -1].split("-t") if tag.startswith(prefix) else []
    if (
        not tag.endswith('"')
        or len(numbers) != 2
        or not all(n.isdigit() for n in numbers)
        or not 1 <= int(numbers[0]) <= head
        or not 0 <= int(numbers[1]) <= treatments
    ):
        raise StaleVersion(
            f"If-Match {_shown(if_match or '')} names no published version of {slug}"
        )
    return int(numbers[0]), int(numbers[1])


def _named(if_match: str | None, wanted: str) -> list[str]:
    """The entity tags If-Match names: 428 when there are none, or `*` ("whatever is there"
    is exactly what a write based on a read, or a review, must not name)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(f"send If-Match with {wanted}")
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" in tags:
        raise PreconditionRequired(f"If-Match: * is not accepted: send {wanted}")
    return tags


def _shown(if_match: str) -> str:
    # The header is echoed for the caller's benefit, but never at any length.
    return if_match if len(if_match) <= 100 else if_match[:100] + "…"


def check_if_match(if_match: str | None, current: str) -> None:
    """Writes must name the state they were based on: 428 without (or with `*`), 412 when
    stale."""
    if current not in _named(if_match, "the exact ETag you read (and reviewed)"):
        raise StaleVersion(
            f"If-Match {_shown(if_match or '')} does not match the current {current}"
        )
