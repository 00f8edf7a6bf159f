"""How the article lists are paged, filtered and searched: the words a title is found by,
the words of a query, and the bounds of a page. Pure: the store keeps one row per article
and locale, and one per word of its title, so a page costs the same at 10 articles as at
10,000 (see `api.store.listing`)."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

import msgspec

from api.core.errors import InvalidParameter

__all__ = [
    "DEFAULT_PAGE",
    "MAX_PAGE",
    "MAX_QUERY_WORDS",
    "ListQuery",
    "query_words",
    "title_words",
]

DEFAULT_PAGE = 50
MAX_PAGE = 200
MAX_QUERY_WORDS = 8
"""A query of more words than this keeps its first ones: each word is one more index probe
per article of the page."""

_WORD = re.compile(r"\w+")
_MARKS = frozenset({"Mn", "Me", "Cf"})


def _fold(text: str) -> str:
    """Case and accents ignored (`Células` ~ `celulas`); Arabic short vowels and tatweel
    dropped with them (they are combining marks, tatweel a modifier letter)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in _MARKS)
    return unicodedata.normalize("NFC", kept.replace("\u0640", ""))


def title_words(title: str, slug: str) -> frozenset[str]:
    """Every word an article is found by in one locale: its title's as readers of that
    locale get it, and its slug's (what editors call it), folded."""
    return frozenset(_WORD.findall(_fold(title))) | frozenset(slug.split("-"))


def query_words(query: str) -> tuple[str, ...]:
    """The words of a search, folded, each once, in the order given: an article matches
    when its title or slug has every one. A query with no word in it (only spaces,
    punctuation or invisible characters) is refused as `/v1/search` refuses it, rather
    than read as no filter at all."""
    words = tuple(dict.fromkeys(_WORD.findall(_fold(query))))
    if not words:
        raise InvalidParameter("q", "must contain a letter or digit to search for")
    return words[:MAX_QUERY_WORDS]


class ListQuery(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a list: after which slug (the cursor), how many, which review status
    and which words (none: every article)."""

    after: str | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE
    review_status: str | None = None
    """`current`, `due-soon` or `overdue` (see `ReviewStatus`)."""
    words: tuple[str, ...] = ()
