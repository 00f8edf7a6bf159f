"""One section of an article as the workspace's edit form holds it: flat named fields
(`heading`, `block-<n>-<field>`) to and from the typed `Section` the API takes.

The form keeps what was typed as text, so a refused save shows it again beside its error;
`section_from_form` makes the same Structs a JSON draft decodes into, and the draft is
then checked by the same validators (`api.web.manage.validated_content`). A refusal's
path (`$.article.sections[2].blocks[1].min`) names the form field (`block-1-min`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from api.core.errors import ValidationFailed
from api.core.model import Article, Block, Fact, Section, walk_sections

__all__ = [
    "BLOCK_TYPES",
    "BlockFields",
    "FormEdit",
    "SectionForm",
    "edit_form",
    "form_field",
    "form_from_fields",
    "form_from_section",
    "replace_section",
    "section_from_form",
    "section_path",
]

BlockType = Literal["paragraph", "faq", "callout", "fact", "treatment_ref"]
BLOCK_TYPES: tuple[BlockType, ...] = ("paragraph", "faq", "callout", "fact", "treatment_ref")
_FIELDS: dict[str, tuple[str, ...]] = {
    "paragraph": ("id", "safety", "text", "cites"),
    "faq": ("id", "safety", "question", "answer", "cites"),
    "callout": ("id", "safety", "kind", "text", "cites"),
    "fact": ("id", "kind", "min", "max", "unit", "currency", "per", "treatment"),
    "treatment_ref": ("id", "treatment"),
}
_OPTIONAL = frozenset({"unit", "currency", "per", "treatment", "cites"})
_CITES_SPLIT = re.compile(r"[\s,]+")
_NAME = re.compile(r"^block-(\d{1,4})-([a-z_]{1,20})$")
_MAX_BLOCKS = 500
"""Blocks one section may hold (the content limit of a list)."""
_PATH = re.compile(r"^\$\.(?:heading|blocks\[(\d+)\]\.?([a-z_]*))")


class BlockFields(msgspec.Struct, frozen=True, kw_only=True):
    """One block as typed in the form: every field as text (a fact's figures too)."""

    type: str
    id: str = ""
    safety: bool = False
    text: str = ""
    question: str = ""
    answer: str = ""
    kind: str = ""
    """A callout's kind (`safety`, `experimental`, `info`) or a fact's (`duration`, `cost`)."""
    min: str = ""
    max: str = ""
    unit: str = ""
    currency: str = ""
    per: str = ""
    treatment: str = ""
    cites: str = ""
    """The reference ids a text block cites, separated by spaces or commas."""


class SectionForm(msgspec.Struct, frozen=True, kw_only=True):
    """A section's heading and blocks as the form holds them."""

    heading: str = ""
    blocks: tuple[BlockFields, ...] = ()


FormEdit = tuple[Literal["up", "down", "remove"], int] | tuple[Literal["add"], str]
"""A change of the form's structure: move or remove block n, or add a block of a type."""


def _figure(value: float | None) -> str:
    return "" if value is None else str(value)


def _block_fields(block: Block) -> BlockFields:
    values: dict[str, Any] = msgspec.to_builtins(block)
    if isinstance(block, Fact):
        values["min"], values["max"] = _figure(block.min), _figure(block.max)
    values["cites"] = " ".join(values.get("cites", ()))
    return msgspec.convert(values, BlockFields)


def form_from_section(section: Section) -> SectionForm:
    """The form of a stored section, as the editor opens it."""
    return SectionForm(
        heading=section.heading or "", blocks=tuple(_block_fields(b) for b in section.blocks)
    )


def form_from_fields(fields: Mapping[str, str]) -> SectionForm:
    """The form as submitted: `heading`, and `block-<n>-<field>` for each block, in the
    order of n. Unknown names are ignored (the CSRF token, the button pressed)."""
    blocks: dict[int, dict[str, Any]] = {}
    for name, value in fields.items():
        match = _NAME.match(name)
        if match is None or match.group(2) not in BlockFields.__struct_fields__:
            continue
        index = int(match.group(1))
        if index >= _MAX_BLOCKS:
            raise ValidationFailed(f"a section holds at most {_MAX_BLOCKS} blocks", path="$.blocks")
        field = match.group(2)
        blocks.setdefault(index, {})[field] = value == "on" if field == "safety" else value
    out = []
    for index in sorted(blocks):
        values = blocks[index]
        if values.get("type") not in BLOCK_TYPES:
            raise ValidationFailed(
                f"block {index + 1} has no known type", path=f"$.blocks[{index}].type"
            )
        out.append(msgspec.convert(values, BlockFields))
    return SectionForm(heading=fields.get("heading", ""), blocks=tuple(out))


def _model_fields(block: BlockFields) -> dict[str, Any]:
    out: dict[str, Any] = {"type": block.type}
    for field in _FIELDS[block.type]:
        value = getattr(block, field)
        if field in _OPTIONAL and value == "":
            continue
        out[field] = _CITES_SPLIT.split(value.strip()) if field == "cites" else value
    return out


def section_from_form(form: SectionForm, stored: Section) -> Section:
    """The typed section the form describes, in place of `stored` (whose id and nested
    sections it keeps), or ValidationFailed with the path of the field within the section
    (`$.blocks[1].min`)."""
    values: dict[str, Any] = {
        "id": stored.id,
        "blocks": [_model_fields(b) for b in form.blocks],
    }
    if form.heading:
        values["heading"] = form.heading
    try:
        # Not strict: every form value is text, and "3000" is the figure 3000.
        section = msgspec.convert(values, Section, strict=False)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        raise ValidationFailed(message, path=where.rstrip("`") or "$") from exc
    return msgspec.structs.replace(section, sections=stored.sections)


def section_path(article: Article, section_id: str, prefix: str = "$") -> str:
    """The JSON path of a section in its article (`$.sections[2].sections[0]`)."""

    def find(sections: tuple[Section, ...], at: str) -> str | None:
        for n, section in enumerate(sections):
            here = f"{at}.sections[{n}]"
            if section.id == section_id:
                return here
            found = find(section.sections, here)
            if found is not None:
                return found
        return None

    found = find(article.sections, prefix)
    if found is None:
        raise ValidationFailed(f"no section {section_id!r}", path=prefix)
    return found


def form_field(path: str, section_at: str = "$") -> str | None:
    """The form field a refusal's path names (`heading`, `block-1-min`), or None when it
    names nothing in the section at `section_at` (then the error belongs to the page)."""
    if section_at != "$":
        if not path.startswith(section_at + "."):
            return None
        path = "$" + path[len(section_at) :]
    match = _PATH.match(path)
    if match is None:
        return None
    if match.group(1) is None:
        return "heading"
    field = match.group(2) if match.group(2) in BlockFields.__struct_fields__ else "type"
    return f"block-{match.group(1)}-{field}"


def _fresh_id(form: SectionForm, kind: str) -> str:
    taken = {b.id for b in form.blocks}
    stem = {"paragraph": "p", "treatment_ref": "ref"}.get(kind, kind)
    n = 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def edit_form(form: SectionForm, edit: FormEdit) -> SectionForm:
    """The form after one structural change (what the editor's buttons do without script)."""
    blocks = list(form.blocks)
    if edit[0] == "add":
        kind = edit[1]
        if kind not in BLOCK_TYPES:
            raise ValidationFailed(f"no block type {kind!r}", path="$.blocks")
        blocks.append(BlockFields(type=kind, id=_fresh_id(form, kind)))
        return msgspec.structs.replace(form, blocks=tuple(blocks))
    action, index = edit
    if not 0 <= index < len(blocks):
        raise ValidationFailed(f"no block {index + 1} in this section", path="$.blocks")
    if action == "remove":
        del blocks[index]
    else:
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(blocks):
            blocks[index], blocks[other] = blocks[other], blocks[index]
    return msgspec.structs.replace(form, blocks=tuple(blocks))


def replace_section(article: Article, section: Section) -> Article:
    """`article` with the section of `section.id` replaced, wherever it is nested."""

    def swap(sections: tuple[Section, ...]) -> tuple[Section, ...]:
        return tuple(
            section
            if s.id == section.id
            else msgspec.structs.replace(s, sections=swap(s.sections))
            if s.sections
            else s
            for s in sections
        )

    if section.id not in {s.id for s in walk_sections(article.sections)}:
        raise ValidationFailed(f"no section {section.id!r}", path="$.sections")
    return msgspec.structs.replace(article, sections=swap(article.sections))
