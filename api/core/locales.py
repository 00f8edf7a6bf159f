"""Locale metadata from CLDR: names, text direction and fallback chain."""

from __future__ import annotations

from typing import Literal

import msgspec
from babel import Locale

from api.core.negotiation import locale_chain

__all__ = [
    "LocaleInfo",
    "TextDirection",
    "babel_locale",
    "describe_locale",
    "text_direction",
]

TextDirection = Literal["ltr", "rtl"]


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


def text_direction(code: str) -> TextDirection:
    """Whether text in the locale `code` runs left to right or right to left (CLDR)."""
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
