"""The editor's form of one section: flat fields to the typed Section and back, and every
refusal of the content validators named by its form field."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from api.core.content import check_article
from api.core.errors import ValidationFailed
from api.core.model import Article, Fact, Paragraph, walk_sections
from api.core.section_form import (
    BlockFields,
    SectionForm,
    edit_form,
    form_field,
    form_from_fields,
    form_from_section,
    replace_section,
    section_from_form,
    section_path,
)
from api.sources import ContentSet

PROCEDURE = "process/treatment-procedure"


def _fields(form: SectionForm) -> dict[str, str]:
    """What a browser posts for the form: every field as text, a ticked box as `on`."""
    out = {"heading": form.heading, "_csrf_token": "ignored", "do": "save"}
    for n, block in enumerate(form.blocks):
        for name, value in msgspec.structs.asdict(block).items():
            if name == "safety":
                if value:
                    out[f"block-{n}-safety"] = "on"
            else:
                out[f"block-{n}-{name}"] = value
    return out


@pytest.fixture()
def article(content: ContentSet) -> Article:
    return content.articles[0]


def test_every_section_survives_the_form(article: Article) -> None:
    for section in walk_sections(article.sections):
        form = form_from_fields(_fields(form_from_section(section)))
        assert section_from_form(form, section) == section


def test_figures_are_typed_from_text(article: Article) -> None:
    section = next(s for s in walk_sections(article.sections) if s.id == PROCEDURE)
    fields = _fields(form_from_section(section))
    index = next(n for n, b in enumerate(section.blocks) if b.id == "session-duration")
    fields[f"block-{index}-max"] = "4"
    fields[f"block-{index}-min"] = "1.5"
    fact = section_from_form(form_from_fields(fields), section).blocks[index]
    assert isinstance(fact, Fact)
    assert (fact.min, fact.max, fact.unit) == (1.5, 4, "hour")


@pytest.mark.parametrize(
    ("field", "value", "expected_field", "message"),
    [
        ("max", "three", "block-{n}-max", "Expected `int | float`, got `str`"),
        ("min", "-1", "block-{n}-min", "Expected `int` >= 0"),
        ("min", "", "block-{n}-min", "Expected `int | float`, got `str`"),
        ("unit", "fortnight", "block-{n}-unit", "Invalid enum value 'fortnight'"),
        ("id", "Bad Id", "block-{n}-id", "Expected `str` matching regex"),
    ],
)
def test_type_errors_name_their_field(
    article: Article, field: str, value: str, expected_field: str, message: str
) -> None:
    section = next(s for s in walk_sections(article.sections) if s.id == PROCEDURE)
    fields = _fields(form_from_section(section))
    n = next(i for i, b in enumerate(section.blocks) if b.id == "session-duration")
    fields[f"block-{n}-{field}"] = value
    with pytest.raises(ValidationFailed) as refused:
        section_from_form(form_from_fields(fields), section)
    assert refused.value.detail.startswith(message)
    assert form_field(refused.value.path) == expected_field.format(n=n)


@pytest.mark.parametrize(
    ("block", "value", "field", "message"),
    [
        (0, "Text with a \u202eright-to-left override", "block-0-text", "bidi"),
        (0, "Text with <b>markup</b>", "block-0-text", "markup"),
        (0, "", "block-0-text", "length >= 1"),
    ],
)
def test_the_content_validator_names_the_field(
    article: Article, block: int, value: str, field: str, message: str
) -> None:
    section = next(s for s in walk_sections(article.sections) if s.id == PROCEDURE)
    fields = _fields(form_from_section(section))
    fields[f"block-{block}-text"] = value
    at = section_path(article, PROCEDURE, "$.article")
    with pytest.raises(ValidationFailed) as refused:
        edited = section_from_form(form_from_fields(fields), section)
        check_article(replace_section(article, edited), prefix="$.article")
    assert message in refused.value.detail
    assert form_field(refused.value.path, at if refused.value.path.startswith(at) else "$") == field


def test_a_fact_with_min_above_max_is_refused_at_min(article: Article) -> None:
    section = next(s for s in walk_sections(article.sections) if s.id == PROCEDURE)
    fields = _fields(form_from_section(section))
    n = next(i for i, b in enumerate(section.blocks) if b.id == "session-duration")
    fields[f"block-{n}-min"] = "5"
    edited = replace_section(article, section_from_form(form_from_fields(fields), section))
    with pytest.raises(ValidationFailed) as refused:
        check_article(edited, prefix="$.article")
    assert "min 5 is greater than max 3" in refused.value.detail
    assert form_field(refused.value.path, section_path(article, PROCEDURE, "$.article")) == (
        f"block-{n}-min"
    )


def test_an_error_elsewhere_names_no_field_of_the_section() -> None:
    assert form_field("$.article.sections[1].blocks[0].text", "$.article.sections[0]") is None
    assert form_field("$.article.title", "$.article.sections[0]") is None
    assert form_field("$.article.sections[0].heading", "$.article.sections[0]") == "heading"


def test_structure_buttons(article: Article) -> None:
    form = SectionForm(
        heading="H",
        blocks=(BlockFields(type="paragraph", id="p1", text="a"), BlockFields(type="faq", id="q1")),
    )
    assert [b.id for b in edit_form(form, ("down", 0)).blocks] == ["q1", "p1"]
    assert [b.id for b in edit_form(form, ("up", 0)).blocks] == ["p1", "q1"]
    assert [b.id for b in edit_form(form, ("remove", 1)).blocks] == ["p1"]
    added = edit_form(form, ("add", "paragraph")).blocks[-1]
    assert (added.type, added.id) == ("paragraph", "p2")
    with pytest.raises(ValidationFailed):
        edit_form(form, ("remove", 5))
    with pytest.raises(ValidationFailed):
        edit_form(form, ("add", "script"))


def test_an_unknown_block_type_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        form_from_fields({"block-0-type": "html", "block-0-text": "x"})
    assert form_field(refused.value.path) == "block-0-type"


def test_replace_section_reaches_nested_sections(article: Article) -> None:
    section = next(s for s in walk_sections(article.sections) if s.id == PROCEDURE)
    changed = msgspec.structs.replace(
        section, blocks=(Paragraph(id="p1", text="Only this."),), sections=section.sections
    )
    replaced = replace_section(article, changed)
    found: dict[str, Any] = {s.id: s for s in walk_sections(replaced.sections)}
    assert found[PROCEDURE].blocks == (Paragraph(id="p1", text="Only this."),)
    assert len(walk_sections(replaced.sections)) == len(walk_sections(article.sections))
    assert section_path(article, PROCEDURE) == "$.sections[8].sections[0]"
