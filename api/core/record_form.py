"""A treatment record as the workspace's edit form holds it: its name and, for each kind of
claim (forms, regulatory statuses, audiences, cautions...), a list of rows that can grow
and shrink, every value as typed; and back to the typed `Treatment` the API takes.

Form fields are named `<group>-<n>-<field>` (`regulatory-1-value`, `cautions-0-quote`);
a tick box of a row's list is `<group>-<n>-ticked-<value>` (`regulatory-1-ticked-oral`).
A refusal's path, from the decoding here or from the API's own checks
(`$.treatments.treatments[3].forms[0].qualifier`, `treatments/minoxidil/regulatory/1`),
names the form field it is about (`record_field`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, get_args

import msgspec

from api.core.errors import ValidationFailed
from api.core.model import (
    Audience,
    AudienceClaim,
    Caution,
    Form,
    FormClaim,
    KindClaim,
    Regulation,
    RegulatoryStatus,
    Statement,
    Treatment,
    TreatmentCatalog,
    TreatmentKind,
)

__all__ = [
    "GROUPS",
    "Group",
    "Quoted",
    "RecordForm",
    "Row",
    "choices",
    "edit_record_form",
    "quoted",
    "record_field",
    "record_form",
    "record_form_from_fields",
    "record_from_form",
    "replace_record",
    "ticks",
]

Group = Literal[
    "kind", "forms", "regulatory", "audience", "suitable_for", "cautions", "requirements"
]
GROUPS: tuple[Group, ...] = get_args(Group)
_LISTS: frozenset[str] = frozenset(GROUPS) - {"kind"}
"""The groups whose rows may be added and removed (`suitable_for` has at most one)."""
_MAX_ROWS = 20
"""Rows of one group: the content limit of a record's lists."""
_SAID = {"Expected `str` of length >= 1": "this cannot be empty"}
"""What the model's types say, as an editor reads it beside a form field."""
_CITES_SPLIT = re.compile(r"[\s,]+")
_NAME = re.compile(r"^([a-z_]{1,20})-(\d{1,3})-([a-z]{1,12})(?:-([a-z-]{1,30}))?$")

_VALUES: dict[str, tuple[str, ...]] = {
    "kind": get_args(TreatmentKind),
    "forms": get_args(Form),
    "regulatory": get_args(RegulatoryStatus),
    "audience": get_args(Audience),
}
"""The enumerated value of a row, by group: its form's menu."""
_TICKS: dict[str, tuple[str, ...]] = {
    "regulatory": get_args(Form),
    "cautions": get_args(Audience),
}
"""The tick boxes of a row, by group: the forms a status holds for, whom a caution is for."""
_TYPES: dict[str, type[msgspec.Struct]] = {
    "kind": KindClaim,
    "forms": FormClaim,
    "regulatory": Regulation,
    "audience": AudienceClaim,
    "suitable_for": Statement,
    "cautions": Caution,
    "requirements": Statement,
}
# A row's fields by the model's names (and back): the words quoted, the block cited, the
# enumerated value and the ticked list have one name in the form whatever the claim.
_MODEL_NAMES: dict[str, dict[str, str]] = {
    "kind": {"value": "value", "evidence": "quote", "cites": "cites"},
    "forms": {
        "form": "value",
        "qualifier": "qualifier",
        "condition": "condition",
        "evidence": "quote",
        "cites": "cites",
    },
    "regulatory": {
        "status": "value",
        "forms": "ticked",
        "statement": "quote",
        "source": "block",
        "cites": "cites",
    },
    "audience": {"audience": "value", "evidence": "quote", "cites": "cites"},
    "suitable_for": {"text": "quote", "source": "block", "cites": "cites"},
    "cautions": {
        "statement": "quote",
        "audience": "ticked",
        "reason": "reason",
        "source": "block",
        "cites": "cites",
    },
    "requirements": {"text": "quote", "source": "block", "cites": "cites"},
}


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """One claim as typed: every field as text, whatever its kind."""

    value: str = ""
    """The enumerated value: the kind of treatment, a form, a status or an audience."""
    qualifier: str = ""
    condition: str = ""
    ticked: tuple[str, ...] = ()
    """The forms a status holds for, or whom a caution is for."""
    quote: str = ""
    """The words of the article the claim quotes (a quote, statement or text)."""
    reason: str = ""
    block: str = ""
    """The block cited, `<section>/<block>`."""
    cites: str = ""
    """The reference ids, separated by spaces or commas."""


class RecordForm(msgspec.Struct, frozen=True, kw_only=True):
    """A record's name and its claims, group by group, as the form holds them."""

    name: str = ""
    kind: tuple[Row, ...] = ()
    forms: tuple[Row, ...] = ()
    regulatory: tuple[Row, ...] = ()
    audience: tuple[Row, ...] = ()
    suitable_for: tuple[Row, ...] = ()
    cautions: tuple[Row, ...] = ()
    requirements: tuple[Row, ...] = ()

    def rows(self, group: str) -> tuple[Row, ...]:
        rows: tuple[Row, ...] = getattr(self, group)
        return rows


def _row(group: str, claim: msgspec.Struct) -> Row:
    values: dict[str, Any] = {}
    for name, value in msgspec.to_builtins(claim).items():
        if name == "evidence":
            values["block"], values["quote"] = value["block"], value["quote"]
        elif name == "cites":
            values["cites"] = " ".join(value)
        elif (field := _MODEL_NAMES[group].get(name)) is not None:
            values[field] = tuple(value) if field == "ticked" else value
    return msgspec.convert(values, Row)


def record_form(treatment: Treatment) -> RecordForm:
    """The form of a stored record, as the editor opens it."""
    rows: dict[str, tuple[Row, ...]] = {}
    for group in GROUPS:
        value = getattr(treatment, group)
        claims = value if isinstance(value, tuple) else (() if value is None else (value,))
        rows[group] = tuple(_row(group, claim) for claim in claims)
    return RecordForm(name=treatment.name, **rows)


def record_form_from_fields(fields: Mapping[str, str]) -> RecordForm:
    """The form as submitted: `name` and `<group>-<n>-<field>`, rows in the order of n.
    Unknown names are ignored (the CSRF token, the message, the button pressed)."""
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    for key, value in fields.items():
        match = _NAME.match(key)
        if match is None or match.group(1) not in GROUPS:
            continue
        group, index, field, tick = match.groups()
        n = int(index)
        if n >= _MAX_ROWS:
            raise ValidationFailed(f"at most {_MAX_ROWS} rows of {group}", path=f"$.{group}")
        row = rows.setdefault(group, {}).setdefault(n, {})
        if field == "ticked" and tick in _TICKS.get(group, ()):
            row.setdefault("ticked", []).append(tick)
        elif field in Row.__struct_fields__ and field != "ticked" and tick is None:
            row[field] = value
    groups = {
        group: tuple(
            msgspec.convert({**row, "ticked": tuple(row.get("ticked", ()))}, Row)
            for _, row in sorted(found.items())
        )
        for group, found in rows.items()
    }
    return RecordForm(name=fields.get("name", ""), **groups)


def _model_values(group: str, row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, field in _MODEL_NAMES[group].items():
        if field == "quote" and name == "evidence":
            out["evidence"] = {"block": row.block, "quote": row.quote}
        elif field == "ticked":
            out[name] = list(row.ticked)
        elif field == "cites":
            if row.cites.strip():
                out["cites"] = _CITES_SPLIT.split(row.cites.strip())
        elif field in ("qualifier", "condition", "reason"):
            if getattr(row, field).strip():
                out[name] = getattr(row, field)
        else:
            out[name] = getattr(row, field)
    return out


def record_from_form(form: RecordForm, stored: Treatment) -> Treatment:
    """The typed record the form describes, in place of `stored` (whose id, article and
    section it keeps); else ValidationFailed naming every refused field (its `problems`,
    each with the record's JSON path: `$.regulatory[1].status`)."""
    problems: list[ValidationFailed] = []
    claims: dict[str, Any] = {}
    for group in GROUPS:
        values = []
        for n, row in enumerate(form.rows(group)):
            data = _model_values(group, row)
            path = f"$.{group}" if group in ("kind", "suitable_for") else f"$.{group}[{n}]"
            problems.extend(_problems(data, _TYPES[group], path))
            values.append(data)
        claims[group] = values
    if not form.kind:
        problems.append(
            ValidationFailed("a record says what kind of treatment it is", path="$.kind")
        )
    if problems:
        raise ValidationFailed.every(problems)
    data = {
        **msgspec.to_builtins(stored),
        **{g: v for g, v in claims.items() if g not in ("kind", "suitable_for")},
        "name": form.name,
        "kind": claims["kind"][0],
    }
    data.pop("suitable_for", None)
    if claims["suitable_for"]:
        data["suitable_for"] = claims["suitable_for"][0]
    try:
        return msgspec.convert(data, Treatment, strict=False)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        raise ValidationFailed(message, path=where.rstrip("`") or "$") from exc


def _problems(
    data: dict[str, Any], kind: type[msgspec.Struct], path: str
) -> list[ValidationFailed]:
    """Every field of `data` its type in the model refuses (each field on its own, so that
    a row with two mistakes shows both); else what the whole claim's type refuses."""
    out: list[ValidationFailed] = []
    for field in msgspec.structs.fields(kind):
        if field.name not in data:
            continue
        value, where = data[field.name], f"{path}.{field.name}"
        if isinstance(field.type, type) and issubclass(field.type, msgspec.Struct):
            out.extend(_problems(value, field.type, where))
            continue
        try:
            msgspec.convert(value, field.type, strict=False)  # not strict: form values are text
        except msgspec.ValidationError as exc:
            message, _, inner = str(exc).partition(" - at `")
            message = _SAID.get(message, message)
            out.append(ValidationFailed(message, path=where + inner.rstrip("`")[1:]))
    if not out:
        try:
            msgspec.convert(data, kind, strict=False)
        except msgspec.ValidationError as exc:
            message, _, inner = str(exc).partition(" - at `")
            out.append(ValidationFailed(message, path=path + inner.rstrip("`")[1:]))
    return out


def edit_record_form(form: RecordForm, do: str) -> RecordForm | None:
    """The form after a row button (`add-<group>`, `remove-<group>-<n>`), or None when the
    button is not one (saving)."""
    verb, _, rest = do.partition("-")
    group, _, index = rest.partition("-")
    if verb not in ("add", "remove") or group not in _LISTS:
        return None
    rows = list(form.rows(group))
    if verb == "add":
        limit = 1 if group == "suitable_for" else _MAX_ROWS
        if len(rows) >= limit:
            raise ValidationFailed(f"at most {limit} rows of {group}", path=f"$.{group}")
        # A new claim most likely cites the block the record's claims cite.
        cited = next((r.block for g in GROUPS for r in form.rows(g) if r.block), "")
        rows.append(Row(value=_VALUES[group][0] if group in _VALUES else "", block=cited))
    elif index.isdigit() and int(index) < len(rows):
        del rows[int(index)]
    else:
        return None
    return msgspec.structs.replace(form, **{group: tuple(rows)})


def choices(group: str) -> tuple[str, ...]:
    """The values a row's menu offers."""
    return _VALUES.get(group, ())


def ticks(group: str) -> tuple[str, ...]:
    """The tick boxes of a row."""
    return _TICKS.get(group, ())


_PATH = re.compile(r"^\$\.([a-z_]+)(?:\[(\d+)\])?(?:\.([a-z_]+))?(?:\.([a-z_]+))?")


def record_field(path: str, treatment: Treatment | None = None, at: str = "$") -> str | None:
    """The form field a refusal's path names, or None when it names nothing of the record
    at `at` (then the error belongs to the page).

    Paths are JSON paths below `at` (`$.forms[0].evidence.quote` is `forms-0-quote`), or a
    claim the evidence check refused (`treatments/<id>/forms/oral`: the quote of the row
    of that form of `treatment`)."""
    if path.startswith("treatments/"):
        return _claim_field(path, treatment)
    if at != "$":
        if not path.startswith(at + ".") and not path.startswith(at + "["):
            return None
        path = "$" + path[len(at) :]
    if path == "$.name":
        return "name"
    match = _PATH.match(path)
    if match is None or match.group(1) not in GROUPS:
        return None
    group, index, name, inner = match.groups()
    n = index or "0"
    if name is None:
        return f"{group}-{n}-quote"
    if name == "evidence":
        return f"{group}-{n}-{'block' if inner == 'block' else 'quote'}"
    return f"{group}-{n}-{_MODEL_NAMES[group].get(name, 'quote')}"


def _claim_field(path: str, treatment: Treatment | None) -> str | None:
    """`treatments/<id>/<claim>` as its field: `regulatory/1` names the quote of row 1,
    `forms/oral` the quote of the row of that form, `name` the name."""
    parts = path.split("/")
    if treatment is None or len(parts) < 3 or parts[1] != treatment.id:
        return None
    claim = parts[2:]
    if claim == ["name"]:
        return "name"
    group = claim[0]
    if group not in GROUPS:
        return None
    if len(claim) == 1:
        return f"{group}-0-quote"
    if claim[1].isdigit():
        return f"{group}-{claim[1]}-quote"
    values = [
        getattr(c, "form" if group == "forms" else "audience") for c in getattr(treatment, group)
    ]
    return f"{group}-{values.index(claim[1])}-quote" if claim[1] in values else None


class Quoted(msgspec.Struct, frozen=True, kw_only=True):
    """The cited block's current text around a row's quote: before, the quote, after; or
    the whole text with `found` False when the quote is not in it word for word."""

    before: str
    quote: str = ""
    after: str = ""
    found: bool


def quoted(texts: list[str] | None, quote: str) -> Quoted | None:
    """Where `quote` stands in a block's texts (`api.core.evidence.block_texts`), or None
    when the block has no text (or does not exist)."""
    if not texts:
        return None
    for text in texts:
        at = text.find(quote) if quote else -1
        if at >= 0:
            return Quoted(before=text[:at], quote=quote, after=text[at + len(quote) :], found=True)
    return Quoted(before="\n".join(texts), found=False)


def replace_record(catalog: TreatmentCatalog, treatment: Treatment) -> TreatmentCatalog:
    """`catalog` with the record of `treatment.id` replaced, in place."""
    if treatment.id not in {t.id for t in catalog.treatments}:
        raise ValidationFailed(f"no treatment {treatment.id!r}", path="$.treatments")
    return TreatmentCatalog(
        treatments=tuple(treatment if t.id == treatment.id else t for t in catalog.treatments)
    )
