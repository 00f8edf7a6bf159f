"""Section-level differences between two versions of an article."""

from __future__ import annotations

from typing import Literal

import msgspec

from api.core.messages import block_fields
from api.core.model import Article, Block, Section, walk_sections
from api.core.properties import PropertyChange, is_safety_downgrade, property_changes

__all__ = ["BlockChange", "SectionChange", "diff_articles"]


class BlockChange(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A block added, removed or changed inside a section, with its old and new text."""

    id: str
    change: Literal["added", "removed", "changed"]
    old: str | None = None
    new: str | None = None
    properties: tuple[PropertyChange, ...] = ()
    """Its non-text fields that differ, by name: a safety mark, a type, a fact's figures,
    a treatment reference, citations."""
    safety_downgrade: bool = False
    """The block was safety-bearing and no longer is (its mark removed, or the block gone)."""


class SectionChange(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One section that differs between the two versions."""

    id: str
    change: Literal["added", "removed", "moved", "changed"]
    heading: str | None = None
    old_heading: str | None = None
    blocks: tuple[BlockChange, ...] = msgspec.field(default_factory=tuple)


_encode = msgspec.json.Encoder(order="deterministic").encode


def _positions(article: Article) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}

    def visit(sections: tuple[Section, ...], parent: str) -> None:
        for n, section in enumerate(sections):
            out[section.id] = (parent, n)
            visit(section.sections, section.id)

    visit(article.sections, "")
    return out


def _text(block: Block) -> str:
    fields = block_fields(block)
    return "\n".join(text for _, text in fields) if fields else _encode(block).decode()


def _block_changes(old: Section, new: Section) -> tuple[BlockChange, ...]:
    before = {b.id: b for b in old.blocks}
    after = {b.id: b for b in new.blocks}
    changes: list[BlockChange] = []
    for block_id, block in after.items():
        if block_id not in before:
            changes.append(BlockChange(id=block_id, change="added", new=_text(block)))
        elif before[block_id] != block:
            changes.append(
                BlockChange(
                    id=block_id,
                    change="changed",
                    old=_text(before[block_id]),
                    new=_text(block),
                    properties=property_changes(before[block_id], block),
                    safety_downgrade=is_safety_downgrade(before[block_id], block),
                )
            )
    changes.extend(
        BlockChange(
            id=block_id,
            change="removed",
            old=_text(block),
            safety_downgrade=is_safety_downgrade(block, None),
        )
        for block_id, block in before.items()
        if block_id not in after
    )
    return tuple(changes)


def diff_articles(old: Article, new: Article) -> list[SectionChange]:
    """What changed from `old` to `new`, section by section, in `new`'s document order."""
    before = {s.id: s for s in walk_sections(old.sections)}
    after = {s.id: s for s in walk_sections(new.sections)}
    old_pos, new_pos = _positions(old), _positions(new)
    changes: list[SectionChange] = []
    for section_id, section in after.items():
        previous = before.get(section_id)
        if previous is None:
            changes.append(SectionChange(id=section_id, change="added", heading=section.heading))
            continue
        blocks = _block_changes(previous, section)
        if previous.heading != section.heading or blocks:
            changes.append(
                SectionChange(
                    id=section_id,
                    change="changed",
                    heading=section.heading,
                    old_heading=previous.heading if previous.heading != section.heading else None,
                    blocks=blocks,
                )
            )
        elif old_pos[section_id] != new_pos[section_id]:
            changes.append(SectionChange(id=section_id, change="moved", heading=section.heading))
    changes.extend(
        SectionChange(id=section_id, change="removed", old_heading=section.heading)
        for section_id, section in before.items()
        if section_id not in after
    )
    return changes
