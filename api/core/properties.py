"""The non-text fields of a changed block or record, by name: a safety mark, a block's type,
a fact's figures, a treatment reference, citations. A text diff alone would show a block
whose safety mark was removed as unchanged words; every diff names these instead, and calls
out a safety downgrade."""

from __future__ import annotations

from typing import Any

import msgspec

from api.core.errors import ValidationFailed
from api.core.model import Article, Block, Callout, Faq, Paragraph, is_safety, walk_sections
from api.core.text import text_problem

__all__ = [
    "PropertyChange",
    "check_safety_reason",
    "is_safety_downgrade",
    "property_changes",
    "record_changes",
    "safety_downgraded_blocks",
]

_TEXT_FIELDS = frozenset({"text", "question", "answer"})
"""A block's words: its text diff shows them."""
_encode = msgspec.json.Encoder(order="deterministic").encode


class PropertyChange(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One field that differs, by name (`safety`, `type`, `min`, `treatment`, or a path
    in a record such as `regulatory/0/status`), with its old and new value as JSON (absent:
    the field was not there)."""

    name: str
    old: str | None = None
    new: str | None = None


def _leaves(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, msgspec.Struct):
        config = value.__struct_config__
        if config.tag is not None and not prefix:
            out["type"] = _encode(config.tag).decode()
        # A struct inside a struct (a claim's evidence) names its fields below it.
        inner = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        for name in value.__struct_fields__:
            _leaves(getattr(value, name), f"{inner}{name}", out)
        return
    if isinstance(value, tuple) and value and isinstance(value[0], msgspec.Struct):
        for n, item in enumerate(value):
            _leaves(item, f"{prefix}/{n}/" if prefix else f"{n}/", out)
        return
    out[prefix.rstrip("/")] = _encode(value).decode()


def _fields(value: msgspec.Struct | None, *, block: bool) -> dict[str, str]:
    if value is None:
        return {}
    out: dict[str, str] = {}
    _leaves(value, "", out)
    # A text block's mark is part of it even when unset (it is omitted from the files).
    if block and isinstance(value, Paragraph | Faq | Callout):
        out.setdefault("safety", _encode(value.safety).decode())
    return {k: v for k, v in out.items() if not (block and k in _TEXT_FIELDS) and k != "id"}


def property_changes(
    old: msgspec.Struct | None, new: msgspec.Struct | None, *, block: bool = True
) -> tuple[PropertyChange, ...]:
    """The fields of `old` and `new` (a block, or a treatment record with `block=False`)
    that differ, by name; a block's words are left to its text diff."""
    if old is None or new is None:
        return ()
    return _differing(_fields(old, block=block), _fields(new, block=block))


def _differing(before: dict[str, str], after: dict[str, str]) -> tuple[PropertyChange, ...]:
    names = [*after, *(k for k in before if k not in after)]
    return tuple(
        PropertyChange(name=name, old=before.get(name), new=after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    )


def record_changes(
    old: msgspec.Struct | None, new: msgspec.Struct | None
) -> tuple[PropertyChange, ...]:
    """Every field of a treatment record that differs, by name (`regulatory/1/status`),
    a record added or removed included (then every field, old or new absent): a record
    is read field by field, never as a string of JSON."""
    return _differing(_fields(old, block=False), _fields(new, block=False))


def is_safety_downgrade(old: Block | None, new: Block | None) -> bool:
    """A safety-bearing block loses its mark, or goes (removed, or no longer text)."""
    return old is not None and is_safety(old) and (new is None or not is_safety(new))


def _blocks(article: Article) -> dict[str, Block]:
    return {f"{s.id}/{b.id}": b for s in walk_sections(article.sections) for b in s.blocks}


def safety_downgraded_blocks(old: Article | None, new: Article) -> tuple[str, ...]:
    """The blocks (`<section>/<block>`) of `old` whose safety mark `new` removes."""
    if old is None:
        return ()
    after = _blocks(new)
    return tuple(k for k, b in _blocks(old).items() if is_safety_downgrade(b, after.get(k)))


def check_safety_reason(old: Article | None, new: Article, reason: str | None) -> None:
    """A draft that removes a safety mark (or a safety-bearing block) from the version it
    was made from must say why: refused at the door without `safety_reason`."""
    if reason is not None and (problem := text_problem(reason, newlines=True)) is not None:
        raise ValidationFailed(f"safety_reason: {problem.reason}", path="$.safety_reason")
    removed = safety_downgraded_blocks(old, new)
    if removed and not (reason and reason.strip()):
        raise ValidationFailed(
            f"this draft removes the safety mark of {', '.join(removed)}: a safety downgrade "
            "needs a reason (`safety_reason`), which the reviewer sees called out",
            path="$.safety_reason",
        )
