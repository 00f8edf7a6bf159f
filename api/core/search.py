"""Full-text search, the pure part: what text a locale's index holds, how a reader's query
becomes a safe FTS5 expression, and the wire types of a result page.

User input never reaches FTS5 as syntax: every word becomes a quoted string, so operators
(`AND`, `NEAR(`, `*`, `^`, `:`, `-`, parentheses, quotes) are searched as plain words or
dropped as punctuation.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from api.core.errors import InvalidParameter
from api.core.output import (
    ArticleOut,
    BlockOut,
    CalloutOut,
    FaqOut,
    ParagraphOut,
    SectionOut,
    TreatmentOut,
)
from api.core.text import nfc

__all__ = [
    "DEFAULT_LIMIT",
    "ELLIPSIS",
    "MARK_CLOSE",
    "MARK_OPEN",
    "MAX_LIMIT",
    "MAX_QUERY",
    "BlockSpan",
    "RecordHit",
    "SearchHit",
    "SearchResults",
    "SectionLayout",
    "SectionText",
    "Span",
    "fold",
    "match_expression",
    "parse_snippet",
    "record_text",
    "section_texts",
]

MAX_QUERY = 200
MAX_TERMS = 16
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
# Private-use code points never occur in content (fold() removes them), so they can mark
# matches inside FTS5 snippets unambiguously; the reader gets plain text plus offsets.
MARK_OPEN = "\ue000"
MARK_CLOSE = "\ue001"
ELLIPSIS = "…"

# Arabic harakat (short vowels, shadda, sukun, tanwin), superscript alef, Quranic marks and
# tatweel: optional in written Arabic, and FTS5's unicode61 tokenizer treats the marks as
# word separators (`يُحدث` would index as `ي` + `حدث`), so they are removed before indexing
# and from queries alike. Letters (hamza forms, ta marbuta) are kept: folding them would
# change the spelling readers see in snippets.
_DROP = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640\ue000\ue001]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Span(msgspec.Struct, frozen=True, kw_only=True):
    """A highlighted match: `snippet[start:end]`, in Unicode code points, end exclusive."""

    start: Annotated[int, msgspec.Meta(ge=0, description="First code point of the match.")]
    end: Annotated[int, msgspec.Meta(ge=0, description="Code point just after the match.")]


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    """One matching section of the latest published version of an article."""

    slug: str
    version: Annotated[int, msgspec.Meta(description="The published version searched.")]
    section_id: str
    heading: str | None
    block_id: Annotated[
        str | None,
        msgspec.Meta(description="The block of the snippet's first match; null for a heading."),
    ]
    locale: Annotated[str, msgspec.Meta(description="The locale the snippet's text is in.")]
    fallback: Annotated[
        bool,
        msgspec.Meta(description="True when that text is a fallback, not the response locale."),
    ]
    snippet: Annotated[
        str,
        msgspec.Meta(description="Plain text around the best matches, `…` where cut; no markup."),
    ]
    highlights: Annotated[
        tuple[Span, ...], msgspec.Meta(description="Where the matches are in `snippet`.")
    ]


class SearchResults(msgspec.Struct, frozen=True, kw_only=True):
    """A page of search results, best first."""

    query: str
    locale: str
    results: tuple[SearchHit, ...]


class RecordHit(msgspec.Struct, frozen=True, kw_only=True):
    """A treatment record whose claims, in one locale, contain every word searched."""

    id: str
    name: str
    article: str
    section: str
    locale: str
    snippet: str
    highlights: tuple[Span, ...]


class BlockSpan(msgspec.Struct, frozen=True, array_like=True):
    """Where one block's text sits in its section's indexed body, and its locale."""

    id: str
    start: int
    end: int
    locale: str


class SectionLayout(msgspec.Struct, frozen=True, kw_only=True):
    """What the index keeps beside a section's text to say where a match came from."""

    heading_locale: str | None
    blocks: tuple[BlockSpan, ...]


class SectionText(msgspec.Struct, frozen=True, kw_only=True):
    """The searchable text of one section (its own blocks, not its children's)."""

    section: str
    heading: str | None
    body: str
    layout: SectionLayout


def fold(text: str) -> str:
    """Text as the index and queries see it: NFC, without Arabic diacritics or markers."""
    if text.isascii():
        return text  # nothing to drop, and already NFC
    return _DROP.sub("", nfc(text))


def _block_text(block: BlockOut) -> str | None:
    # Prose only: a fact's display ("1–3 hours") repeats its paragraph, and a treatment
    # reference's name repeats its section heading.
    if isinstance(block, FaqOut):
        return f"{block.question}\n{block.answer}"
    if isinstance(block, ParagraphOut | CalloutOut):
        return block.text
    return None


def section_texts(rendered: ArticleOut) -> list[SectionText]:
    """Every section of a rendered article as the reader of that locale gets it, fallback
    blocks included (an Arabic reader is served, and so finds, English fallback text)."""
    out: list[SectionText] = []
    pending: list[SectionOut] = list(rendered.sections)
    while pending:
        section = pending.pop(0)
        parts: list[str] = []
        spans: list[BlockSpan] = []
        offset = 0
        for block in section.blocks:
            raw = _block_text(block)
            if raw is None:
                continue
            text = fold(raw)
            spans.append(BlockSpan(block.id, offset, offset + len(text), block.locale))
            parts.append(text)
            offset += len(text) + 1
        heading = section.heading
        out.append(
            SectionText(
                section=section.id,
                heading=fold(heading.text) if heading else None,
                body="\n".join(parts),
                layout=SectionLayout(
                    heading_locale=heading.locale if heading else None, blocks=tuple(spans)
                ),
            )
        )
        pending.extend(section.sections)
    return out


def record_text(record: TreatmentOut) -> str:
    """What a treatment record claims, one claim a line, as its locale's readers get it:
    kind and forms, each regulatory status with its forms and statement, how and for whom
    each form is used, audiences, suitability, cautions and requirements. Evidence quotes
    are left out: they repeat the article's text, which is searched as the article."""
    lines = [f"{record.kind}: {', '.join(record.forms)}"]
    for regulation in record.regulatory:
        forms = f" ({', '.join(regulation.forms)})" if regulation.forms else ""
        lines.append(f"{regulation.status}{forms}: {regulation.statement.text}")
    for form in record.form_details:
        said = [t.text for t in (form.qualifier, form.condition) if t is not None]
        if said:
            lines.append(f"{form.form}: {'; '.join(said)}")
    if record.audience:
        lines.append(", ".join(record.audience))
    if record.suitable_for:
        lines.append(record.suitable_for.text)
    for caution in record.cautions:
        lines.append(caution.statement.text)
        if caution.reason:
            lines.append(caution.reason.text)
    lines.extend(r.text for r in record.requirements)
    return fold("\n".join(lines))


def match_expression(query: str) -> str:
    """A safe FTS5 MATCH expression for a reader's query, or InvalidParameter("q", ...).

    Words are ANDed, each a quoted string (`"` doubled inside); the last one also matches
    as a prefix, so results come while the reader is still typing.
    """
    if len(query) > MAX_QUERY:
        raise InvalidParameter("q", f"must be at most {MAX_QUERY} characters")
    if not query.strip():
        raise InvalidParameter("q", "must contain a word to search for")
    words = [w for w in fold(_CONTROL.sub(" ", query)).split() if any(c.isalnum() for c in w)][
        :MAX_TERMS
    ]
    if not words:
        raise InvalidParameter("q", "must contain a letter or digit to search for")
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    return " ".join(quoted) + "*"


def parse_snippet(marked: str) -> tuple[str, tuple[Span, ...]]:
    """Plain snippet text and its highlighted spans, from an FTS5 snippet with our markers."""
    plain: list[str] = []
    spans: list[Span] = []
    start = 0
    length = 0
    for char in marked:
        if char == MARK_OPEN:
            start = length
        elif char == MARK_CLOSE:
            spans.append(Span(start=start, end=length))
        else:
            plain.append(" " if char == "\n" else char)
            length += 1
    return "".join(plain), tuple(spans)
