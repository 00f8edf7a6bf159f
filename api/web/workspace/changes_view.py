"""Changes as the workspace shows them: each changed field of a draft with its words kept,
deleted and inserted, and the refusal reasons that disable a button."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from api.core.changes import FieldChange, RevertedVersion
from api.core.merge import MergeConflict
from api.core.model import Block, Fact
from api.core.properties import PropertyChange
from api.core.record_form import record_field
from api.core.worddiff import WordRun, word_diff

__all__ = [
    "Action",
    "ChangeView",
    "ConflictView",
    "RecordFieldView",
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
    record: tuple[RecordFieldView, ...] = ()
    """For a treatment record: each field that changed, in words (its text diff is empty:
    a record is never shown as JSON)."""


@dataclass(frozen=True)
class RecordFieldView:
    """One field of a treatment record that changed: its name in the record form's terms
    (`regulatory-1-value`, so the page can say it in words), and either the word diff of
    its text, or its values (a status, the forms ticked) removed, kept and added."""

    name: str
    spans: tuple[WordRun, ...] = ()
    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    added: tuple[str, ...] = ()


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


_value = msgspec.json.Decoder()


def _values(encoded: str | None) -> tuple[str, ...]:
    if encoded is None:
        return ()
    value = _value.decode(encoded)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return () if value is None else (str(value),)


def record_field_views(properties: tuple[PropertyChange, ...]) -> tuple[RecordFieldView, ...]:
    """A record's changed fields (`regulatory/1/forms`) as the review shows them: named
    like the record form's fields, a text as its word diff, anything else as values."""
    out = []
    for p in properties:
        path = "$" + "".join(
            f"[{part}]" if part.isdigit() else f".{part}" for part in p.name.split("/")
        )
        name = record_field(path) or p.name
        old, new = _values(p.old), _values(p.new)
        if not old and not new:  # absent and empty alike: nothing a reviewer reads
            continue
        if name.endswith(("-quote", "-qualifier", "-condition", "-reason")) or name == "name":
            text = word_diff(old[0] if old else None, new[0] if new else None)
            out.append(RecordFieldView(name=name, spans=text))
        else:
            out.append(
                RecordFieldView(
                    name=name,
                    removed=tuple(v for v in old if v not in new),
                    kept=tuple(v for v in new if v in old),
                    added=tuple(v for v in new if v not in old),
                )
            )
    return tuple(out)


def change_views(changes: tuple[FieldChange, ...]) -> tuple[ChangeView, ...]:
    """The word diffs of `changes` (a diff is bounded in work, whatever the text); a
    treatment record field by field instead."""
    return tuple(
        ChangeView(
            field=c.field,
            label=field_label(c.field),
            change=c.change,
            spans=()
            if c.field.startswith("treatment:")
            else word_diff(readable(c.field, c.old), readable(c.field, c.new)),
            properties=() if c.field.startswith("treatment:") else c.properties,
            safety_downgrade=c.safety_downgrade,
            record=record_field_views(c.properties) if c.field.startswith("treatment:") else (),
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
