"""What readers get: the shapes of rendered articles, sections, lists and treatment records.

These Structs are the delivery contract (`openapi.yaml` is generated from them); `render`
fills them at publish time.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from api.core.locales import TextDirection
from api.core.model import (
    Audience,
    CalloutKind,
    CostBasis,
    DurationUnit,
    FactKind,
    Form,
    Reference,
    RegulatoryStatus,
    TreatmentKind,
)
from api.core.schedule import ReviewStatus

__all__ = [
    "ArticleOut",
    "ArticleSummary",
    "BlockOut",
    "CalloutOut",
    "CautionOut",
    "Completeness",
    "EvidenceOut",
    "FactOut",
    "Fallback",
    "FallbackReason",
    "FaqOut",
    "FormOut",
    "LocalizedText",
    "ParagraphOut",
    "RegulationOut",
    "ReviewOut",
    "ReviewerOut",
    "SafetyFlag",
    "SectionDocument",
    "SectionOut",
    "TextLocale",
    "TranslationSignoffOut",
    "TreatmentOut",
    "TreatmentRefOut",
    "VersionInfo",
]

TextLocale = Annotated[
    str, msgspec.Meta(description="The locale this text is actually in (BCP 47).")
]
Cited = Annotated[
    tuple[str, ...],
    msgspec.Meta(
        description="Ids of the references this text or claim rests on (see the article's "
        "or the record's `references`); absent when it cites none."
    ),
]
Fallback = Annotated[
    bool,
    msgspec.Meta(
        description="True when no current, reviewed translation exists for the response "
        "locale and this text comes from a fallback locale."
    ),
]

FallbackReason = Annotated[
    Literal["safety-text-untranslated"],
    msgspec.Meta(
        description="Why this whole section (or treatment record) is served in a fallback "
        "locale: its safety-bearing text has no current, reviewed translation in the response "
        "locale, and warnings are never served in another language than the rest."
    ),
]
SafetyFlag = Annotated[
    bool,
    msgspec.Meta(
        description="The block states a risk, a regulatory status, an uncertainty or "
        "eligibility; it is never served in another locale than the rest of its section."
    ),
]


class LocalizedText(msgspec.Struct, frozen=True, kw_only=True):
    """A text outside a block, with the locale it is in."""

    text: str
    locale: TextLocale
    fallback: Fallback


class ParagraphOut(msgspec.Struct, tag="paragraph", frozen=True, kw_only=True, omit_defaults=True):
    id: str
    text: str
    safety: SafetyFlag
    locale: TextLocale
    fallback: Fallback
    cites: Cited = ()


class FaqOut(msgspec.Struct, tag="faq", frozen=True, kw_only=True, omit_defaults=True):
    id: str
    question: str
    answer: str
    safety: SafetyFlag
    locale: TextLocale
    fallback: Fallback
    cites: Cited = ()


class CalloutOut(msgspec.Struct, tag="callout", frozen=True, kw_only=True, omit_defaults=True):
    id: str
    kind: CalloutKind
    text: str
    safety: SafetyFlag
    locale: TextLocale
    fallback: Fallback
    cites: Cited = ()


class TreatmentRefOut(msgspec.Struct, tag="treatment_ref", frozen=True, kw_only=True):
    id: str
    treatment: str
    name: str
    locale: TextLocale
    fallback: Fallback


class FactOut(msgspec.Struct, tag="fact", frozen=True, kw_only=True, omit_defaults=True):
    id: str
    kind: FactKind
    min: int | float
    max: int | float
    unit: DurationUnit | None = None
    currency: str | None = None
    per: CostBasis | None = None
    treatment: str | None = None
    display: str
    locale: TextLocale
    fallback: Fallback


BlockOut = ParagraphOut | FaqOut | CalloutOut | TreatmentRefOut | FactOut


class SectionOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    heading: LocalizedText | None
    blocks: tuple[BlockOut, ...]
    sections: tuple[SectionOut, ...]
    fallback_reason: FallbackReason | None


class Completeness(msgspec.Struct, frozen=True, kw_only=True):
    translated: int
    total: int
    ratio: float


class VersionInfo(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    content_hash: str
    published_at: str


IsoDate = Annotated[str, msgspec.Meta(description="A calendar date, `YYYY-MM-DD` (UTC).")]


class ReviewerOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A person who reviewed content, as readers are shown them (role and credentials when
    their account records them)."""

    name: str
    role: Annotated[str, msgspec.Meta(description="What they do, e.g. `reviewer`.")] | None = None
    credentials: (
        Annotated[
            str,
            msgspec.Meta(description="Their professional qualifications, e.g. `MD, dermatology`."),
        ]
        | None
    ) = None


class TranslationSignoffOut(msgspec.Struct, frozen=True, kw_only=True):
    """The medical sign-off of a translation: who last approved this article's text in the
    locale, and when."""

    locale: str
    approved_by: ReviewerOut
    approved_at: Annotated[str, msgspec.Meta(description="RFC 3339 UTC time of the approval.")]


class ReviewOut(msgspec.Struct, frozen=True, kw_only=True):
    """Who reviewed the article's content, when, and when it is due again."""

    reviewed_by: ReviewerOut
    last_reviewed: IsoDate
    next_review_due: Annotated[
        IsoDate | None, msgspec.Meta(description="None for a superseded version.")
    ]
    review_status: ReviewStatus
    interval_months: Annotated[
        int, msgspec.Meta(description="The article's review policy: months between reviews.")
    ]
    translation: Annotated[
        TranslationSignoffOut | None,
        msgspec.Meta(
            description="The sign-off of the response locale's translation (none for the "
            "source language, or before any translation of the article was approved)."
        ),
    ]


class ArticleOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    slug: str
    version: int
    content_hash: str
    published_at: str
    locale: str
    dir: TextDirection
    title: LocalizedText
    audience: tuple[str, ...]
    completeness: Completeness
    safety_coverage: Completeness
    review: ReviewOut | None
    sections: tuple[SectionOut, ...]
    references: Annotated[
        tuple[Reference, ...],
        msgspec.Meta(
            description="The sources the article rests on, which its blocks cite by id "
            "(titles in the source's own language); absent when it lists none."
        ),
    ] = ()


class SectionDocument(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    slug: str
    version: int
    content_hash: str
    locale: str
    dir: TextDirection
    section: SectionOut
    references: Annotated[
        tuple[Reference, ...],
        msgspec.Meta(description="The references the section's blocks cite; absent when none."),
    ] = ()


class ArticleSummary(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    version: int
    content_hash: str
    published_at: str
    locale: str
    title: LocalizedText
    completeness: Completeness
    safety_coverage: Completeness
    review: ReviewOut | None = None


class RegulationOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    status: RegulatoryStatus
    forms: tuple[Form, ...]
    statement: LocalizedText
    cites: Cited = ()


class FormOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A form with how (`qualifier`) and for whom (`condition`) the text says it is used."""

    form: Form
    qualifier: LocalizedText | None = None
    condition: LocalizedText | None = None
    cites: Cited = ()


class CautionOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    statement: LocalizedText
    audience: tuple[Audience, ...] = msgspec.field(default_factory=tuple)
    reason: LocalizedText | None = None
    cites: Cited = ()


class EvidenceOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The article's words behind one claim of a record."""

    claim: Annotated[
        str,
        msgspec.Meta(
            description="The claim: `kind`, `forms/<form>`, `audience/<audience>`, "
            "`regulatory/<n>`, `suitable_for`, `cautions/<n>` or `requirements/<n>`."
        ),
    ]
    block: Annotated[
        str, msgspec.Meta(description="`<section id>/<block id>` in the record's article.")
    ]
    quote: LocalizedText
    cites: Cited = ()


class TreatmentOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: str
    name: LocalizedText
    kind: TreatmentKind
    forms: tuple[Form, ...]
    form_details: tuple[FormOut, ...] = msgspec.field(default_factory=tuple)
    regulatory: tuple[RegulationOut, ...] = msgspec.field(default_factory=tuple)
    audience: tuple[Audience, ...] = msgspec.field(default_factory=tuple)
    suitable_for: LocalizedText | None = None
    cautions: tuple[CautionOut, ...] = msgspec.field(default_factory=tuple)
    requirements: tuple[LocalizedText, ...] = msgspec.field(default_factory=tuple)
    evidence: tuple[EvidenceOut, ...]
    article: str
    section: str
    fallback_reason: FallbackReason | None = None
    references: Annotated[
        tuple[Reference, ...],
        msgspec.Meta(
            description="The references of the record's article that its claims cite; "
            "absent when they cite none."
        ),
    ] = msgspec.field(default_factory=tuple)
