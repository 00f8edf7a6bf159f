"""A treatment record through its edit form (issue 25 point 3): every shipped record
survives the form unchanged, rows are added and removed, each refused field is named at
once, and every refusal's path (the form's decoding, the API's checks, a stale claim)
names its form field."""

from __future__ import annotations

import msgspec
import pytest

from api.core.errors import ValidationFailed
from api.core.model import Treatment
from api.core.record_form import (
    GROUPS,
    RecordForm,
    edit_record_form,
    quoted,
    record_field,
    record_form,
    record_form_from_fields,
    record_from_form,
)
from api.sources import ContentSet


def _fields(form: RecordForm) -> dict[str, str]:
    """What a browser posts for the form (a ticked box sends "on")."""
    out = {"name": form.name}
    for group in GROUPS:
        for n, row in enumerate(form.rows(group)):
            for field in ("value", "qualifier", "condition", "quote", "reason", "block", "cites"):
                out[f"{group}-{n}-{field}"] = getattr(row, field)
            out.update({f"{group}-{n}-ticked-{t}": "on" for t in row.ticked})
    return out


def _minoxidil(content: ContentSet) -> Treatment:
    return next(t for t in content.treatments.treatments if t.id == "minoxidil")


def test_every_record_survives_its_form(content: ContentSet, shipped_content: ContentSet) -> None:
    for record in (*content.treatments.treatments, *shipped_content.treatments.treatments):
        form = record_form(record)
        assert record_form_from_fields(_fields(form)) == form
        assert record_from_form(form, record) == record


def test_rows_are_added_and_removed(content: ContentSet) -> None:
    form = record_form(_minoxidil(content))
    assert len(form.regulatory) == 1
    added = edit_record_form(form, "add-regulatory")
    assert added is not None and len(added.regulatory) == 2
    assert added.regulatory[1].value == "fda-approved"
    assert added.regulatory[1].block == form.kind[0].block
    removed = edit_record_form(added, "remove-audience-0")
    assert removed is not None and [r.value for r in removed.audience] == ["women"]
    suits = edit_record_form(form, "add-suitable_for")
    assert suits is not None
    with pytest.raises(ValidationFailed, match="at most 1 rows of suitable_for"):
        edit_record_form(suits, "add-suitable_for")
    # Not a row button: saving. The kind of treatment is one row, never added or removed.
    for do in ("save", "add-kind", "remove-kind-0", "remove-forms-9", "add-nothing"):
        assert edit_record_form(form, do) is None


def test_every_refused_field_is_named_at_once(content: ContentSet) -> None:
    minoxidil = _minoxidil(content)
    form = edit_record_form(record_form(minoxidil), "add-cautions")
    assert form is not None
    fields = {**_fields(form), "forms-1-value": "pill", "regulatory-0-ticked-capsule": "on"}
    fields["regulatory-0-quote"] = ""
    with pytest.raises(ValidationFailed) as refused:
        record_from_form(record_form_from_fields(fields), minoxidil)
    named = {p.path: p.detail for p in refused.value.problems}
    assert named == {
        "$.forms[1].form": "Invalid enum value 'pill'",
        "$.regulatory[0].statement": "this cannot be empty",
        "$.cautions[0].statement": "this cannot be empty",
    }
    assert refused.value.detail.endswith("(and 2 more)")
    # A tick box the form does not offer is not a value: it is ignored.
    assert record_form_from_fields(fields).regulatory[0].ticked == ("topical", "oral")


@pytest.mark.parametrize(
    ("path", "at", "field"),
    [
        ("$.name", "$", "name"),
        ("$.kind.value", "$", "kind-0-value"),
        ("$.kind.evidence.quote", "$", "kind-0-quote"),
        ("$.forms[1].evidence.block", "$", "forms-1-block"),
        ("$.forms[1].condition", "$", "forms-1-condition"),
        ("$.regulatory[2].forms[0]", "$", "regulatory-2-ticked"),
        ("$.regulatory[2].statement", "$", "regulatory-2-quote"),
        ("$.regulatory[2].source", "$", "regulatory-2-block"),
        ("$.regulatory[0].cites[1]", "$", "regulatory-0-cites"),
        ("$.cautions[0].audience[0]", "$", "cautions-0-ticked"),
        ("$.suitable_for.text", "$", "suitable_for-0-quote"),
        ("$.requirements[1].text", "$", "requirements-1-quote"),
        (
            "$.treatments.treatments[2].forms[1].qualifier",
            "$.treatments.treatments[2]",
            "forms-1-qualifier",
        ),
        ("$.treatments.treatments[3].name", "$.treatments.treatments[2]", None),
        ("$.article.sections[0]", "$.treatments.treatments[2]", None),
        ("treatments/minoxidil/regulatory/0", "$", "regulatory-0-quote"),
        ("treatments/minoxidil/forms/oral", "$", "forms-1-quote"),
        ("treatments/minoxidil/audience/women", "$", "audience-1-quote"),
        ("treatments/minoxidil/kind", "$", "kind-0-quote"),
        ("treatments/minoxidil/name", "$", "name"),
        ("treatments/finasteride/kind", "$", None),
        ("treatments/minoxidil", "$", None),
    ],
)
def test_a_refusal_names_its_form_field(
    content: ContentSet, path: str, at: str, field: str | None
) -> None:
    assert record_field(path, _minoxidil(content), at) == field


def test_the_quote_is_found_in_its_block() -> None:
    found = quoted(["Question?", "An answer with the words in it."], "the words")
    assert found is not None
    assert (found.before, found.quote, found.after, found.found) == (
        "An answer with ",
        "the words",
        " in it.",
        True,
    )
    missing = quoted(["One text.", "Another."], "gone")
    assert missing is not None and not missing.found and missing.before == "One text.\nAnother."
    assert quoted([], "anything") is None and quoted(None, "anything") is None


def test_a_record_without_its_kind_is_refused(content: ContentSet) -> None:
    form = msgspec.structs.replace(record_form(_minoxidil(content)), kind=())
    with pytest.raises(ValidationFailed, match="what kind of treatment"):
        record_from_form(form, _minoxidil(content))
