"""The New article form's fields as an article: sections from headings, a block per
paragraph, and each refusal at the field the API's JSON names."""

from __future__ import annotations

import pytest

from api.core.errors import ValidationFailed
from api.core.model import Paragraph
from api.core.new_article import article_from_form, section_id_of

FORM = {
    "slug": "hair-loss-in-women",
    "title": "Hair loss in women",
    "section-0-heading": "What is it?",
    "section-0-text": "First.\n\n  \nSecond.\nStill second.",
    "section-2-heading": "When to see a doctor",
    "section-2-id": "see-a-doctor",
    "section-2-text": "Soon.",
}


def test_rows_become_sections_and_paragraphs_blocks() -> None:
    article = article_from_form(FORM)
    assert [s.id for s in article.sections] == ["what-is-it", "see-a-doctor"]
    assert article.sections[0].blocks == (
        Paragraph(id="p1", text="First."),
        Paragraph(id="p2", text="Second.\nStill second."),
    )


@pytest.mark.parametrize(
    ("changes", "path", "says"),
    [
        ({"slug": "Hair Loss"}, "$.article.slug", "lower-case letters and digits"),
        ({"slug": "hair--loss"}, "$.article.slug", "single hyphens"),
        ({"slug": "x" * 121}, "$.article.slug", "at most 120 characters"),
        ({"title": " "}, "$.article.title", "title"),
        ({"section-0-heading": ""}, "$.article.sections[0].heading", "heading"),
        ({"section-0-heading": "???"}, "$.article.sections[0].id", "id"),
        ({"section-2-id": "Bad Id"}, "$.article.sections[1].id", "regex"),
        (
            {"section-0-heading": "", "section-0-text": "", "section-2-heading": ""},
            "$.article.sections[0].heading",
            "heading",
        ),
    ],
)
def test_a_refusal_names_its_field(changes: dict[str, str], path: str, says: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        article_from_form({**FORM, **changes})
    assert refused.value.path == path
    assert says in refused.value.detail


def test_no_section_at_all_is_refused_at_the_first() -> None:
    empty = {"slug": "x", "title": "X"}
    with pytest.raises(ValidationFailed) as refused:
        article_from_form(empty)
    assert refused.value.path == "$.article.sections[0].heading"


def test_section_ids_are_made_of_the_headings_letters() -> None:
    assert section_id_of("What is PRP? (Platelet-rich)") == "what-is-prp-platelet-rich"
    assert section_id_of("¿Qué es?") == "que-es"
    assert section_id_of("ما هو؟") == ""
