"""Drafts as lists show them: with the draft's message and authors, and, for a draft sent
back, who sent it back and why (the author reads it on their dashboard)."""

from __future__ import annotations

import msgspec
import sqlite_utils

from api.core.merge import touched_safety_blocks, touched_sections, units
from api.store.audit import list_audit
from api.store.drafts import Draft, draft_message, draft_revisions, get_draft, list_drafts
from api.store.versions import load_article

__all__ = ["DraftLine", "QueueLine", "Touches", "draft_lines", "draft_touches", "queue_lines"]


class DraftLine(msgspec.Struct, frozen=True, kw_only=True):
    """A draft in a list: what it does, who wrote it, and who sent it back (if rejected)."""

    draft: Draft
    message: str
    authors: tuple[str, ...]
    sent_back_by: str | None = None
    """The reviewer who rejected it, for a rejected draft (its reason is `draft.comment`)."""


def _line(db: sqlite_utils.Database, draft: Draft) -> DraftLine:
    revisions = draft_revisions(db, draft.id)
    sent_back_by = None
    if draft.status == "rejected":
        entries = list_audit(db, limit=1, action="draft.reject", target=f"drafts/{draft.id}")
        sent_back_by = entries.entries[0].actor if entries.entries else None
    return DraftLine(
        draft=draft,
        message=draft_message(draft, revisions),
        authors=tuple(dict.fromkeys(r.author for r in revisions)),
        sent_back_by=sent_back_by,
    )


def draft_lines(db: sqlite_utils.Database, status: str | None = None) -> tuple[DraftLine, ...]:
    """Drafts (optionally in one status), newest first, as lists show them."""
    return tuple(_line(db, d) for d in list_drafts(db, status))


class Touches(msgspec.Struct, frozen=True, kw_only=True):
    """What a draft touches against the version its author read, as the queue and the
    publish checklist show it."""

    submitted_at: str | None
    """When it was last sent to review (a draft sent back and sent again: the last time)."""
    sections: tuple[str, ...]
    """The sections whose heading, blocks or order the draft changes, in document order."""
    safety_blocks: tuple[str, ...]
    """`<section>/<block>` of each safety-bearing block it adds, removes or changes."""
    other: tuple[str, ...]
    """What else it changes: `title`, `audience`, `references`, `treatment records`."""


class QueueLine(msgspec.Struct, frozen=True, kw_only=True):
    """A draft waiting for review as the queue shows it: what it does and who wrote it,
    when it was sent, which sections it touches and which safety-bearing blocks."""

    line: DraftLine
    touches: Touches


def draft_touches(db: sqlite_utils.Database, draft_id: int) -> Touches:
    """What the draft's latest revision changes from the version its author read."""
    draft, article = get_draft(db, draft_id)
    base = load_article(db, draft.slug, draft.base_version) if draft.base_version else None
    order = [k.removeprefix("heading:") for k in units(article) if k.startswith("heading:")]
    if base is None:
        sections: frozenset[str] = frozenset(order)
    else:
        sections = touched_sections(base, article)
        order += [k.removeprefix("heading:") for k in units(base) if k.startswith("heading:")]
    before = units(base) if base is not None else {}
    after = units(article)
    other = [
        name
        for name, keys in (
            ("title", ["title"]),
            ("audience", ["audience"]),
            ("references", [k for k in {*before, *after} if k.startswith("reference")]),
        )
        if any(before.get(k) != after.get(k) for k in keys)
    ]
    if draft.rollback_to is not None or _proposes_records(db, draft):
        other.append("treatment records")
    submitted = list_audit(db, limit=1, action="draft.submit", target=f"drafts/{draft.id}")
    return Touches(
        submitted_at=submitted.entries[0].at if submitted.entries else None,
        sections=tuple(s for s in dict.fromkeys(order) if s in sections),
        safety_blocks=touched_safety_blocks(base, article),
        other=tuple(other),
    )


def _proposes_records(db: sqlite_utils.Database, draft: Draft) -> bool:
    row = db.execute(
        "SELECT treatments IS NOT NULL FROM draft_revisions WHERE draft_id = ? AND revision = ?",
        [draft.id, draft.revision],
    ).fetchone()
    return bool(row and row[0])


def queue_lines(db: sqlite_utils.Database) -> tuple[QueueLine, ...]:
    """The drafts waiting for review, newest first, each with what it touches."""
    return tuple(
        QueueLine(line=line, touches=draft_touches(db, line.draft.id))
        for line in draft_lines(db, "in_review")
    )
