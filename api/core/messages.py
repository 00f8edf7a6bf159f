"""The translatable messages of content: one gettext message per text field.

`msgctxt` is `<article>/<section>/<block>` (with `/question`, `/answer` for FAQ parts,
`/heading` for headings, `<article>/title` for titles) or `treatment/<id>/<field>`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from api.core.model import (
    Article,
    Block,
    Callout,
    Faq,
    Paragraph,
    Section,
    Treatment,
    TreatmentCatalog,
    is_safety,
    walk_sections,
)

__all__ = [
    "GATED_FIELDS",
    "SAFETY_COMMENT",
    "Message",
    "article_messages",
    "block_fields",
    "current_messages",
    "known_contexts",
    "section_context",
    "treatment_fields",
    "treatment_messages",
    "treatment_safety_fields",
]


class Message(NamedTuple):
    """One translatable string with the context a translator needs."""

    context: str
    source: str
    comment: str
    safety: bool = False
    """Part of a safety-bearing text: translators do these first (see `SAFETY_COMMENT`)."""


SAFETY_COMMENT = "safety: translate first"
"""The extracted comment on every safety-bearing message in the template and catalogs."""


def section_context(article: Article, section: Section) -> str:
    """The msgctxt prefix of everything in a section."""
    return f"{article.slug}/{section.id}"


def block_fields(block: Block) -> list[tuple[str, str]]:
    """(context suffix, source text) of each translatable field of a block."""
    if isinstance(block, Paragraph | Callout):
        return [(block.id, block.text)]
    if isinstance(block, Faq):
        return [(f"{block.id}/question", block.question), (f"{block.id}/answer", block.answer)]
    return []


def treatment_fields(treatment: Treatment) -> list[tuple[str, str]]:
    """(context, source text) of each translatable field of a treatment, in the record's
    order: its name, then each claim's words (`…/evidence` for the quote behind a typed claim
    such as a form; a quoted statement is its own evidence)."""
    base = f"treatment/{treatment.id}"
    fields = [(f"{base}/name", treatment.name)]
    fields.append((f"{base}/kind/evidence", treatment.kind.evidence.quote))
    for form in treatment.forms:
        at = f"{base}/forms/{form.form}"
        if form.qualifier:
            fields.append((f"{at}/qualifier", form.qualifier))
        if form.condition:
            fields.append((f"{at}/condition", form.condition))
        fields.append((f"{at}/evidence", form.evidence.quote))
    fields.extend(
        (f"{base}/regulatory/{n}", r.statement) for n, r in enumerate(treatment.regulatory)
    )
    fields.extend(
        (f"{base}/audience/{a.audience}/evidence", a.evidence.quote) for a in treatment.audience
    )
    if treatment.suitable_for:
        fields.append((f"{base}/suitable_for", treatment.suitable_for.text))
    for n, caution in enumerate(treatment.cautions):
        fields.append((f"{base}/cautions/{n}", caution.statement))
        if caution.reason:
            fields.append((f"{base}/cautions/{n}/reason", caution.reason))
    fields.extend(
        (f"{base}/requirements/{n}", r.text) for n, r in enumerate(treatment.requirements)
    )
    return fields


GATED_FIELDS = (
    "regulatory/*",
    "cautions/*",
    "cautions/*/reason",
    "forms/*/condition",
    "forms/*/qualifier",
    "suitable_for",
    "audience/*/evidence",
    "requirements/*",
)
"""The fields of a treatment record (after `treatment/<id>/`) that state a regulatory status
or a caution, or restrict or condition a claim: who it is for, in which form, on what
condition, what it requires (SM-1)."""

_GATED = re.compile(
    "^(?:" + "|".join(re.escape(f).replace(r"\*", "[^/]+") for f in GATED_FIELDS) + ")$"
)


def treatment_safety_fields(treatment: Treatment) -> list[tuple[str, str]]:
    """The fields of a treatment record that the safety rule gates: a record is served
    whole from the locale that translates all of them. These are the `GATED_FIELDS`, and
    any other field whose English contains one of them (an evidence quote that is also a
    regulatory statement, or that states a form's condition), so the same words carry the
    same marking in every context of the record (SM-4)."""
    base = f"treatment/{treatment.id}/"
    fields = treatment_fields(treatment)
    gated = {text for context, text in fields if _GATED.match(context.removeprefix(base))}
    return [(context, text) for context, text in fields if any(words in text for words in gated)]


def article_messages(article: Article) -> list[Message]:
    """Every message of an article, in document order."""
    out = [Message(f"{article.slug}/title", article.title, "Article title")]
    out.extend(
        Message(f"{article.slug}/about-{n}", c.name, "Condition the article is about")
        for n, c in enumerate(article.about)
    )
    for section in walk_sections(article.sections):
        prefix = section_context(article, section)
        where = section.heading or section.id
        if section.heading:
            out.append(Message(f"{prefix}/heading", section.heading, "Section heading"))
        for block in section.blocks:
            kind = block.__struct_config__.tag
            for suffix, text in block_fields(block):
                part = suffix.partition("/")[2]
                label = f"{kind} {part}" if part else str(kind)
                out.append(
                    Message(
                        f"{prefix}/{suffix}",
                        text,
                        f"Section: {where} ({label})",
                        safety=is_safety(block),
                    )
                )
    return out


def treatment_messages(catalog: TreatmentCatalog) -> list[Message]:
    """Every message of the treatment records."""
    out: list[Message] = []
    for t in catalog.treatments:
        safety = {context for context, _ in treatment_safety_fields(t)}
        out.extend(
            Message(
                context,
                text,
                f"Treatment {t.id}: {context.split('/', 2)[2]}",
                safety=context in safety,
            )
            for context, text in treatment_fields(t)
        )
    return out


def known_contexts(articles: list[Article], treatments: TreatmentCatalog) -> frozenset[str]:
    """Every msgctxt a catalog may contain for this content."""
    from api.core.formatting import cost_basis_phrases

    contexts: set[str] = set()

    def collect(context: str, source: str) -> str:
        contexts.add(context)
        return source

    cost_basis_phrases(collect)
    contexts.update(m.context for a in articles for m in article_messages(a))
    contexts.update(m.context for m in treatment_messages(treatments))
    return frozenset(contexts)


def current_messages(articles: list[Article], treatments: TreatmentCatalog) -> list[Message]:
    """Every message of the current source, in the order a translator meets them: each
    article's, the treatment records', then the fact phrases."""
    from api.core.formatting import cost_basis_phrases

    phrases: list[Message] = []

    def collect(context: str, source: str) -> str:
        phrases.append(Message(context, source, "Fact phrase"))
        return source

    cost_basis_phrases(collect)
    out = [m for a in articles for m in article_messages(a)]
    return [*out, *treatment_messages(treatments), *phrases]
