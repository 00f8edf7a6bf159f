"""Evidence: every claim of a treatment record names the article block that states it and
the exact words, so a record can never say more (or other) than the reviewed text.

A claim whose quote is not verbatim in its cited block of the record's article version is
unsupported: refused at the door when a record is written, and *stale* when an article
change breaks it (the draft's diff lists it and publishing is refused until the record is
updated in the same draft).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import msgspec

from api.core.messages import block_fields
from api.core.model import Article, Treatment, TreatmentCatalog, walk_sections

__all__ = [
    "FORM_WORDS",
    "Claim",
    "StaleClaim",
    "block_texts",
    "claims",
    "stale_claims",
    "unnamed_forms",
]


class Claim(NamedTuple):
    """One claim of a record: its path in the record, the cited block, the exact quote, the
    msgctxt the quote is translated under, and texts that must lie inside the quote."""

    field: str
    block: str
    quote: str
    context: str
    within: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    """The references the claim cites (ids in its article's `references`)."""
    forms: tuple[str, ...] = ()
    """The forms a regulatory statement is about: the quote must name each (TR-5)."""


FORM_WORDS: dict[str, tuple[str, ...]] = {
    "topical": ("topical", "foam", "lotion", "solution applied"),
    "oral": ("oral", "tablet", "pill", "capsule", "by mouth"),
    "injection": ("inject",),
    "device": ("device", "laser", "cap", "comb", "helmet"),
    "surgery": ("surg", "transplant", "graft"),
}
"""How the source language (English) names each form: a regulatory statement that names
forms must say each one in its quote, so that a status is never recorded for a form the
quoted text does not speak of (medical review TR-5). Matched case-insensitively.

The rule holds for every regulatory statement a change writes or alters (`unnamed_forms`),
at the door of a draft and between the versions of the repository's history. It is not
applied to statements already published before it: version 1's records are the content of
record, kept verbatim, and one of them (minoxidil's) is the finding's own example."""


class StaleClaim(msgspec.Struct, frozen=True, kw_only=True):
    """A claim of a treatment record the cited block no longer supports word for word."""

    treatment: str
    field: str
    """The claim's path in the record: `kind`, `forms/<form>`, `audience/<audience>`,
    `regulatory/<n>`, `suitable_for`, `cautions/<n>`, `requirements/<n>` or `name`."""
    block: str
    """`<section>/<block>` in the record's article."""
    quote: str
    problem: str

    def sentence(self) -> str:
        """How an editor reads it in an error."""
        return f"treatment {self.treatment!r} {self.field} (block {self.block}): {self.problem}"


def claims(treatment: Treatment) -> list[Claim]:
    """Every claim of a record with its evidence, in the record's order."""
    base = f"treatment/{treatment.id}"
    out = [
        Claim(
            "kind",
            treatment.kind.evidence.block,
            treatment.kind.evidence.quote,
            f"{base}/kind/evidence",
            cites=treatment.kind.cites,
        )
    ]
    for form in treatment.forms:
        within = tuple(t for t in (form.qualifier, form.condition) if t)
        out.append(
            Claim(
                f"forms/{form.form}",
                form.evidence.block,
                form.evidence.quote,
                f"{base}/forms/{form.form}/evidence",
                within,
                form.cites,
            )
        )
    for n, regulation in enumerate(treatment.regulatory):
        out.append(
            Claim(
                f"regulatory/{n}",
                regulation.source,
                regulation.statement,
                f"{base}/regulatory/{n}",
                cites=regulation.cites,
                forms=regulation.forms,
            )
        )
    for audience in treatment.audience:
        out.append(
            Claim(
                f"audience/{audience.audience}",
                audience.evidence.block,
                audience.evidence.quote,
                f"{base}/audience/{audience.audience}/evidence",
                cites=audience.cites,
            )
        )
    if treatment.suitable_for is not None:
        out.append(
            Claim(
                "suitable_for",
                treatment.suitable_for.source,
                treatment.suitable_for.text,
                f"{base}/suitable_for",
                cites=treatment.suitable_for.cites,
            )
        )
    for n, caution in enumerate(treatment.cautions):
        out.append(
            Claim(
                f"cautions/{n}",
                caution.source,
                caution.statement,
                f"{base}/cautions/{n}",
                (caution.reason,) if caution.reason else (),
                caution.cites,
            )
        )
    for n, requirement in enumerate(treatment.requirements):
        out.append(
            Claim(
                f"requirements/{n}",
                requirement.source,
                requirement.text,
                f"{base}/requirements/{n}",
                cites=requirement.cites,
            )
        )
    return out


def block_texts(article: Article) -> dict[str, list[str]]:
    """The texts of every block of `article` by `<section>/<block>` (a question and its
    answer are two; a fact or a treatment reference has none): what a claim's quote must
    stand in word for word."""
    out: dict[str, list[str]] = {}
    for section in walk_sections(article.sections):
        for block in section.blocks:
            out[f"{section.id}/{block.id}"] = [text for _, text in block_fields(block)]
    return out


def _section_texts(article: Article) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for section in walk_sections(article.sections):
        texts = [section.heading] if section.heading else []
        texts += [text for block in section.blocks for _, text in block_fields(block)]
        out[section.id] = texts
    return out


def _check(treatment: Treatment, article: Article) -> list[StaleClaim]:
    blocks = block_texts(article)
    out: list[StaleClaim] = []

    def stale(claim: Claim, problem: str) -> None:
        out.append(
            StaleClaim(
                treatment=treatment.id,
                field=claim.field,
                block=claim.block,
                quote=claim.quote,
                problem=problem,
            )
        )

    for claim in claims(treatment):
        texts = blocks.get(claim.block)
        if texts is None:
            stale(claim, f"cites no block of {article.slug}")
        elif not any(claim.quote in text for text in texts):
            stale(claim, f"the quote {claim.quote!r} is not word for word in the block")
        for part in claim.within:
            if part not in claim.quote:
                stale(claim, f"{part!r} is not part of the quote {claim.quote!r}")

    named = _section_texts(article).get(treatment.section, [])
    if not any(treatment.name in text for text in named):
        stale(
            Claim("name", treatment.section, treatment.name, ""),
            f"the name {treatment.name!r} appears nowhere in section {treatment.section}",
        )
    return out


def stale_claims(
    articles: Iterable[Article], treatments: TreatmentCatalog
) -> tuple[StaleClaim, ...]:
    """Every claim of `treatments` not supported word for word by its cited block, each
    record checked against the given version of its own article (records of articles not
    given are not checked)."""
    by_slug = {article.slug: article for article in articles}
    out: list[StaleClaim] = []
    for treatment in treatments.treatments:
        article = by_slug.get(treatment.article)
        if article is not None:
            out.extend(_check(treatment, article))
    return tuple(out)


def unnamed_forms(old: TreatmentCatalog | None, new: TreatmentCatalog) -> list[StaleClaim]:
    """Every regulatory statement of `new` that `old` did not hold word for word (a new one,
    or one whose status, forms or quote changed) and whose quote does not name each of its
    forms (see `FORM_WORDS`), in a record of more than one form: where a treatment comes in
    one form only (PRP by injection), a status cannot be read as another form's."""
    before = {
        (t.id, r.status, r.forms, r.statement, r.source)
        for t in (old.treatments if old is not None else ())
        for r in t.regulatory
    }
    out: list[StaleClaim] = []
    for treatment in new.treatments:
        if len({f.form for f in treatment.forms}) < 2:
            continue
        for n, regulation in enumerate(treatment.regulatory):
            key = (treatment.id, regulation.status, regulation.forms, regulation.statement)
            if (*key, regulation.source) in before:
                continue
            quote = regulation.statement.casefold()
            for form in regulation.forms:
                if not any(word in quote for word in FORM_WORDS[form]):
                    out.append(
                        StaleClaim(
                            treatment=treatment.id,
                            field=f"regulatory/{n}",
                            block=regulation.source,
                            quote=regulation.statement,
                            problem=f"the statement does not name the {form} form its status "
                            "is recorded for: quote the clause that names it",
                        )
                    )
    return out
