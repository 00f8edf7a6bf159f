"""What readers get, said before it happens (workspace walk finding 10): the review's
impact per locale comes from the renderer's own rule (`served_in`), so it names the whole
section when a safety-bearing block loses its translation; and a translated evidence quote
is served only where its block's translation holds it.

The catalogs are the shipped Spanish ones compiled by Babel and read back by gettext (see
`tests.core.test_safety_gating`)."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from api.core.changes import locale_impact
from api.core.messages import block_fields, section_context
from api.core.model import Article, Block, Paragraph, Section, walk_sections
from api.core.output import SectionOut, VersionInfo
from api.core.render import render_article, render_treatment, served_in
from api.sources import ContentSet
from tests.core.test_safety_gating import compiled_catalog


@pytest.fixture(scope="module")
def spanish() -> dict[tuple[str, str], str]:
    return compiled_catalog("es")


def _swap(sections: tuple[Section, ...], old: Block, new: Block) -> tuple[Section, ...]:
    return tuple(
        replace(
            s,
            blocks=tuple(new if b is old else b for b in s.blocks),
            sections=_swap(s.sections, old, new),
        )
        for s in sections
    )


def _reworded(article: Article, safety: bool) -> tuple[Article, str, str]:
    """`article` with its first paragraph of the wanted kind reworded: the article, the
    section and the message context changed."""
    for section in walk_sections(article.sections):
        for block in section.blocks:
            if isinstance(block, Paragraph) and block.safety == safety:
                changed = replace(block, text=block.text + " Reworded.")
                new = replace(article, sections=_swap(article.sections, block, changed))
                return new, section.id, f"{section_context(article, section)}/{block.id}"
    raise AssertionError("no such paragraph")


@pytest.mark.parametrize("safety", [True, False])
def test_the_impact_says_what_the_renderer_serves(
    content: ContentSet, spanish: dict[tuple[str, str], str], safety: bool
) -> None:
    (article,) = content.articles
    catalogs = {"es": spanish}
    new, section, context = _reworded(article, safety)
    (impact,) = locale_impact(article, new, ["es"], catalogs)
    assert context in impact.loses_translation
    (got,) = [r for r in impact.readers_get if r.context == context]
    assert got.locale == "en"
    # The renderer, after publishing: the section whole in English for safety text, else
    # only the block.
    info = VersionInfo(number=2, content_hash="sha256:x", published_at="2026-12-08T00:00:00Z")
    rendered = render_article(new, info, "es", catalogs, content.treatments)
    out = {s.id: s for s in _walk(rendered.sections)}[section]
    if safety:
        assert got.whole_section == section
        assert out.fallback_reason == "safety-text-untranslated"
    else:
        assert got.whole_section is None
        was = render_article(article, info, "es", catalogs, content.treatments)
        before = {s.id: s for s in _walk(was.sections)}[section]
        assert out.fallback_reason == before.fallback_reason


def _walk(sections: tuple[SectionOut, ...]) -> list[SectionOut]:
    out: list[SectionOut] = []
    for section in sections:
        out.append(section)
        out.extend(_walk(section.sections))
    return out


def test_served_in_agrees_with_every_rendered_block(
    content: ContentSet, spanish: dict[tuple[str, str], str]
) -> None:
    (article,) = content.articles
    catalogs = {"es": spanish}
    served = served_in(article, "es", catalogs)
    info = VersionInfo(number=1, content_hash="sha256:x", published_at="2026-12-08T00:00:00Z")
    rendered = render_article(article, info, "es", catalogs, content.treatments)
    checked = 0
    for section in _walk(rendered.sections):
        prefix = f"{article.slug}/{section.id}"
        whole = section.id if section.fallback_reason else None
        for block in section.blocks:
            own = f"{prefix}/{block.id}"
            keys = [k for k in served if k == own or k.startswith(own + "/")]
            for key in keys:
                assert (served[key].locale, served[key].whole_section) == (block.locale, whole)
                checked += 1
    assert checked > 50


def test_a_translated_quote_its_block_no_longer_holds_is_served_in_english(
    content: ContentSet, spanish: dict[tuple[str, str], str]
) -> None:
    (article,) = content.articles
    record = next(t for t in content.treatments.treatments if t.id == "prp")
    (claim,) = [f for f in record.forms if f.form == "injection"]
    block = f"{article.slug}/{claim.evidence.block}"
    (source,) = [
        text
        for section in walk_sections(article.sections)
        for b in section.blocks
        if f"{section.id}/{b.id}" == claim.evidence.block
        for _, text in block_fields(b)
    ]
    quote = spanish[("treatment/prp/forms/injection/evidence", claim.evidence.quote)]

    def evidence(catalog: dict[tuple[str, str], str]) -> dict[str, object]:
        out = render_treatment(record, "es", {"es": catalog}, article.references, article)
        (found,) = [e for e in out.evidence if e.claim == "forms/injection"]
        return {"text": found.quote.text, "locale": found.quote.locale}

    assert quote in spanish[(block, source)]
    assert evidence(spanish) == {"text": quote, "locale": "es"}
    fixed = dict(spanish)
    fixed[(block, source)] = spanish[(block, source)].replace(quote, "otras palabras")
    assert evidence(fixed) == {"text": claim.evidence.quote, "locale": "en"}
    # A capital at the quote's start is not a difference.
    capital = dict(spanish)
    capital[(block, source)] = spanish[(block, source)].replace(quote, quote[0].upper() + quote[1:])
    assert evidence(capital) == {"text": quote, "locale": "es"}
