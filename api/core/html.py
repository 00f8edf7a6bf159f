"""A rendered article as a semantic, unstyled HTML document, for partners who embed rather
than render JSON: `lang` and `dir` on the document and on every text in another language
(fallback marks), sections as nested `section` elements, the article's JSON-LD in its
head. Pure: made at publish time from the same rendered article the JSON is."""

from __future__ import annotations

from html import escape

import msgspec

from api.core.locales import text_direction
from api.core.model import Reference
from api.core.output import (
    ArticleOut,
    BlockOut,
    CalloutOut,
    FactOut,
    FaqOut,
    ParagraphOut,
    SectionOut,
    TreatmentRefOut,
)

__all__ = ["HTML_MEDIA_TYPE", "article_html"]

HTML_MEDIA_TYPE = "text/html"
_encode = msgspec.json.Encoder().encode


def article_html(article: ArticleOut, jsonld: object) -> bytes:
    """The whole HTML document of `article` (one locale, one version), with `jsonld`
    embedded as `application/ld+json`."""
    ld = _encode(jsonld).decode().replace("</", "<\\/")  # never ends the script element
    cites = {ref.id: n for n, ref in enumerate(article.references, start=1)}
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_attr(article.locale)}" dir="{article.dir}">',
        '<head><meta charset="utf-8">',
        f"<title{_lang(article, article.title.locale)}>{escape(article.title.text)}</title>",
        f'<script type="application/ld+json">{ld}</script>',
        "</head>",
        "<body>",
        f'<article data-slug="{_attr(article.slug)}" data-version="{article.version}">',
        "<header>",
        f"<h1{_marks(article, article.title.locale, article.title.fallback)}>"
        f"{escape(article.title.text)}</h1>",
        _review(article),
        "</header>",
        *(_section(article, section, 2, cites) for section in article.sections),
        _references(article.references),
        "</article>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(p for p in parts if p).encode()


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _lang(article: ArticleOut, locale: str) -> str:
    """`lang` (and `dir` where it differs) for text in `locale` inside `article`."""
    if locale == article.locale:
        return ""
    direction = text_direction(locale)
    shown = f' lang="{_attr(locale)}"'
    return shown + (f' dir="{direction}"' if direction != article.dir else "")


def _marks(article: ArticleOut, locale: str, fallback: bool, classes: str = "") -> str:
    """The attributes of an element holding text: its language when not the article's,
    and a fallback mark (class `fallback`, `data-fallback` naming the language)."""
    names = classes.split() + (["fallback"] if fallback else [])
    out = _lang(article, locale)
    if fallback:
        out += f' data-fallback="{_attr(locale)}"'
    if names:
        out += f' class="{" ".join(names)}"'
    return out


def _review(article: ArticleOut) -> str:
    review = article.review
    if review is None:
        return ""
    who = review.reviewed_by
    name = escape(who.name) + (f", {escape(who.credentials)}" if who.credentials else "")
    return (
        f'<p class="review" data-status="{_attr(review.review_status)}">'
        f'<span class="reviewed-by">{name}</span> '
        f'<time class="last-reviewed" datetime="{_attr(review.last_reviewed)}">'
        f"{escape(review.last_reviewed)}</time></p>"
    )


def _cited(cites: tuple[str, ...], numbers: dict[str, int]) -> str:
    links = [f'<a href="#ref-{_attr(c)}">[{numbers[c]}]</a>' for c in cites if c in numbers]
    return f'<sup class="cites">{"".join(links)}</sup>' if links else ""


def _section(article: ArticleOut, section: SectionOut, level: int, cites: dict[str, int]) -> str:
    heading = ""
    if section.heading is not None:
        h = min(level, 6)
        marks = _marks(article, section.heading.locale, section.heading.fallback)
        heading = f"<h{h}{marks}>{escape(section.heading.text)}</h{h}>"
    reason = (
        f' data-fallback-reason="{_attr(section.fallback_reason)}"'
        if section.fallback_reason
        else ""
    )
    inner = [_block(article, block, cites) for block in section.blocks]
    inner += [_section(article, sub, level + 1, cites) for sub in section.sections]
    body = "\n".join(part for part in [heading, *inner] if part)
    return f'<section id="{_attr(section.id)}"{reason}>\n{body}\n</section>'


def _block(article: ArticleOut, block: BlockOut, cites: dict[str, int]) -> str:
    safety = "safety" if getattr(block, "safety", False) else ""
    if isinstance(block, ParagraphOut):
        marks = _marks(article, block.locale, block.fallback, safety)
        return f"<p{marks}>{escape(block.text)}{_cited(block.cites, cites)}</p>"
    if isinstance(block, FaqOut):
        marks = _marks(article, block.locale, block.fallback, f"faq {safety}")
        return (
            f"<details{marks}><summary>{escape(block.question)}</summary>"
            f"<p>{escape(block.answer)}{_cited(block.cites, cites)}</p></details>"
        )
    if isinstance(block, CalloutOut):
        marks = _marks(article, block.locale, block.fallback, f"callout {block.kind} {safety}")
        return (
            f'<aside role="note" data-kind="{_attr(block.kind)}"{marks}>'
            f"<p>{escape(block.text)}{_cited(block.cites, cites)}</p></aside>"
        )
    if isinstance(block, FactOut):
        marks = _marks(article, block.locale, block.fallback, f"fact {block.kind}")
        value = f"{block.min}" if block.min == block.max else f"{block.min}/{block.max}"
        return f'<p{marks}><data value="{_attr(value)}">{escape(block.display)}</data></p>'
    if isinstance(block, TreatmentRefOut):
        marks = _marks(article, block.locale, block.fallback, "treatment-ref")
        href = f"/v1/treatments/{block.treatment}?locale={article.locale}"
        return f'<p{marks}><a href="{_attr(href)}">{escape(block.name)}</a></p>'
    return ""  # a block type this renderer does not know: left out, never half-shown


def _references(references: tuple[Reference, ...]) -> str:
    if not references:
        return ""
    items = []
    for ref in references:
        who = ", ".join(ref.authors) if ref.authors else (ref.publisher or "")
        parts = [escape(who)] if who else []
        title = escape(ref.title)
        link = ref.url or (f"https://doi.org/{ref.doi}" if ref.doi else None)
        parts.append(
            f'<cite><a href="{_attr(link)}">{title}</a></cite>' if link else f"<cite>{title}</cite>"
        )
        if ref.publisher and ref.authors:
            parts.append(escape(ref.publisher))
        if ref.published:
            parts.append(f'<time datetime="{_attr(ref.published)}">{escape(ref.published)}</time>')
        text = "".join(
            part if n == 0 else ("" if parts[n - 1].endswith(".") else ".") + " " + part
            for n, part in enumerate(parts)
        )
        items.append(f'<li id="ref-{_attr(ref.id)}">{text}</li>')
    return '<footer><ol class="references">\n' + "\n".join(items) + "\n</ol></footer>"
