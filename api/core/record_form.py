"""A treatment record as the workspace's edit form holds it: every value of the record
(however deeply its claims nest) as one field named by its path (`forms.0.qualifier`,
`suitable_for.text`), and back to the typed `Treatment` the API takes.

The record's shape (which claims, how many forms or cautions) is kept as it is; what the
form changes is the words, quotes, sources and typed values. A refusal's path
(`$.treatments.treatments[3].forms[0].qualifier`) names the form field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from api.core.errors import ValidationFailed
from api.core.model import Treatment, TreatmentCatalog

__all__ = [
    "RecordField",
    "record_field",
    "record_fields",
    "record_from_fields",
    "replace_record",
]

_INDEX = re.compile(r"\[(\d+)\]")
_MAX_FIELDS = 400


class RecordField(msgspec.Struct, frozen=True, kw_only=True):
    """One value of a record: its path, as text, and whether it is a list of words
    (`audience`, `forms` of a regulation: comma-separated in the form)."""

    name: str
    value: str
    listed: bool = False


def record_fields(treatment: Treatment) -> tuple[RecordField, ...]:
    """Every value of `treatment`, by path, in the record's order."""
    out: list[RecordField] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list | tuple) and node and all(isinstance(v, dict) for v in node):
            for n, value in enumerate(node):
                walk(value, f"{path}.{n}")
        elif isinstance(node, list | tuple):
            out.append(RecordField(name=path, value=", ".join(map(str, node)), listed=True))
        else:
            out.append(RecordField(name=path, value="" if node is None else str(node)))

    walk(msgspec.to_builtins(treatment), "")
    # The id names the record: it is what the form edits, not one of its values.
    return tuple(f for f in out if f.name != "id")


def record_from_fields(stored: Treatment, fields: Mapping[str, str]) -> Treatment:
    """The record with the submitted values in place of `stored`'s (a field not submitted
    keeps its value), or ValidationFailed with the path of the field (`$.forms[0].form`)."""
    known = {f.name: f for f in record_fields(stored)}
    if len(fields) > _MAX_FIELDS + 10:
        raise ValidationFailed("too many fields", path="$")
    data: Any = msgspec.json.decode(msgspec.json.encode(stored))  # lists, not tuples
    for name, field in known.items():
        if name not in fields:
            continue
        text = fields[name]
        value: Any = [w.strip() for w in text.split(",") if w.strip()] if field.listed else text
        parts = name.split(".")
        node = data
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        last = parts[-1]
        node[last] = value
    try:
        # Not strict: every form value is text.
        return msgspec.convert(data, Treatment, strict=False)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        raise ValidationFailed(message, path=where.rstrip("`") or "$") from exc


def record_field(path: str, at: str = "$") -> str | None:
    """The form field a refusal's path names (`forms.0.qualifier`), or None when the path
    is not inside the record at `at`."""
    if at != "$":
        if not path.startswith(at + ".") and not path.startswith(at + "["):
            return None
        path = "$" + path[len(at) :]
    if not path.startswith("$."):
        return None
    name = _INDEX.sub(lambda m: f".{m.group(1)}", path[2:])
    # A path into a list of words names the list's field.
    listed = re.search(r"\.(audience|forms|cites)\.\d+$", name)
    return re.sub(r"\.\d+$", "", name) if listed else name


def replace_record(catalog: TreatmentCatalog, treatment: Treatment) -> TreatmentCatalog:
    """`catalog` with the record of `treatment.id` replaced, in place."""
    if treatment.id not in {t.id for t in catalog.treatments}:
        raise ValidationFailed(f"no treatment {treatment.id!r}", path="$.treatments")
    return TreatmentCatalog(
        treatments=tuple(treatment if t.id == treatment.id else t for t in catalog.treatments)
    )
