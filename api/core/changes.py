"""What a reviewer sees before publishing a draft: every field that changes, with old and
new text, the conflicts with the head, and what the change costs each locale."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

import msgspec

from api.core.evidence import StaleClaim
from api.core.merge import MergeConflict, treatment_units, unit_text, units
from api.core.messages import article_messages
from api.core.model import Article, TreatmentCatalog
from api.core.output import Completeness
from api.core.properties import (
    PropertyChange,
    is_safety_downgrade,
    property_changes,
    record_changes,
)
from api.core.render import Catalogs, completeness, served_in

__all__ = [
    "DraftDiff",
    "FieldChange",
    "LocaleImpact",
    "ReadersGet",
    "RevertedVersion",
    "RevisionOut",
    "field_changes",
    "locale_impact",
    "outside_sections",
    "safety_downgrades",
]


class FieldChange(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One field of the article that differs: `title`, `audience`, `heading:<section>`,
    `block:<section>/<block>`, `reference:<id>` (an entry of the reference list, as JSON),
    or the order of `sections:<parent>` / `blocks:<section>` / `references:`."""

    field: str
    """Also `treatment:<id>` (a record, as JSON) and `treatments:` (their order)."""
    change: Literal["added", "removed", "changed"]
    old: str | None = None
    new: str | None = None
    properties: tuple[PropertyChange, ...] = ()
    """Its non-text fields that differ, by name (a safety mark, a type, a figure...)."""
    safety_downgrade: bool = False
    """A safety-bearing block loses its mark or goes: the draft must say why."""


class ReadersGet(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What readers of a locale get, once the draft is published, instead of the translation
    a message loses: decided by the renderer's own rule (`api.core.render.served_in`)."""

    context: str
    locale: str
    """The locale they get its text in (the source language, or a nearer fallback)."""
    whole_section: str | None = None
    """The section served whole in `locale`, when the message is safety-bearing text (or
    sits in a section whose safety text loses its translation): readers then get the
    section's every block in `locale`, not only this one."""


class LocaleImpact(msgspec.Struct, frozen=True, kw_only=True):
    """What publishing does to one locale: the messages whose approved translation no longer
    applies (readers get them in the fallback locale until a translator catches up)."""

    locale: str
    loses_translation: tuple[str, ...]
    completeness_before: Completeness
    completeness_after: Completeness
    readers_get: tuple[ReadersGet, ...]
    """For each of `loses_translation`, in its order: what readers get instead."""


class RevisionOut(msgspec.Struct, frozen=True, kw_only=True):
    """One revision of a draft: its author, message and time."""

    revision: int
    author: str
    message: str
    created_at: str


class RevertedVersion(msgspec.Struct, frozen=True, kw_only=True):
    """A published version whose changes a rollback undoes, and which of them."""

    version: int
    message: str
    """Why it was published (the message of the draft it came from)."""
    authors: tuple[str, ...]
    reviewer: str | None
    published_at: str | None
    fields: tuple[str, ...]
    """The units this version changed that the rollback brings back to the target's state,
    named like `FieldChange.field`."""
    safety: bool
    """Among them a safety-bearing block (in either state) or a treatment record (its
    regulatory status, cautions, audience): a correction a reviewer must not undo unseen."""


class DraftDiff(msgspec.Struct, frozen=True, kw_only=True):
    """A draft as a reviewer must see it before publishing."""

    draft: int
    status: str
    message: str
    authors: tuple[str, ...]
    revisions: tuple[RevisionOut, ...]
    base_version: int
    head_version: int
    treatments_base: int
    treatments_head: int
    against_base: tuple[FieldChange, ...]
    """The author's change: the draft against the version they read."""
    against_head: tuple[FieldChange, ...]
    """What publishing now would change for readers: the merged result against the head."""
    conflicts: tuple[MergeConflict, ...]
    stale_claims: tuple[StaleClaim, ...]
    """Claims of the treatment records that would be published beside the result whose
    quote the result's article no longer has word for word: publishing is refused until
    the draft updates those records."""
    impact: tuple[LocaleImpact, ...]
    safety_reason: str | None = None
    """Why the draft removes a safety mark (see the changes' `safety_downgrade`)."""
    etag: str
    """What publish must send as If-Match: it names this exact state."""
    rollback_to: int | None = None
    """For a rollback: the version whose article and treatment records it brings back."""
    reverts: tuple[RevertedVersion, ...] = ()
    """For a rollback: every published version after the target up to the head the
    rollback was requested against, newest first, with the changes of it that it undoes."""


def field_changes(
    old: Article | None,
    new: Article,
    old_treatments: TreatmentCatalog | None = None,
    new_treatments: TreatmentCatalog | None = None,
) -> tuple[FieldChange, ...]:
    """Every unit of `new` that differs from `old` (everything, for a new article), then
    every treatment record that differs, when new records are proposed."""
    before = units(old) if old is not None else {}
    after = units(new)
    if new_treatments is not None:
        before.update(treatment_units(old_treatments or TreatmentCatalog(treatments=())))
        after.update(treatment_units(new_treatments))
    changes: list[FieldChange] = []
    for key in [*after, *(k for k in before if k not in after)]:
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        record = key.startswith("treatment:")
        if was is None:
            changes.append(
                FieldChange(
                    field=key,
                    change="added",
                    new=unit_text(now),
                    properties=record_changes(None, now) if record else (),
                )
            )
            continue
        downgrade = key.startswith("block:") and is_safety_downgrade(was, now)
        if now is None:
            changes.append(
                FieldChange(
                    field=key,
                    change="removed",
                    old=unit_text(was),
                    safety_downgrade=downgrade,
                    properties=record_changes(was, None) if record else (),
                )
            )
            continue
        properties: tuple[PropertyChange, ...] = ()
        if record:
            properties = record_changes(was, now)
        elif isinstance(was, msgspec.Struct) and isinstance(now, msgspec.Struct):
            properties = property_changes(was, now, block=key.startswith("block:"))
        changes.append(
            FieldChange(
                field=key,
                change="changed",
                old=unit_text(was),
                new=unit_text(now),
                properties=properties,
                safety_downgrade=downgrade,
            )
        )
    return tuple(changes)


def safety_downgrades(changes: tuple[FieldChange, ...]) -> tuple[str, ...]:
    """The blocks (`<section>/<block>`) whose safety mark a change removes."""
    return tuple(c.field.removeprefix("block:") for c in changes if c.safety_downgrade)


def outside_sections(
    old: Article,
    new: Article,
    old_treatments: TreatmentCatalog,
    new_treatments: TreatmentCatalog,
) -> tuple[FieldChange, ...]:
    """What changed beside the sections: the title, the audience, the references and the
    treatment records each version was published with."""
    return tuple(
        change
        for change in field_changes(old, new, old_treatments, new_treatments)
        if change.field in ("title", "audience")
        or change.field.startswith(("treatment", "reference"))
    )


def locale_impact(
    head: Article | None, new: Article, locales: Collection[str], catalogs: Catalogs
) -> tuple[LocaleImpact, ...]:
    """For each translated locale: which messages lose their approved translation, and the
    article's completeness before and after."""
    sources = {m.context: m.source for m in article_messages(head)} if head else {}
    out = []
    for locale in sorted(locales):
        lookup = catalogs.get(locale, {})
        lost = tuple(
            m.context
            for m in article_messages(new)
            if not lookup.get((m.context, m.source))
            and m.context in sources
            and lookup.get((m.context, sources[m.context]))
        )
        served = served_in(new, locale, catalogs)
        out.append(
            LocaleImpact(
                locale=locale,
                loses_translation=lost,
                readers_get=tuple(
                    ReadersGet(
                        context=c,
                        locale=served[c].locale,
                        whole_section=served[c].whole_section,
                    )
                    for c in lost
                ),
                completeness_before=completeness(head or new, locale, catalogs),
                completeness_after=completeness(new, locale, catalogs),
            )
        )
    return tuple(out)
