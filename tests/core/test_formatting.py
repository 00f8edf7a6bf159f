"""Fact display strings are formatted with CLDR data for the response locale."""

from __future__ import annotations

import pytest

from api.core.formatting import cost_basis_phrases, format_fact
from api.core.locales import babel_locale
from api.core.model import Fact

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


def test_cost_basis_comes_from_the_catalog() -> None:
    phrases = cost_basis_phrases(lambda context, source: source.replace("per plan", "por plan"))
    assert format_fact(PLAN, babel_locale("es"), phrases).endswith(" por plan")
