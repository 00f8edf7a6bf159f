"""Three-way merge of an article, block by block: a draft based on an older version is
published on top of the head without undoing what was published since.

An article is seen as units: its title, its audience, each section's heading, each block,
each reference, and the order of sections, blocks and references. A unit changed on one
side only takes that side; a unit changed on both sides differently is a conflict, which
blocks publishing until the author resolves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from api.core.messages import block_fields
from api.core.model import Article, Block, Section, TreatmentCatalog, is_safety, walk_sections

__all__ = [
    "Combined",
    "MergeConflict",
    "MergeResult",
    "Resolution",
    "Side",
    "merge_articles",
    "merge_treatments",
    "touched_safety_blocks",
    "touched_sections",
    "treatment_units",
    "unit_text",
    "units",
]

_MISSING: Any = None
Unit = Any
Side = Literal["draft", "head"]
"""How the author resolves a conflicting unit: keep their draft's, or take the head's."""


class Combined(msgspec.Struct, frozen=True):
    """A conflicting unit resolved to neither side but to what the author wrote combining
    both (a block or heading with both edits in it)."""

    value: Any


Resolution = Side | Combined
"""Keep the draft's side, take the head's, or a combination of both."""


class MergeConflict(msgspec.Struct, frozen=True, kw_only=True):
    """A unit both the draft and the head changed since the draft's base, differently."""

    unit: str
    """`title`, `audience`, `heading:<section>`, `block:<section>/<block>`,
    `reference:<id>`, or `sections:<parent>`, `blocks:<section>`, `references:` (the order
    of what they hold)."""
    base: str | None
    draft: str | None
    head: str | None


class MergeResult(msgspec.Struct, frozen=True, kw_only=True):
    """The merged article (None when there are conflicts) and the conflicts."""

    article: Article | None
    conflicts: tuple[MergeConflict, ...]


_encode = msgspec.json.Encoder(order="deterministic").encode


def units(article: Article) -> dict[str, Unit]:
    """The article as named units, each compared whole."""
    out: dict[str, Unit] = {
        "title": article.title,
        "audience": article.audience,
        "sections:": tuple(s.id for s in article.sections),
    }
    if article.references:
        out["references:"] = tuple(r.id for r in article.references)
        out.update({f"reference:{r.id}": r for r in article.references})
    for section in walk_sections(article.sections):
        out[f"heading:{section.id}"] = section.heading
        out[f"sections:{section.id}"] = tuple(s.id for s in section.sections)
        out[f"blocks:{section.id}"] = tuple(b.id for b in section.blocks)
        for block in section.blocks:
            out[f"block:{section.id}/{block.id}"] = block
    return out


def touched_sections(base: Article, draft: Article) -> frozenset[str]:
    """The sections whose own heading, blocks or order of children `draft` changes from
    `base` (a section it adds or removes included)."""
    before, after = units(base), units(draft)
    out: set[str] = set()
    for key in {*before, *after}:
        if before.get(key, _MISSING) == after.get(key, _MISSING):
            continue
        kind, _, name = key.partition(":")
        if kind == "block":
            out.add(name.rpartition("/")[0])
        elif kind in ("heading", "blocks", "sections") and name:
            out.add(name)
    return frozenset(out)


def touched_safety_blocks(base: Article | None, draft: Article) -> tuple[str, ...]:
    """The blocks (`<section>/<block>`) `draft` adds, removes or changes from `base` that
    are safety-bearing in either (a safety mark added or removed included), in document
    order: what a reviewer of a safety text must know before opening the draft."""
    before = units(base) if base is not None else {}
    after = units(draft)
    out: list[str] = []
    for key in [*after, *(k for k in before if k not in after)]:
        if not key.startswith("block:") or before.get(key, _MISSING) == after.get(key, _MISSING):
            continue
        if any(is_safety(side[key]) for side in (before, after) if key in side):
            out.append(key.removeprefix("block:"))
    return tuple(out)


def unit_text(value: Unit) -> str | None:
    """A unit as a reviewer reads it: a block's text (a FAQ's question and answer on two
    lines), a heading or title as it is, anything else (facts, orders) as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, msgspec.Struct):
        fields = block_fields(value)  # type: ignore[arg-type]
        if fields:
            return "\n".join(text for _, text in fields)
    return _encode(value).decode()


def treatment_units(catalog: TreatmentCatalog) -> dict[str, Unit]:
    """The treatment records as units: each record whole, and their order."""
    out: dict[str, Unit] = {"treatments:": tuple(t.id for t in catalog.treatments)}
    out.update({f"treatment:{t.id}": t for t in catalog.treatments})
    return out


def merge_treatments(
    base: TreatmentCatalog,
    draft: TreatmentCatalog,
    head: TreatmentCatalog,
    take: Mapping[str, Resolution] | None = None,
) -> tuple[TreatmentCatalog | None, tuple[MergeConflict, ...]]:
    """`draft`'s record changes (made from `base`) applied on top of `head`, record by record
    (a conflicting record named in `take` resolved to that side)."""
    merged, conflicts = _merge_units(
        treatment_units(base), treatment_units(draft), treatment_units(head), take or {}
    )
    if conflicts:
        return None, conflicts
    records = [merged.get(f"treatment:{record}") for record in merged.get("treatments:", ())]
    if any(r is None for r in records):
        return None, (MergeConflict(unit="treatments:", base=None, draft=None, head=None),)
    return TreatmentCatalog(treatments=tuple(r for r in records if r is not None)), ()


def _merge_units(
    b: dict[str, Unit],
    d: dict[str, Unit],
    h: dict[str, Unit],
    take: Mapping[str, Resolution],
) -> tuple[dict[str, Unit], tuple[MergeConflict, ...]]:
    merged: dict[str, Unit] = {}
    conflicts: list[MergeConflict] = []
    for key in sorted({*b, *d, *h}):
        old, ours, theirs = b.get(key, _MISSING), d.get(key, _MISSING), h.get(key, _MISSING)
        if ours == old:
            value = theirs
        elif theirs in (old, ours):
            value = ours
        elif key in take:
            chosen = take[key]
            if isinstance(chosen, Combined):
                value = chosen.value
            else:
                value = ours if chosen == "draft" else theirs
        else:
            conflicts.append(
                MergeConflict(
                    unit=key, base=unit_text(old), draft=unit_text(ours), head=unit_text(theirs)
                )
            )
            continue
        if value is not None:
            merged[key] = value
    return merged, tuple(conflicts)


def merge_articles(
    base: Article,
    draft: Article,
    head: Article,
    take: Mapping[str, Resolution] | None = None,
) -> MergeResult:
    """`draft` (made from `base`) applied on top of `head`; a conflicting unit named in
    `take` is resolved to that side, or to the combination the author wrote (how an author
    resolves conflicts block by block)."""
    merged, conflicts = _merge_units(units(base), units(draft), units(head), take or {})
    if conflicts:
        return MergeResult(article=None, conflicts=conflicts)
    article = _rebuild(draft, merged)
    if article is None:
        # The order of one side names a unit the other side removed.
        return MergeResult(
            article=None,
            conflicts=(MergeConflict(unit="structure", base=None, draft=None, head=None),),
        )
    return MergeResult(article=article, conflicts=())


def _rebuild(draft: Article, merged: dict[str, Unit]) -> Article | None:
    def section(section_id: str) -> Section | None:
        if f"blocks:{section_id}" not in merged:
            return None
        blocks: list[Block] = []
        for block_id in merged[f"blocks:{section_id}"]:
            block = merged.get(f"block:{section_id}/{block_id}")
            if block is None:
                return None
            blocks.append(block)
        children = sections(section_id)
        if children is None:
            return None
        return Section(
            id=section_id,
            heading=merged.get(f"heading:{section_id}"),
            blocks=tuple(blocks),
            sections=children,
        )

    def sections(parent: str) -> tuple[Section, ...] | None:
        out = []
        for section_id in merged.get(f"sections:{parent}", ()):
            built = section(section_id)
            if built is None:
                return None
            out.append(built)
        return tuple(out)

    top = sections("")
    if top is None or "title" not in merged:
        return None
    references = [merged.get(f"reference:{ref}") for ref in merged.get("references:", ())]
    if any(r is None for r in references):
        return None
    return msgspec.structs.replace(
        draft,
        title=merged["title"],
        audience=merged.get("audience", ()),
        sections=top,
        references=tuple(r for r in references if r is not None),
    )
