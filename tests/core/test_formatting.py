"""Fact display strings are formatted with CLDR data for the response locale."""

from __future__ import annotations

import msgspec
import pytest

from api.core.formatting import cost_basis_phrases, format_fact
from api.core.locales import babel_locale
from api.core.model import MAX_FIGURE, Fact

MONTHS = Fact(id="first-growth", kind="duration", min=3, max=6, unit="month")
YEARISH = Fact(id="full-results", kind="duration", min=9, max=12, unit="month")
HOURS = Fact(id="session", kind="duration", min=1, max=3, unit="hour")
PLAN = Fact(id="plan", kind="cost", min=3000, max=10000, currency="USD", per="plan")


def identity(context: str, source: str) -> str:
    return source


@pytest.mark.parametrize(
    ("fact", "locale", "display"),
    [
        (MONTHS, "en", "3–6 months"),
        (MONTHS, "es", "3–6 meses"),
        (MONTHS, "fr", "3–6\xa0mois"),
        (MONTHS, "ar", "3–6 أشهر"),
        (YEARISH, "ar", "9–12 شهرًا"),
        (HOURS, "en", "1–3 hours"),
        (HOURS, "es", "1–3 horas"),
        (HOURS, "ar", "1–3 ساعات"),
        (PLAN, "en", "$3,000–$10,000 per plan"),
        (PLAN, "es", "3.000\xa0US$–10.000\xa0US$ per plan"),
    ],
)
def test_display_strings(fact: Fact, locale: str, display: str) -> None:
    assert format_fact(fact, babel_locale(locale), cost_basis_phrases(identity)) == display


@pytest.mark.parametrize(
    ("low", "high", "display"),
    [(1, 1, "شهر"), (2, 2, "شهران"), (1, 2, "1–2 شهر"), (0, 1, "0–1 شهر"), (3, 3, "3 أشهر")],
)
def test_arabic_forms_without_a_number_are_used_for_one_figure_only(
    low: float, high: float, display: str
) -> None:
    """CLDR's Arabic "one" and "two" month forms have no number; a range keeps its figures
    through the "other" form, and no English unit name is ever left in the text."""
    fact = Fact(id="wait", kind="duration", min=low, max=high, unit="month")
    assert format_fact(fact, babel_locale("ar"), cost_basis_phrases(identity)) == display


def test_no_english_unit_name_in_arabic() -> None:
    phrases = cost_basis_phrases(identity)
    for unit in ("minute", "hour", "day", "week", "month", "year"):
        for low, high in ((0, 0), (1, 1), (2, 2), (1, 2), (3, 10), (11, 11), (0.5, 100)):
            fact = Fact(id="wait", kind="duration", min=low, max=high, unit=unit)
            text = format_fact(fact, babel_locale("ar"), phrases)
            assert not any("a" <= c.lower() <= "z" for c in text), (low, high, text)


def test_cost_basis_comes_from_the_catalog() -> None:
    phrases = cost_basis_phrases(lambda context, source: source.replace("per plan", "por plan"))
    assert format_fact(PLAN, babel_locale("es"), phrases).endswith(" por plan")


SHIPPED = ("en", "es", "fr", "ar")
# Other digits, scripts, grouping and currency placement CLDR knows.
CLDR_SAMPLE = ("de", "hi", "ja", "zh-Hant-TW", "he", "fa", "my", "th", "bn", "ru", "sw")
BOUNDS = (0, 1, 0.5, 2.75, MAX_FIGURE, float(MAX_FIGURE), MAX_FIGURE - 0.25)


@pytest.mark.parametrize("locale", SHIPPED + CLDR_SAMPLE)
def test_every_figure_the_model_accepts_formats_in_every_locale(locale: str) -> None:
    """MAX_FIGURE is where the model stops taking figures: formatting must hold to it."""
    babel = babel_locale(locale)
    phrases = cost_basis_phrases(identity)
    units = ("minute", "hour", "day", "week", "month", "year")
    for low in BOUNDS:
        for high in BOUNDS:
            if low > high:
                continue
            for unit in units:
                fact = msgspec.convert(
                    {"id": "f", "kind": "duration", "min": low, "max": high, "unit": unit}, Fact
                )
                assert format_fact(fact, babel, phrases)
            for currency in ("USD", "EUR", "JPY", "KWD"):
                fact = msgspec.convert(
                    {"id": "f", "kind": "cost", "min": low, "max": high, "currency": currency}
                    | {"per": "plan"},
                    Fact,
                )
                assert format_fact(fact, babel, phrases)


@pytest.mark.parametrize("value", [MAX_FIGURE + 1, 1e25, 10**25, float("inf"), float("nan"), -1])
def test_figures_beyond_the_bounds_are_not_facts(value: float) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"id": "f", "kind": "duration", "min": 0, "max": value}, Fact)
