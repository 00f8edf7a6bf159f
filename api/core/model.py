"""The content model: articles made of sections and typed blocks, and treatments.

These Structs are the schema of `content/*.yaml` and of the stored versions.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

import msgspec

from api.core.schedule import ReviewPolicy

__all__ = [
    "MAX_FIGURE",
    "PERSON_NAME_PATTERN",
    "Article",
    "Audience",
    "AudienceClaim",
    "Block",
    "Callout",
    "CalloutKind",
    "Caution",
    "CodingSystem",
    "Condition",
    "CostBasis",
    "DurationUnit",
    "Evidence",
    "Fact",
    "FactKind",
    "Faq",
    "Form",
    "FormClaim",
    "KindClaim",
    "Paragraph",
    "PersonName",
    "Reference",
    "ReferenceId",
    "Regulation",
    "RegulatoryStatus",
    "Safety",
    "Section",
    "Statement",
    "Treatment",
    "TreatmentCatalog",
    "TreatmentKind",
    "TreatmentRef",
    "content_hash",
    "is_safety",
    "walk_sections",
]

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=120)]
SectionId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*$", max_length=200
    ),
]
BlockPath = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)+$",
        max_length=261,
        description="A block of an article: `<section id>/<block id>`.",
    ),
]
BlockId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
PERSON_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
"""The one rule for a person's (and a token's) name, wherever names are written: accounts,
and the history log of the repository."""
PersonName = Annotated[str, msgspec.Meta(pattern=PERSON_NAME_PATTERN)]
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
    "fda-approved", "fda-cleared", "not-fda-approved", "off-label", "experimental", "prescription"
]
Audience = Literal["men", "women"]
FactKind = Literal["duration", "cost"]
ReferenceId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        max_length=80,
        description="The id of an entry of the article's `references`.",
    ),
]
Cites = Annotated[
    tuple[ReferenceId, ...],
    msgspec.Meta(
        max_length=20,
        description="The references (ids in the article's `references`) this text rests on.",
    ),
]
PartialDate = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?$",
        description="A date as precise as the source gives it: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.",
    ),
]
AccessDate = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$",
        description="The day (`YYYY-MM-DD`) the source was read.",
    ),
]
Url = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s]+$", max_length=2_000)]
Doi = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^10\.[0-9]{4,9}/[^\s]+$",
        max_length=300,
        description="A DOI, without `https://doi.org/`.",
    ),
]
Safety = Annotated[
    bool,
    msgspec.Meta(
        description="The block states a risk, a regulatory status, an uncertainty or who the "
        "treatment is (not) for: it is served in no other locale than the rest of its section."
    ),
]


class Reference(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A source the article rests on, cited by id from its blocks and treatment claims.

    It names its authors or its publisher (or both), and where to find it: a URL, a DOI or
    both. Titles stay in the source's own language: they are not translated."""

    id: ReferenceId
    title: Text
    authors: tuple[Text, ...] = ()
    publisher: Text | None = None
    url: Url | None = None
    doi: Doi | None = None
    published: PartialDate | None = None
    accessed: AccessDate


class Paragraph(
    msgspec.Struct,
    tag="paragraph",
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
):
    """A paragraph of plain text."""

    id: BlockId
    safety: Safety = False
    text: Text
    cites: Cites = ()


class Faq(
    msgspec.Struct,
    tag="faq",
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
):
    """A question with its answer."""

    id: BlockId
    safety: Safety = False
    question: Text
    answer: Text
    cites: Cites = ()


class Callout(
    msgspec.Struct,
    tag="callout",
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
):
    """Text that clients should set apart, such as a safety note."""

    id: BlockId
    safety: Safety = False
    kind: CalloutKind
    text: Text
    cites: Cites = ()


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
TextBlock = Paragraph | Faq | Callout


def is_safety(block: Block) -> bool:
    """Whether a block is marked safety-bearing (only text blocks can be)."""
    return isinstance(block, TextBlock) and block.safety


class Section(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A headed part of an article; ids of nested sections extend their parent's id."""

    id: SectionId
    heading: Text | None = None
    blocks: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()


CodingSystem = Literal["ICD-10", "ICD-11", "SNOMED-CT", "MeSH"]


class Condition(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A medical condition an article is about (schema.org `about`): its name, translated
    like any text, and optionally its code in a coding system."""

    name: Text
    code: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$")] | None = None
    coding_system: CodingSystem | None = None


class Article(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """An article in its source locale."""

    slug: Slug
    locale: LocaleCode = "en"
    title: Text
    audience: tuple[ReaderGroup, ...] = ()
    about: tuple[Condition, ...] = ()
    """The conditions it is about, for partners' structured data."""
    review: ReviewPolicy | None = None
    """How often it is due for medical review again (absent: every 12 months)."""
    sections: tuple[Section, ...]
    references: tuple[Reference, ...] = ()
    """The sources the article rests on; its blocks and its treatment records cite them."""


class Evidence(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the article states a claim: a block of the record's article (`<section>/<block>`)
    and the exact words, which must stand in it verbatim."""

    block: BlockPath
    quote: Text


class KindClaim(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """What sort of treatment the text says it is."""

    value: TreatmentKind
    evidence: Evidence
    cites: Cites = ()


class FormClaim(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A form the treatment comes in, with how (`qualifier`) and for whom (`condition`) when
    the text says so; both are words of the quote."""

    form: Form
    qualifier: Text | None = None
    condition: Text | None = None
    evidence: Evidence
    cites: Cites = ()


class AudienceClaim(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A group the text says the treatment is for."""

    audience: Audience
    evidence: Evidence
    cites: Cites = ()


class Regulation(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A regulatory status as the article states it, for some forms of a treatment; the
    statement is quoted verbatim from its `source` block."""

    status: RegulatoryStatus
    forms: tuple[Form, ...] = ()
    statement: Text
    source: BlockPath
    cites: Cites = ()


class Statement(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Words of the article, quoted verbatim from their `source` block."""

    text: Text
    source: BlockPath
    cites: Cites = ()


class Caution(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A caution as the text states it, for whom it holds and its reason (words of the
    statement), quoted verbatim from its `source` block."""

    statement: Text
    audience: tuple[Audience, ...] = ()
    reason: Text | None = None
    source: BlockPath
    cites: Cites = ()


class Treatment(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A treatment the article discusses, with what the text states about it: every claim
    carries its evidence (see api/core/evidence.py)."""

    id: Slug
    name: Text
    kind: KindClaim
    forms: tuple[FormClaim, ...]
    regulatory: tuple[Regulation, ...] = ()
    audience: tuple[AudienceClaim, ...] = ()
    suitable_for: Statement | None = None
    cautions: tuple[Caution, ...] = ()
    requirements: tuple[Statement, ...] = ()
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
