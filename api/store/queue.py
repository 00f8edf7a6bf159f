"""Drafts as lists show them: with the draft's message and authors, and, for a draft sent
back, who sent it back and why (the author reads it on their dashboard)."""

from __future__ import annotations

import msgspec
import sqlite_utils

from api.store.audit import list_audit
from api.store.drafts import Draft, draft_message, draft_revisions, list_drafts

__all__ = ["DraftLine", "draft_lines"]


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
