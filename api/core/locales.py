"""Locale metadata from CLDR: names, text direction and fallback chain."""

from __future__ import annotations

import msgspec
from babel import Locale

from api.core.negotiation import locale_chain

__all__ = ["LocaleInfo", "babel_locale", "describe_locale"]


class LocaleInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a client needs to know to present a locale."""

    code: str
    english_name: str
    native_name: str
    dir: str
    fallback: tuple[str, ...]
    completeness: dict[str, float] = msgspec.field(default_factory=dict)


def babel_locale(code: str) -> Locale:
    """The Babel Locale of a BCP 47 code we serve."""
    return Locale.parse(code, sep="-")


def describe_locale(code: str, completeness: dict[str, float]) -> LocaleInfo:
    """CLDR facts about `code` plus its translation completeness per article."""
    locale = babel_locale(code)
    return LocaleInfo(
        code=code,
        english_name=locale.english_name or code,
        native_name=locale.display_name or code,
        dir=locale.text_direction,
        fallback=locale_chain(code)[1:],
        completeness=completeness,
    )
