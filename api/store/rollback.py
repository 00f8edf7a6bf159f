"""What a rollback to an earlier version brings back, checked before anyone is asked to
review it, and the published changes it undoes (see `api.core.rollback`)."""

from __future__ import annotations

import msgspec
import sqlite_utils

from api.core.changes import FieldChange, RevertedVersion, field_changes
from api.core.content import check_article, check_references
from api.core.errors import Conflict, ValidationFailed
from api.core.model import Article, TreatmentCatalog
from api.core.rollback import restored_treatments, safety_units, undone_changes
from api.store.versions import (
    latest_version,
    load_article,
    load_treatments,
    published_slugs,
    version_row,
)

__all__ = ["RollbackContent", "reverted_versions", "rollback_content"]


class RollbackContent(msgspec.Struct, frozen=True, kw_only=True):
    """A rollback of an article to `to_version` as it would stand against the head now."""

    slug: str
    to_version: int
    head_version: int
    article: Article
    """The target version's article."""
    treatments: TreatmentCatalog
    """Every record as the rollback publishes them (see `restored_treatments`)."""
    against_head: tuple[FieldChange, ...]
    """What readers would get, against the head: every unit the rollback changes."""
    reverts: tuple[RevertedVersion, ...]


def _records_of(db: sqlite_utils.Database, slug: str, number: int) -> TreatmentCatalog:
    """The set of records published beside version `number` (the current set for a
    version stored before versions named theirs)."""
    row = version_row(db, slug, number)
    return load_treatments(db, row.treatments) if row.treatments else load_treatments(db)


def rollback_content(db: sqlite_utils.Database, slug: str, to_version: int) -> RollbackContent:
    """The article and records a rollback of `slug` to `to_version` would publish, what it
    changes against the head and which published versions it undoes. Refused (409) when
    `to_version` is not an earlier version, or when what it brings back no longer holds
    together with what is published now (a block naming a record that no longer exists,
    a record naming a section the version lacks): the problem is named, and nothing is
    stored, so a rollback that is requested can be published."""
    head = latest_version(db, slug)
    if head is None:
        raise Conflict(f"no published article {slug!r}")
    if not 1 <= to_version < head.number:
        raise Conflict(
            f"version {to_version} is not an earlier version of {slug} "
            f"(the published versions are 1 to {head.number})"
        )
    article = load_article(db, slug, to_version)
    current = load_treatments(db)
    records = restored_treatments(slug, _records_of(db, slug, to_version), current)
    try:
        article = check_article(article)
        others = [load_article(db, s, n) for s, n in published_slugs(db) if s != slug]
        check_references([*others, article], records)
    except ValidationFailed as exc:
        raise Conflict(
            f"version {to_version} cannot be brought back as it was: {exc.detail}. "
            "It depends on content changed since: make a draft from the current version "
            "instead"
        ) from exc
    head_article = load_article(db, slug, head.number)
    against_head = field_changes(head_article, article, current, records)
    return RollbackContent(
        slug=slug,
        to_version=to_version,
        head_version=head.number,
        article=article,
        treatments=records,
        against_head=against_head,
        reverts=reverted_versions(db, slug, to_version, head.number, against_head),
    )


def reverted_versions(
    db: sqlite_utils.Database,
    slug: str,
    to_version: int,
    head_version: int,
    against_head: tuple[FieldChange, ...],
) -> tuple[RevertedVersion, ...]:
    """Every version after `to_version` up to `head_version`, newest first, with the
    changes it made that a rollback changing `against_head` undoes."""
    undone = frozenset(c.field for c in against_head)
    out: list[RevertedVersion] = []
    before = load_article(db, slug, to_version)
    records_before = _records_of(db, slug, to_version)
    for number in range(to_version + 1, head_version + 1):
        row = version_row(db, slug, number)
        after = load_article(db, slug, number)
        records_after = _records_of(db, slug, number)
        mine = TreatmentCatalog(
            treatments=tuple(t for t in records_after.treatments if t.article == slug)
        )
        mine_before = TreatmentCatalog(
            treatments=tuple(t for t in records_before.treatments if t.article == slug)
        )
        fields, safety = undone_changes(
            field_changes(before, after, mine_before, mine),
            undone,
            safety_units(before, after),
        )
        out.append(
            RevertedVersion(
                version=number,
                message=row.message,
                authors=row.authors or (row.author,),
                reviewer=row.reviewer,
                published_at=row.published_at,
                fields=fields,
                safety=safety,
            )
        )
        before, records_before = after, records_after
    return tuple(reversed(out))
