"""The content model: articles made of sections and typed blocks, and treatments.

These Structs are the schema of `content/*.yaml` and of the stored versions.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

import msgspec

__all__ = [
    "MAX_FIGURE",
    "Article",
    "Audience",
    "Block",
    "Callout",
    "CalloutKind",
    "CostBasis",
    "DurationUnit",
    "Fact",
    "FactKind",
    "Faq",
    "Form",
    "Paragraph",
    "Regulation",
    "RegulatoryStatus",
    "Section",
    "Treatment",
    "TreatmentCatalog",
    "TreatmentKind",
    "TreatmentRef",
    "content_hash",
    "walk_sections",
]

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=120)]
SectionId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*$", max_length=200
    ),
]
BlockId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
LocaleCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,35}$")]
ReaderGroup = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]
MAX_FIGURE = 1_000_000_000_000
"""The largest figure a fact may state: every locale's formatting handles it (Babel
cannot format about 1e25 and up). Floats are finite by these bounds."""
Figure = (
    Annotated[int, msgspec.Meta(ge=0, le=MAX_FIGURE)]
    | Annotated[float, msgspec.Meta(ge=0, le=MAX_FIGURE)]
)
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
DurationUnit = Literal["minute", "hour", "day", "week", "month", "year"]
CostBasis = Literal["plan", "appointment", "session"]
Form = Literal["topical", "oral", "injection", "device", "surgery"]
CalloutKind = Literal["safety", "experimental", "info"]
TreatmentKind = Literal["cell-therapy", "medication", "procedure", "device", "surgery"]
RegulatoryStatus = Literal[
    "fda-approved", "not-fda-approved", "off-label", "experimental", "prescription"
]
Audience = Literal["men", "women"]
FactKind = Literal["duration", "cost"]


class Paragraph(
    msgspec.Struct, tag="paragraph", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """A paragraph of plain text."""

    id: BlockId
    text: Text


class Faq(msgspec.Struct, tag="faq", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A question with its answer."""

    id: BlockId
    question: Text
    answer: Text


class Callout(msgspec.Struct, tag="callout", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Text that clients should set apart, such as a safety note."""

    id: BlockId
    kind: CalloutKind
    text: Text


class TreatmentRef(
    msgspec.Struct, tag="treatment_ref", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """Points at a treatment record described by the enclosing section."""

    id: BlockId
    treatment: Slug


class Fact(
    msgspec.Struct,
    tag="fact",
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
):
    """A structured figure stated in the text: a duration or a cost range."""

    id: BlockId
    kind: FactKind
    min: Figure
    max: Figure
    unit: DurationUnit | None = None
    currency: Currency | None = None
    per: CostBasis | None = None
    treatment: Slug | None = None


Block = Paragraph | Faq | Callout | TreatmentRef | Fact


class Section(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A headed part of an article; ids of nested sections extend their parent's id."""

    id: SectionId
    heading: Text | None = None
    blocks: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()


class Article(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """An article in its source locale."""

    slug: Slug
    locale: LocaleCode = "en"
    title: Text
    audience: tuple[ReaderGroup, ...] = ()
    sections: tuple[Section, ...]


class Regulation(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A regulatory status as the article states it, for some forms of a treatment."""

    status: RegulatoryStatus
    forms: tuple[Form, ...] = ()
    statement: Text


class Treatment(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A treatment the article discusses, with what the text states about it."""

    id: Slug
    name: Text
    kind: TreatmentKind
    forms: tuple[Form, ...]
    regulatory: tuple[Regulation, ...] = ()
    audience: tuple[Audience, ...] = ()
    suitable_for: Text | None = None
    article: Slug
    section: SectionId


class TreatmentCatalog(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """All treatments, as kept in `content/treatments.yaml`."""

    treatments: tuple[Treatment, ...]


_canonical = msgspec.json.Encoder(order="deterministic")


def content_hash(value: msgspec.Struct) -> str:
    """A stable sha256 of the canonical JSON of a content value."""
    return "sha256:" + hashlib.sha256(_canonical.encode(value)).hexdigest()


def walk_sections(sections: tuple[Section, ...]) -> list[Section]:
    """Every section in document order, parents before their children."""
    out: list[Section] = []
    for section in sections:
        out.append(section)
        out.extend(walk_sections(section.sections))
    return out
