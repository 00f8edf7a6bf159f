"""Locale metadata from CLDR: names, text direction and fallback chain."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import msgspec
from babel import Locale

from api.core.negotiation import locale_chain

__all__ = [
    "REGIONAL_FORMATS",
    "LocaleInfo",
    "TextDirection",
    "babel_locale",
    "describe_locale",
    "is_fallback",
    "regional_language",
    "served_locales",
    "text_direction",
]

TextDirection = Literal["ltr", "rtl"]

REGIONAL_FORMATS: tuple[str, ...] = ("es-MX", "fr-CA")
"""Regional locales served as their own documents whenever their language is: the text of
the language's catalog (es, fr), its figures formatted in the region's own way (Mexico writes
US$3,000, not Spain's 3.000 US$; Quebec 3 000 $ US). Each costs one more set of rendered
documents per publish; a region whose numbers read as its language's needs no entry (ar-EG:
Latin digits, as the Arabic documents have them)."""


def regional_language(code: str) -> str | None:
    """The language whose text a regional locale of `REGIONAL_FORMATS` is served in."""
    return locale_chain(code)[-2] if code in REGIONAL_FORMATS else None


def is_fallback(text_locale: str, reader: str) -> bool:
    """Whether text in `text_locale` is a fallback for a reader of `reader`: it is not when
    it is the reader's locale, or the language a regional locale (`REGIONAL_FORMATS`) is
    served in (an es-MX reader's Spanish text is theirs, not a fallback). The one rule for
    the `fallback` flag of documents and search results alike."""
    return text_locale not in (reader, regional_language(reader))


def served_locales(languages: list[str]) -> list[str]:
    """The locales documents are rendered in: the languages with reviewed translations, and
    the regional locales of those languages."""
    regional = [code for code in REGIONAL_FORMATS if regional_language(code) in languages]
    return sorted({*languages, *regional})


class LocaleInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a client needs to know to present a locale."""

    code: str
    english_name: str
    native_name: str
    dir: TextDirection
    fallback: tuple[str, ...]
    completeness: dict[str, float] = msgspec.field(default_factory=dict)
    safety_coverage: dict[str, float] = msgspec.field(default_factory=dict)
    """Per article, the share of its safety-bearing messages translated in this locale: a
    section reaches readers in this locale only once all of its safety text is."""


def babel_locale(code: str) -> Locale:
    """The Babel Locale of a BCP 47 code we serve."""
    return Locale.parse(code, sep="-")


@lru_cache(maxsize=64)
def text_direction(code: str) -> TextDirection:
    """Whether text in the locale `code` runs left to right or right to left (CLDR).
    The last codes asked are remembered: the HTML of one article asks at every block
    (parsing the locale each time was a tenth of an import's rendering)."""
    return "rtl" if babel_locale(code).text_direction == "rtl" else "ltr"


def describe_locale(
    code: str, completeness: dict[str, float], safety_coverage: dict[str, float] | None = None
) -> LocaleInfo:
    """CLDR facts about `code` plus its translation completeness and safety coverage per
    article."""
    locale = babel_locale(code)
    return LocaleInfo(
        code=code,
        english_name=locale.english_name or code,
        native_name=locale.display_name or code,
        dir=text_direction(code),
        fallback=locale_chain(code)[1:],
        completeness=completeness,
        safety_coverage=safety_coverage or {},
    )
