"""schema.org structured data for partner pages: an article in one locale as a
`MedicalWebPage` (JSON-LD), rendered at publish time beside the article's documents.

Every term is schema.org's (`@context: https://schema.org`); a text the reader's locale
does not translate is a JSON-LD value object tagged with the language it is really in."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from api.core.model import Article, CodingSystem, Reference
from api.core.output import ArticleOut, LocalizedText, ReviewerOut

__all__ = [
    "JSONLD_MEDIA_TYPE",
    "SCHEMA_ORG",
    "CreativeWorkLd",
    "MedicalWebPageLd",
    "citations",
    "medical_web_page",
]

JSONLD_MEDIA_TYPE = "application/ld+json"
SCHEMA_ORG: Literal["https://schema.org"] = "https://schema.org"


class TaggedText(msgspec.Struct, frozen=True, kw_only=True):
    """A text in another language than the page's (JSON-LD value object)."""

    value: str = msgspec.field(name="@value")
    language: str = msgspec.field(name="@language")


Text = str | TaggedText
IsoDate = Annotated[str, msgspec.Meta(description="The medical review's date, YYYY-MM-DD.")]


class CredentialLd(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag_field="@type",
    tag="EducationalOccupationalCredential",
):
    name: str


class PersonLd(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, tag_field="@type", tag="Person"
):
    name: str
    jobTitle: str | None = None
    hasCredential: CredentialLd | None = None


class MedicalCodeLd(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="@type", tag="MedicalCode"
):
    codeValue: str
    codingSystem: CodingSystem


class MedicalConditionLd(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    tag_field="@type",
    tag="MedicalCondition",
):
    name: Text
    code: MedicalCodeLd | None = None


class AudienceLd(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="@type", tag="MedicalAudience"
):
    audienceType: str


class OrganizationLd(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="@type", tag="Organization"
):
    name: str


class PropertyValueLd(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="@type", tag="PropertyValue"
):
    """An identifier of a reference, such as its DOI."""

    propertyID: str
    value: str


class CreativeWorkLd(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    tag_field="@type",
    tag="CreativeWork",
):
    """A reference the article rests on."""

    name: str
    url: str | None = None
    identifier: PropertyValueLd | None = None
    author: tuple[PersonLd, ...] = ()
    publisher: OrganizationLd | None = None
    datePublished: str | None = None


class MedicalWebPageLd(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    tag_field="@type",
    tag="MedicalWebPage",
):
    """An article in one locale, as schema.org's `MedicalWebPage` (schema.org's property
    names, hence camelCase)."""

    context: Literal["https://schema.org"] = msgspec.field(name="@context")
    name: Text
    inLanguage: str
    version: str
    dateModified: Annotated[str, msgspec.Meta(description="When this version was published.")]
    lastReviewed: IsoDate | None = None
    reviewedBy: PersonLd | None = None
    about: tuple[MedicalConditionLd, ...] = ()
    audience: tuple[AudienceLd, ...] = ()
    citation: tuple[CreativeWorkLd, ...] = ()


def _text(text: LocalizedText, page_locale: str) -> Text:
    if text.locale == page_locale:
        return text.text
    return TaggedText(value=text.text, language=text.locale)


def _person(reviewer: ReviewerOut) -> PersonLd:
    credential = CredentialLd(name=reviewer.credentials) if reviewer.credentials else None
    return PersonLd(name=reviewer.name, jobTitle=reviewer.role, hasCredential=credential)


def citations(references: tuple[Reference, ...]) -> tuple[CreativeWorkLd, ...]:
    """The article's reference list (title, authors or publisher, URL and/or DOI, date) as
    schema.org `citation`s."""
    return tuple(
        CreativeWorkLd(
            name=r.title,
            url=r.url or (f"https://doi.org/{r.doi}" if r.doi else None),
            identifier=PropertyValueLd(propertyID="DOI", value=r.doi) if r.doi else None,
            author=tuple(PersonLd(name=name) for name in r.authors),
            publisher=OrganizationLd(name=r.publisher) if r.publisher else None,
            datePublished=r.published,
        )
        for r in references
    )


def medical_web_page(
    article: Article,
    rendered: ArticleOut,
    conditions: tuple[LocalizedText, ...],
) -> MedicalWebPageLd:
    """The `MedicalWebPage` of `rendered` (the article in one locale); `conditions`: the
    names of what it is about, in that locale (see `render_conditions`)."""
    review = rendered.review
    return MedicalWebPageLd(
        context=SCHEMA_ORG,
        name=_text(rendered.title, rendered.locale),
        inLanguage=rendered.locale,
        version=str(rendered.version),
        dateModified=rendered.published_at[:10],
        lastReviewed=review.last_reviewed if review else None,
        reviewedBy=_person(review.reviewed_by) if review else None,
        about=tuple(
            MedicalConditionLd(
                name=_text(name, rendered.locale),
                code=MedicalCodeLd(codeValue=c.code, codingSystem=c.coding_system)
                if c.code and c.coding_system
                else None,
            )
            for c, name in zip(article.about, conditions, strict=True)
        ),
        audience=tuple(AudienceLd(audienceType=group) for group in article.audience),
        # The reference list arrives with the references model (issue 24, point 3); an
        # article from before it has none.
        citation=citations(article.references),
    )
