"""Rendering: an article or treatment in one locale, with per-block locale honesty.

Each block is served whole from the first locale in the CLDR chain whose catalog has a
current translation of every field of the block; otherwise in the source language with
`fallback: true`. Safety comes first: a section whose safety-bearing blocks are not all
translated in the reader's locale is served whole from the first locale that translates
them (`fallback_reason: safety-text-untranslated`), so no reader gets a section's benefits
in their language and its warnings in another; a treatment record likewise with its
regulatory statements, cautions and the conditions on its claims. Rendering happens at
import/publish time, never per request.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import NamedTuple

from api.core.evidence import claims
from api.core.formatting import cost_basis_phrases, format_fact
from api.core.locales import babel_locale, is_fallback, regional_language, text_direction
from api.core.messages import (
    Message,
    article_messages,
    block_fields,
    section_context,
    treatment_messages,
    treatment_safety_fields,
)
from api.core.model import (
    Article,
    Block,
    Callout,
    Fact,
    Faq,
    Paragraph,
    Reference,
    Section,
    Treatment,
    TreatmentCatalog,
    TreatmentRef,
    is_safety,
    walk_sections,
)
from api.core.negotiation import DEFAULT_LOCALE, locale_chain
from api.core.output import (
    ArticleOut,
    ArticleSummary,
    BlockOut,
    CalloutOut,
    CautionOut,
    Completeness,
    EvidenceOut,
    FactOut,
    FaqOut,
    FormOut,
    LocalizedText,
    ParagraphOut,
    RegulationOut,
    ReviewOut,
    SectionDocument,
    SectionOut,
    TreatmentOut,
    TreatmentRefOut,
    VersionInfo,
)

__all__ = [
    "Catalogs",
    "Lookup",
    "completeness",
    "render_article",
    "render_conditions",
    "render_treatment",
    "safety_coverage",
    "section_documents",
    "served_in",
    "summarize",
]

Lookup = Mapping[tuple[str, str], str]
"""(msgctxt, msgid) -> msgstr: only current, reviewed translations of one locale."""
Catalogs = Mapping[str, Lookup]


class _Resolver:
    """Finds each text unit in the first locale of the chain that translates all of it."""

    def __init__(self, locale: str, catalogs: Catalogs, formats: str | None = None) -> None:
        self.locale = locale
        self.home = locale
        """Where text needing no catalog (CLDR-formatted figures) is served from."""
        self.formats = formats or locale
        """The full locale figures served from `home` are formatted in (`es-MX` for a
        Mexican reader of the Spanish text)."""
        self.chain = [
            (tag, catalogs[tag])
            for tag in locale_chain(locale)
            if tag in catalogs and tag != DEFAULT_LOCALE
        ]

    def pick(self, fields: list[tuple[str, str]]) -> tuple[list[str], str]:
        for tag, lookup in self.chain:
            texts = [lookup.get(field) for field in fields]
            if all(texts):
                return [t for t in texts if t], tag
        return [source for _, source in fields], DEFAULT_LOCALE

    def covering(self, fields: list[tuple[str, str]]) -> str | None:
        """The first locale of the chain that translates every one of `fields`, when that is
        not the reader's best locale (None when it is, or when nothing is translated)."""
        if not self.chain or not fields:
            return None
        for tag, lookup in self.chain:
            if all(lookup.get(field) for field in fields):
                return None if tag == self.chain[0][0] else tag
        return DEFAULT_LOCALE

    def starting_at(self, tag: str) -> _Resolver:
        """The same reader, served from `tag` on down the chain."""
        trimmed = _Resolver(self.locale, {})
        tags = [t for t, _ in self.chain]
        trimmed.chain = self.chain[tags.index(tag) :] if tag in tags else []
        trimmed.home = tag
        trimmed.formats = self.formats if tag == self.home else tag
        return trimmed

    def text(self, context: str, source: str) -> LocalizedText:
        (text,), tag = self.pick([(context, source)])
        return LocalizedText(text=text, locale=tag, fallback=is_fallback(tag, self.locale))


def completeness(
    article: Article, locale: str, catalogs: Catalogs, messages: list[Message] | None = None
) -> Completeness:
    """How many of the article's messages have a current translation in `locale` itself
    (`messages`: the article's, when the caller has them already)."""
    every = article_messages(article) if messages is None else messages
    return _coverage(every, locale, catalogs)


def safety_coverage(
    article: Article,
    locale: str,
    catalogs: Catalogs,
    messages: list[Message] | None = None,
    treatments: TreatmentCatalog | None = None,
) -> Completeness:
    """How many of the messages the safety rule gates have a current translation in
    `locale` itself: the article's safety-bearing messages and the gated fields of the
    treatment records the article describes (`treatments`), what decides whether its
    sections and records reach readers in their language."""
    every = article_messages(article) if messages is None else messages
    gated = [m for m in every if m.safety]
    if treatments is not None:
        own = TreatmentCatalog(
            treatments=tuple(t for t in treatments.treatments if t.article == article.slug)
        )
        gated.extend(m for m in treatment_messages(own) if m.safety)
    return _coverage(gated, locale, catalogs)


def _coverage(messages: list[Message], locale: str, catalogs: Catalogs) -> Completeness:
    if locale == DEFAULT_LOCALE:
        done = len(messages)
    else:
        lookup = catalogs.get(locale, {})
        done = sum(1 for m in messages if lookup.get((m.context, m.source)))
    total = len(messages)
    return Completeness(translated=done, total=total, ratio=round(done / total, 4) if total else 1)


def render_article(
    article: Article,
    version: VersionInfo,
    locale: str,
    catalogs: Catalogs,
    treatments: TreatmentCatalog,
    messages: list[Message] | None = None,
    review: ReviewOut | None = None,
) -> ArticleOut:
    """The whole article in `locale`, ready to encode (`messages`: the article's, when the
    caller renders it in several locales and has them already). A regional locale of
    `REGIONAL_FORMATS` gets its language's text with its own formatting of figures."""
    language = regional_language(locale) or locale
    resolver = _Resolver(language, catalogs, formats=locale)
    if messages is None:
        messages = article_messages(article)
    names = {t.id: t for t in treatments.treatments}
    return ArticleOut(
        slug=article.slug,
        version=version.number,
        content_hash=version.content_hash,
        published_at=version.published_at,
        locale=locale,
        dir=text_direction(locale),
        title=resolver.text(f"{article.slug}/title", article.title),
        audience=article.audience,
        completeness=completeness(article, language, catalogs, messages),
        safety_coverage=safety_coverage(article, language, catalogs, messages, treatments),
        review=review,
        sections=tuple(_section(article, s, resolver, names) for s in article.sections),
        references=article.references,
    )


def render_conditions(
    article: Article, locale: str, catalogs: Catalogs
) -> tuple[LocalizedText, ...]:
    """The names of the conditions the article is about, in `locale` where translated."""
    resolver = _Resolver(regional_language(locale) or locale, catalogs)
    return tuple(
        resolver.text(f"{article.slug}/about-{n}", c.name) for n, c in enumerate(article.about)
    )


def summarize(rendered: ArticleOut) -> ArticleSummary:
    """The list entry of a rendered article."""
    return ArticleSummary(
        slug=rendered.slug,
        version=rendered.version,
        content_hash=rendered.content_hash,
        published_at=rendered.published_at,
        locale=rendered.locale,
        title=rendered.title,
        completeness=rendered.completeness,
        safety_coverage=rendered.safety_coverage,
        review=rendered.review,
    )


def section_documents(rendered: ArticleOut) -> list[SectionDocument]:
    """Each section of a rendered article (children included) as its own document."""
    out: list[SectionDocument] = []
    pending = list(rendered.sections)
    while pending:
        section = pending.pop(0)
        out.append(
            SectionDocument(
                slug=rendered.slug,
                version=rendered.version,
                content_hash=rendered.content_hash,
                locale=rendered.locale,
                dir=rendered.dir,
                section=section,
                references=_cited(rendered.references, _section_cites(section)),
            )
        )
        pending.extend(section.sections)
    return out


def _section_cites(section: SectionOut) -> set[str]:
    """Every reference id cited by a block of `section` or of its subsections."""
    out: set[str] = set()
    for block in section.blocks:
        out.update(getattr(block, "cites", ()))
    for child in section.sections:
        out |= _section_cites(child)
    return out


def _cited(references: tuple[Reference, ...], ids: Collection[str]) -> tuple[Reference, ...]:
    """The entries of `references` whose id is in `ids`, in the list's order."""
    return tuple(r for r in references if r.id in ids)


def _cited_fields(article: Article | None) -> dict[str, list[tuple[str, str]]]:
    """(msgctxt, source) of each text field of every block, by `<section>/<block>`."""
    if article is None:
        return {}
    out: dict[str, list[tuple[str, str]]] = {}
    for section in walk_sections(article.sections):
        prefix = section_context(article, section)
        for block in section.blocks:
            out[f"{section.id}/{block.id}"] = [
                (f"{prefix}/{suffix}", text) for suffix, text in block_fields(block)
            ]
    return out


def _evidence_quote(
    quote: LocalizedText,
    claim_quote: str,
    cited: list[tuple[str, str]],
    catalogs: Catalogs,
) -> LocalizedText:
    """A claim's quote as readers get it: a translation only where it stands word for word
    (case aside) in the translation (same locale) of the block it cites, when that block
    has one; else the article's own words (workspace walk finding 10: a translator's fix
    of the block leaves the quote's translation behind, and nothing else would notice)."""
    if quote.locale == DEFAULT_LOCALE:
        return quote
    lookup = catalogs.get(quote.locale, {})
    translated = [text for field in cited if (text := lookup.get(field))]
    # Case aside: a quote translated on its own starts with a capital the sentence lacks.
    words = quote.text.casefold()
    if not translated or any(words in text.casefold() for text in translated):
        return quote
    return LocalizedText(text=claim_quote, locale=DEFAULT_LOCALE, fallback=True)


def render_treatment(
    treatment: Treatment,
    locale: str,
    catalogs: Catalogs,
    references: tuple[Reference, ...] = (),
    article: Article | None = None,
) -> TreatmentOut:
    """One treatment record in `locale` (a regional locale: in its language's), each claim
    with its evidence and citations: whole from the fallback locale when the fields the
    safety rule gates (regulatory statements, cautions, conditions, qualifiers, who it suits,
    requirements) are not all translated in `locale`. `references`: those of the record's
    article, of which the record carries the ones its claims cite. `article`: the version of
    the record's article served beside it, whose translated blocks a translated evidence
    quote must stand in word for word (`_evidence_quote`)."""
    resolver = _Resolver(regional_language(locale) or locale, catalogs)
    safe_from = resolver.covering(treatment_safety_fields(treatment))
    if safe_from is not None:
        resolver = resolver.starting_at(safe_from)
    base = f"treatment/{treatment.id}"

    def text(suffix: str, source: str | None) -> LocalizedText | None:
        return resolver.text(f"{base}/{suffix}", source) if source else None

    every = claims(treatment)
    cited = _cited_fields(article)

    return TreatmentOut(
        id=treatment.id,
        name=resolver.text(f"{base}/name", treatment.name),
        kind=treatment.kind.value,
        forms=tuple(f.form for f in treatment.forms),
        form_details=tuple(
            FormOut(
                form=f.form,
                qualifier=text(f"forms/{f.form}/qualifier", f.qualifier),
                condition=text(f"forms/{f.form}/condition", f.condition),
                cites=f.cites,
            )
            for f in treatment.forms
        ),
        regulatory=tuple(
            RegulationOut(
                status=r.status,
                forms=r.forms,
                statement=resolver.text(f"{base}/regulatory/{n}", r.statement),
                cites=r.cites,
            )
            for n, r in enumerate(treatment.regulatory)
        ),
        audience=tuple(a.audience for a in treatment.audience),
        suitable_for=text("suitable_for", treatment.suitable_for.text)
        if treatment.suitable_for
        else None,
        cautions=tuple(
            CautionOut(
                statement=resolver.text(f"{base}/cautions/{n}", c.statement),
                audience=c.audience,
                reason=text(f"cautions/{n}/reason", c.reason),
                cites=c.cites,
            )
            for n, c in enumerate(treatment.cautions)
        ),
        requirements=tuple(
            resolver.text(f"{base}/requirements/{n}", r.text)
            for n, r in enumerate(treatment.requirements)
        ),
        evidence=tuple(
            EvidenceOut(
                claim=claim.field,
                block=claim.block,
                quote=_evidence_quote(
                    resolver.text(claim.context, claim.quote),
                    claim.quote,
                    cited.get(claim.block, []),
                    catalogs,
                ),
                cites=claim.cites,
            )
            for claim in every
        ),
        article=treatment.article,
        section=treatment.section,
        fallback_reason="safety-text-untranslated" if safe_from is not None else None,
        references=_cited(references, {ref for claim in every for ref in claim.cites}),
    )


def _safety_first(
    article: Article, section: Section, resolver: _Resolver
) -> tuple[_Resolver, str | None]:
    """The safety rule for one section: the resolver its own text is served through, and
    the locale the whole section falls back to when its safety-bearing text is not all
    translated for the reader (None when it is)."""
    prefix = section_context(article, section)
    safety = [
        (f"{prefix}/{suffix}", text)
        for block in section.blocks
        if is_safety(block)
        for suffix, text in block_fields(block)
    ]
    safe_from = resolver.covering(safety)
    return (resolver.starting_at(safe_from) if safe_from is not None else resolver), safe_from


class ServedIn(NamedTuple):
    """Where readers of one locale get one message of an article from."""

    locale: str
    """The locale its text is served in (the reader's own, or a fallback)."""
    whole_section: str | None = None
    """The section the safety rule serves whole from `locale` (its safety-bearing text is
    not all translated for the reader), when that is why; None when the message falls
    back on its own, or not at all."""


def served_in(article: Article, locale: str, catalogs: Catalogs) -> dict[str, ServedIn]:
    """Per message context of `article`: the locale readers of `locale` get it in, decided
    by the same resolver and safety rule as `render_article` (not a copy of them)."""
    resolver = _Resolver(regional_language(locale) or locale, catalogs)
    title = resolver.text(f"{article.slug}/title", article.title)
    out = {f"{article.slug}/title": ServedIn(title.locale)}
    for n, about in enumerate(article.about):
        context = f"{article.slug}/about-{n}"
        out[context] = ServedIn(resolver.text(context, about.name).locale)
    pending = list(article.sections)
    while pending:
        section = pending.pop(0)
        pending[:0] = section.sections
        own, safe_from = _safety_first(article, section, resolver)
        whole = section.id if safe_from is not None else None
        prefix = section_context(article, section)
        if section.heading:
            heading = own.text(f"{prefix}/heading", section.heading)
            out[f"{prefix}/heading"] = ServedIn(heading.locale, whole)
        for block in section.blocks:
            fields = [(f"{prefix}/{suffix}", text) for suffix, text in block_fields(block)]
            if fields:
                _, tag = own.pick(fields)
                out.update((context, ServedIn(tag, whole)) for context, _ in fields)
    return out


def _section(
    article: Article, section: Section, resolver: _Resolver, treatments: Mapping[str, Treatment]
) -> SectionOut:
    prefix = section_context(article, section)
    own, safe_from = _safety_first(article, section, resolver)
    return SectionOut(
        id=section.id,
        heading=own.text(f"{prefix}/heading", section.heading) if section.heading else None,
        blocks=tuple(_block(prefix, b, own, treatments) for b in section.blocks),
        # Children decide for themselves: each is a section with its own safety text.
        sections=tuple(_section(article, s, resolver, treatments) for s in section.sections),
        fallback_reason="safety-text-untranslated" if safe_from is not None else None,
    )


def _fact(block: Fact, resolver: _Resolver) -> FactOut:
    """A fact is served whole from one locale: its display template (the cost-basis
    phrase, when it has one) and its number formatting come from the same locale."""
    tag = resolver.home
    phrases: dict[str, str] = {}
    if block.currency is not None and block.per is not None:
        # gettext's own key: msgctxt, EOT, msgid.
        key = cost_basis_phrases(lambda context, text: f"{context}\x04{text}")[block.per]
        context, _, source = key.partition("\x04")
        (phrase,), tag = resolver.pick([(context, source)])
        phrases[block.per] = phrase
    return FactOut(
        id=block.id,
        kind=block.kind,
        min=block.min,
        max=block.max,
        unit=block.unit,
        currency=block.currency,
        per=block.per,
        treatment=block.treatment,
        # Figures in the reader's full locale (es-MX) when the phrase is their language's.
        display=format_fact(
            block, babel_locale(resolver.formats if tag == resolver.home else tag), phrases
        ),
        locale=tag,
        fallback=is_fallback(tag, resolver.locale),
    )


def _block(
    prefix: str, block: Block, resolver: _Resolver, treatments: Mapping[str, Treatment]
) -> BlockOut:
    if isinstance(block, Fact):
        return _fact(block, resolver)
    if isinstance(block, TreatmentRef):
        treatment = treatments[block.treatment]
        name = resolver.text(f"treatment/{treatment.id}/name", treatment.name)
        return TreatmentRefOut(
            id=block.id,
            treatment=block.treatment,
            name=name.text,
            locale=name.locale,
            fallback=name.fallback,
        )
    fields = [(f"{prefix}/{suffix}", text) for suffix, text in block_fields(block)]
    texts, tag = resolver.pick(fields)
    fallback = tag != resolver.locale
    if isinstance(block, Faq):
        return FaqOut(
            id=block.id,
            question=texts[0],
            answer=texts[1],
            safety=block.safety,
            locale=tag,
            fallback=fallback,
            cites=block.cites,
        )
    if isinstance(block, Callout):
        return CalloutOut(
            id=block.id,
            kind=block.kind,
            text=texts[0],
            safety=block.safety,
            locale=tag,
            fallback=fallback,
            cites=block.cites,
        )
    assert isinstance(block, Paragraph)
    return ParagraphOut(
        id=block.id,
        text=texts[0],
        safety=block.safety,
        locale=tag,
        fallback=fallback,
        cites=block.cites,
    )
