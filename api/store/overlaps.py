"""Open drafts that change the same section: what the section editor tells a person before
they edit it, so parallel work on one section is seen when it starts, not at publishing."""

from __future__ import annotations

import msgspec
import sqlite_utils

from api.core.merge import touched_sections
from api.store.drafts import Draft, draft_authors, get_draft, list_drafts
from api.store.versions import load_article

__all__ = ["OPEN_STATUSES", "OtherDraft", "drafts_changing"]

OPEN_STATUSES = ("draft", "in_review", "rejected")


class OtherDraft(msgspec.Struct, frozen=True, kw_only=True):
    """An open draft that changes a section, and who wrote it."""

    draft: Draft
    authors: tuple[str, ...]


def drafts_changing(
    db: sqlite_utils.Database, slug: str, section_id: str, besides: int | None = None
) -> tuple[OtherDraft, ...]:
    """Open drafts of `slug` (other than draft `besides`) that change section
    `section_id` from the version they are based on, newest first."""
    out = []
    for draft in list_drafts(db):
        if draft.slug != slug or draft.id == besides or draft.status not in OPEN_STATUSES:
            continue
        if draft.base_version == 0:
            continue  # a new article: nothing published to change
        _, article = get_draft(db, draft.id)
        base = load_article(db, slug, draft.base_version)
        if section_id in touched_sections(base, article):
            out.append(OtherDraft(draft=draft, authors=draft_authors(db, draft.id)))
    return tuple(out)
