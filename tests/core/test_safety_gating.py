"""SM-1 and SM-4: every record field that restricts or conditions a claim is gated, the same
English carries the same marking everywhere, and `safety_coverage` counts what is gated.

The catalogs here are the shipped French one, compiled to a .mo by Babel and read back by
gettext: what the rule sees is what a compiled catalog holds."""

from __future__ import annotations

import gettext
import io
from collections import defaultdict
from typing import Any

import msgspec
import pytest
from babel.messages.mofile import write_mo

from api.core.messages import (
    current_messages,
    treatment_fields,
    treatment_messages,
    treatment_safety_fields,
)
from api.core.model import Treatment
from api.core.output import VersionInfo
from api.core.render import Lookup, render_article, render_treatment
from api.sources import ContentSet
from tests.conftest import LOCALES, locale_catalog

SM1_NAMED = [
    "treatment/minoxidil/forms/oral/condition",
    "treatment/minoxidil/forms/oral/evidence",
    "treatment/finasteride/forms/topical/condition",
    "treatment/stem-cell-therapy/suitable_for",
    "treatment/stem-cell-therapy/forms/topical/qualifier",
    "treatment/spironolactone/suitable_for",
    "treatment/spironolactone/audience/women/evidence",
    "treatment/lllt/requirements/0",
]


def compiled_catalog(locale: str) -> dict[tuple[str, str], str]:
    """(msgctxt, msgid) -> msgstr, as gettext reads them from the compiled catalog."""
    catalog = locale_catalog(LOCALES, locale)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    translations = gettext.GNUTranslations(mo)
    out: dict[tuple[str, str], str] = {}
    for key, text in translations._catalog.items():  # type: ignore[attr-defined]
        if isinstance(key, str) and "\x04" in key and text:
            context, _, source = key.partition("\x04")
            out[(context, source)] = text
    return out


@pytest.fixture(scope="module")
def french() -> dict[tuple[str, str], str]:
    return compiled_catalog("fr")


def localized(value: Any) -> list[dict[str, Any]]:
    """Every localized text (`{text, locale, fallback}`) anywhere in a rendered record."""
    if isinstance(value, dict):
        if set(value) == {"text", "locale", "fallback"}:
            return [value]
        return [t for v in value.values() for t in localized(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in localized(v)]
    return []


def test_the_fields_the_review_names_are_gated(content: ContentSet) -> None:
    gated = {
        context for t in content.treatments.treatments for context, _ in treatment_safety_fields(t)
    }
    assert set(SM1_NAMED) <= gated
    # Same words as the prescription statement (SM-4), so gated beside it.
    assert "treatment/dutasteride/kind/evidence" in gated
    assert not any(context.endswith("/name") for context in gated)


def gated_cases(content: ContentSet) -> list[tuple[Treatment, str, str]]:
    return [
        (t, context, text)
        for t in content.treatments.treatments
        for context, text in treatment_safety_fields(t)
    ]


def test_blanking_any_gated_message_serves_the_record_in_english_whole(
    content: ContentSet, french: dict[tuple[str, str], str]
) -> None:
    cases = gated_cases(content)
    assert len(cases) >= 25
    translated = [case for case in cases if (case[1], case[2]) in french]
    assert len(translated) >= 20, "the shipped French catalog translates the safety text"
    for treatment, context, text in translated:
        whole = msgspec.to_builtins(render_treatment(treatment, "fr", {"fr": french}))
        assert whole.get("fallback_reason") is None, treatment.id
        assert "fr" in {t["locale"] for t in localized(whole)}, treatment.id
        blanked: Lookup = {k: v for k, v in french.items() if k != (context, text)}
        record = msgspec.to_builtins(render_treatment(treatment, "fr", {"fr": blanked}))
        assert record["fallback_reason"] == "safety-text-untranslated", context
        texts = localized(record)
        assert {t["text"] for t in texts} == {source for _, source in treatment_fields(treatment)}
        # No translated benefit beside an English restriction: everything is English.
        assert {(t["locale"], t["fallback"]) for t in texts} == {("en", True)}, context


def test_the_same_english_carries_the_same_marking_in_every_context(
    content: ContentSet,
) -> None:
    marks: dict[str, set[bool]] = defaultdict(set)
    where: dict[str, list[str]] = defaultdict(list)
    for message in current_messages(list(content.articles), content.treatments):
        marks[message.source].add(message.safety)
        where[message.source].append(message.context)
    mixed = {source: where[source] for source, seen in marks.items() if len(seen) > 1}
    assert mixed == {}


def test_safety_coverage_counts_the_gated_record_fields(
    content: ContentSet, french: dict[tuple[str, str], str]
) -> None:
    (article,) = content.articles
    info = VersionInfo(number=1, content_hash="sha256:x", published_at="2026-12-07T00:00:00Z")
    gated = [m for m in treatment_messages(content.treatments) if m.safety]
    full = render_article(article, info, "fr", {"fr": french}, content.treatments)
    one = gated[0]
    blanked = {k: v for k, v in french.items() if k != (one.context, one.source)}
    less = render_article(article, info, "fr", {"fr": blanked}, content.treatments)
    assert less.safety_coverage.total == full.safety_coverage.total
    assert less.safety_coverage.total >= 31 + len(gated)
    assert less.safety_coverage.translated == full.safety_coverage.translated - 1
