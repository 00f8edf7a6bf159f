"""Changes as the workspace shows them: each changed field of a draft with its words kept,
deleted and inserted, and the refusal reasons that disable a button."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from api.core.changes import FieldChange, RevertedVersion
from api.core.merge import MergeConflict
from api.core.model import Block, Fact
from api.core.properties import PropertyChange
from api.core.worddiff import WordRun, word_diff

__all__ = [
    "Action",
    "ChangeView",
    "ConflictView",
    "RevertedView",
    "action",
    "change_views",
    "conflict_view",
    "field_label",
    "readable",
    "reverted_views",
]


@dataclass(frozen=True)
class ChangeView:
    """One changed field: its name as a person reads it, how it changed, and the word
    diff of its text (old text only, new text only, or both)."""

    field: str
    label: str
    change: str
    spans: tuple[WordRun, ...]
    properties: tuple[PropertyChange, ...] = ()
    """Non-text fields that changed, by name (a safety mark, a type, a figure...)."""
    safety_downgrade: bool = False


@dataclass(frozen=True)
class RevertedView:
    """A published version a rollback undoes, with its undone changes named as a person
    reads them."""

    version: RevertedVersion
    labels: tuple[str, ...]


def reverted_views(reverts: tuple[RevertedVersion, ...]) -> tuple[RevertedView, ...]:
    return tuple(
        RevertedView(version=r, labels=tuple(field_label(f) for f in r.fields)) for r in reverts
    )


@dataclass(frozen=True)
class Action:
    """A button of a page: allowed, or shown disabled with the reason the rule gives."""

    allowed: bool
    reason: str | None


def field_label(field: str) -> str:
    """`block:process/treatment-procedure/p5` as `process/treatment-procedure › p5`."""
    kind, _, name = field.partition(":")
    if kind == "block":
        section, _, block = name.rpartition("/")
        return f"{section} › {block}"
    if kind in ("heading", "treatment"):
        return f"{name} › {kind}"
    if kind in ("blocks", "sections", "treatments"):
        return f"{name or 'article'} › order of {kind}"
    return kind


_block = msgspec.json.Decoder(Block)


def readable(field: str, text: str | None) -> str | None:
    """A changed unit's text as a reviewer reads it: a fact's figures as words
    (`duration: 1 to 3 hour`), not the JSON the change carries."""
    if text is None or not field.startswith("block:") or not text.startswith('{"type":"fact"'):
        return text
    try:
        fact = _block.decode(text)
    except msgspec.DecodeError:
        return text
    if not isinstance(fact, Fact):
        return text
    measure = " ".join(
        part for part in (fact.currency, fact.unit, f"per {fact.per}" if fact.per else "") if part
    )
    about = f" ({fact.treatment})" if fact.treatment else ""
    return f"{fact.kind}: {fact.min} to {fact.max} {measure}{about}"


def change_views(changes: tuple[FieldChange, ...]) -> tuple[ChangeView, ...]:
    """The word diffs of `changes` (a diff is bounded in work, whatever the text)."""
    return tuple(
        ChangeView(
            field=c.field,
            label=field_label(c.field),
            change=c.change,
            spans=word_diff(readable(c.field, c.old), readable(c.field, c.new)),
            properties=c.properties,
            safety_downgrade=c.safety_downgrade,
        )
        for c in changes
    )


def action(reason: str | None) -> Action:
    """A button allowed when there is no reason against it."""
    return Action(allowed=reason is None, reason=reason)


@dataclass(frozen=True)
class ConflictView:
    unit: str
    label: str
    mine: tuple[WordRun, ...]
    theirs: tuple[WordRun, ...]
    conflict: MergeConflict


def conflict_view(conflict: MergeConflict) -> ConflictView:
    """A unit both sides changed: the author's change and the published one, word by word."""
    unit, base = conflict.unit, readable(conflict.unit, conflict.base)
    return ConflictView(
        unit=unit,
        label=field_label(unit),
        mine=word_diff(base, readable(unit, conflict.draft)),
        theirs=word_diff(base, readable(unit, conflict.head)),
        conflict=conflict,
    )
