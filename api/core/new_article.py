"""A new article as the workspace's form gives it: a slug, a title and its first sections,
each a heading and paragraphs (a blank line between two starts the next block). More
blocks of every kind are added afterwards in the section editor, on the draft.

Pure: the form's fields become an `Article` or a ValidationFailed naming the field (the
API's JSON names the same paths); what is checked after that (the text policy, sizes, a
free slug) is the one check every draft gets (`api.actions.drafts`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import msgspec

from api.core.errors import ValidationFailed
from api.core.model import Article

__all__ = ["SECTION_ROWS", "SLUG_RULE", "article_from_form", "section_id_of"]

SECTION_ROWS = 3
"""Sections the form offers; rows left empty are not part of the article."""
SLUG_RULE = (
    "lower-case letters and digits in words joined by single hyphens, at most 120 "
    "characters (e.g. hair-loss-in-women); it is the article's address and its catalog's "
    "name, and never changes"
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def section_id_of(heading: str) -> str:
    """A section id from its heading's letters and digits, accents dropped ("What is PRP?"
    -> `what-is-prp`, "¿Qué es?" -> `que-es`); empty when it has no Latin letter or digit."""
    plain = unicodedata.normalize("NFKD", heading.casefold()).encode("ascii", "ignore")
    return _NOT_WORD.sub("-", plain.decode()).strip("-")[:60].strip("-")


def article_from_form(fields: Mapping[str, str]) -> Article:
    """The article the New article form describes (fields `slug`, `title`, and per row
    `section-<n>-heading`, `section-<n>-id`, `section-<n>-text`), or ValidationFailed at
    `$.article.<field>`."""
    slug = fields.get("slug", "").strip()
    title = fields.get("title", "").strip()
    if not title:
        raise ValidationFailed("give the article a title", path="$.article.title")
    sections: list[dict[str, Any]] = []
    for n in range(SECTION_ROWS):
        heading = fields.get(f"section-{n}-heading", "").strip()
        text = fields.get(f"section-{n}-text", "").strip()
        if not heading and not text:
            continue
        at = f"$.article.sections[{len(sections)}]"
        if not heading:
            raise ValidationFailed("give the section a heading", path=f"{at}.heading")
        section_id = fields.get(f"section-{n}-id", "").strip() or section_id_of(heading)
        if not section_id:
            raise ValidationFailed(
                "give the section an id (its heading has no letter a-z or digit to make one of)",
                path=f"{at}.id",
            )
        paragraphs = [p.strip() for p in _PARAGRAPHS.split(text) if p.strip()]
        blocks = [
            {"type": "paragraph", "id": f"p{i}", "text": p}
            for i, p in enumerate(paragraphs, start=1)
        ]
        sections.append({"id": section_id, "heading": heading, "blocks": blocks})
    if not sections:
        raise ValidationFailed(
            "give the article at least one section: a heading and its text",
            path="$.article.sections[0].heading",
        )
    try:
        return msgspec.convert({"slug": slug, "title": title, "sections": sections}, Article)
    except msgspec.ValidationError as exc:
        # The model's types are the one rule (the API decodes into them too); the form
        # says the slug's in words.
        detail, _, where = str(exc).rpartition(" - at `")
        path = "$.article" + where.rstrip("`").removeprefix("$") if where else "$.article"
        if path == "$.article.slug":
            detail = f"the slug {slug[:130]!r} is not one: {SLUG_RULE}"
        raise ValidationFailed(detail or str(exc), path=path) from exc
