"""Locale-aware display strings for facts (ranges of durations and money), via Babel/CLDR."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache, lru_cache

from babel import Locale
from babel.numbers import NumberPattern, format_currency, format_decimal

from api.core.model import Fact

__all__ = ["FORMATTED_CONTEXTS", "Pgettext", "cost_basis_phrases", "format_fact"]

Pgettext = Callable[[str, str], str]
_RANGE_DASH = "–"  # CLDR's range pattern "{0}–{1}" is the en dash in every locale we ship


def cost_basis_phrases(pgettext: Pgettext) -> dict[str, str]:
    """The phrases that attach a cost basis to a formatted range, translated.

    Written as literal `pgettext` calls so `pybabel extract` finds them.
    """
    return {
        # translators: {range} is a formatted money range such as "$3,000–$10,000"
        "plan": pgettext("fact/per", "{range} per plan"),
        # translators: {range} is a formatted money range such as "$500–$2,500"
        "appointment": pgettext("fact/per", "{range} per appointment"),
        # translators: {range} is a formatted money range
        "session": pgettext("fact/per", "{range} per session"),
    }


# Below the phrases, so their line numbers (in every catalog's `#:` comments) stay put.
FORMATTED_CONTEXTS = frozenset({"fact/per"})
"""The msgctxt of messages that are format strings (`str.format` fills them in)."""


def format_fact(fact: Fact, locale: Locale, per_phrases: dict[str, str]) -> str:
    """The display string of a fact in `locale`, e.g. "3–6 meses" or "$500–$2,500 per plan"."""
    if fact.kind == "duration" and fact.unit is not None:
        return _format_duration(fact.min, fact.max, fact.unit, locale)
    if fact.currency is None:
        raise ValueError(f"fact {fact.id!r} has neither unit nor currency")
    text = _format_money_range(fact.min, fact.max, fact.currency, locale)
    if fact.per is not None:
        text = per_phrases[fact.per].format(range=text)
    return text


# The same ranges recur across articles and versions, and Babel takes ~100 µs for one:
# a large import renders 20,000 facts per locale from a few hundred distinct ranges.
@lru_cache(maxsize=4096, typed=True)
def _format_duration(low: float, high: float, unit: str, locale: Locale) -> str:
    numbers = format_decimal(high, locale=locale)
    single = low == high
    if not single:
        numbers = format_decimal(low, locale=locale) + _RANGE_DASH + numbers
    # CLDR's plural ranges resolve to the category of the upper bound for our locales.
    plural = locale.plural_form(high)
    return _unit_pattern(locale, f"duration-{unit}", plural, single).format(numbers)


@cache
def _unit_pattern(locale: Locale, unit: str, plural: str, single: bool) -> str:
    # Babel has no public API for a unit pattern with a pre-formatted range, and some
    # locales (e.g. ar) only carry the short form of a unit, so fall through lengths.
    # Arabic's "one" and "two" forms carry no number ("شهر", a month; "شهران", two
    # months): right for one figure, while a range takes the same length's "other" form.
    patterns = locale._data["unit_patterns"][unit]
    for length in ("long", "short", "narrow"):
        forms = patterns.get(length, {})
        pattern = forms.get(plural) or forms.get("other")
        if pattern and ("{0}" in pattern or single):
            return str(pattern)
        other = forms.get("other")
        if other and "{0}" in other:
            return str(other)
    return "{0} " + unit.removeprefix("duration-")


@lru_cache(maxsize=4096, typed=True)
def _format_money_range(low: float, high: float, currency: str, locale: Locale) -> str:
    pattern = _whole_currency_pattern(locale)
    return _RANGE_DASH.join(
        format_currency(value, currency, format=pattern, locale=locale, currency_digits=False)
        for value in (low, high)
    )


@cache
def _whole_currency_pattern(locale: Locale) -> NumberPattern:
    # The figures in the text are whole amounts: keep the locale's pattern, drop the cents.
    pattern: NumberPattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return pattern
