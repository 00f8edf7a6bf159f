"""Locale negotiation: explicit wins, then Accept-Language, then default; CLDR chains."""

from __future__ import annotations

import pytest

from api.core.errors import InvalidLocale
from api.core.negotiation import (
    canonical_locale,
    locale_chain,
    negotiate,
    parse_accept_language,
)

AVAILABLE = frozenset({"en", "es", "fr", "ar"})


@pytest.mark.parametrize(
    ("tag", "chain"),
    [
        ("es-MX", ("es-MX", "es-419", "es", "en")),
        ("pt-BR", ("pt-BR", "pt", "en")),
        ("zh-Hant-TW", ("zh-Hant-TW", "zh-Hant", "en")),
        ("ES-mx", ("es-MX", "es-419", "es", "en")),
        ("es_419", ("es-419", "es", "en")),
        ("en-GB", ("en-GB", "en-001", "en")),
        ("ar-EG", ("ar-EG", "ar", "en")),
        ("en", ("en",)),
    ],
)
def test_cldr_fallback_chain(tag: str, chain: tuple[str, ...]) -> None:
    assert locale_chain(tag) == chain


@pytest.mark.parametrize(
    ("explicit", "header", "expected"),
    [
        (None, "es-MX,es;q=0.9", "es"),
        (None, "es-MX", "es"),
        (None, "de, es;q=0.5", "es"),
        (None, "en, es", "en"),
        (None, "fr;q=0.1, ar;q=0.9", "ar"),
        (None, "FR-ca", "fr"),
        (None, "*", "en"),
        (None, "de, *;q=0.5", "en"),
        (None, "es;q=0, fr", "fr"),
        (None, "pt-BR", "en"),
        (None, "zh-Hant-TW, ar;q=0.2", "ar"),
        (None, "", "en"),
        (None, None, "en"),
        ("fr", "es", "fr"),
        ("es-419", None, "es"),
        ("pt-BR", "es", "en"),
        ("AR", None, "ar"),
    ],
)
def test_negotiation_table(explicit: str | None, header: str | None, expected: str) -> None:
    assert negotiate(explicit, header, AVAILABLE) == expected


@pytest.mark.parametrize(
    "header",
    [
        "garbage;;;",
        "es;q=abc",
        "es;q=2",
        ";q=0.5",
        ",,,",
        "e$, ü",
        "es\r\nX-Injected: 1",
        "x" * 10_000,
        ",".join(["de"] * 5000),
        "es;q=0.5;q=0.9",
        "\x00",
    ],
)
def test_malformed_accept_language_never_raises(header: str) -> None:
    assert negotiate(None, header, AVAILABLE) in AVAILABLE


def test_q_values_order_and_ties_keep_header_order() -> None:
    assert parse_accept_language("fr;q=0.5, es, ar;q=0.5, de;q=0.9") == ["es", "de", "fr", "ar"]


@pytest.mark.parametrize("explicit", ["e$", "", "123", "es--MX", "x", "ñ", "es-" + "a" * 40])
def test_invalid_explicit_locale_lists_available(explicit: str) -> None:
    with pytest.raises(InvalidLocale) as caught:
        negotiate(explicit, None, AVAILABLE)
    assert caught.value.parameter == "locale"
    assert caught.value.available == ["ar", "en", "es", "fr"]


@pytest.mark.parametrize(
    ("tag", "stored"),
    [
        ("es", "es"),
        ("de_DE", "de"),
        ("de-DE", "de"),
        ("de-AT", "de-AT"),
        ("es-MX", "es-MX"),
        ("pt-BR", "pt"),
        ("pt_PT", "pt-PT"),
        ("zh-Hant-TW", "zh-Hant-TW"),
        ("zh-Hans", "zh"),
        ("zh-CN", "zh"),
        ("ar-EG", "ar"),
        ("en-US", "en"),
        ("sr-RS", "sr"),
    ],
)
def test_stored_locale_codes_are_cldr_codes_without_what_cldr_takes_for_granted(
    tag: str, stored: str
) -> None:
    assert canonical_locale(tag) == stored
    # The readers the catalog serves: every chain through its code reaches it.
    assert stored in locale_chain(tag)


@pytest.mark.parametrize(
    "tag", ["zzz", "qaa", "articles", "und", "root", "x", "", "<script>", "e" * 5_000, "es\u202e"]
)
def test_codes_cldr_does_not_know_are_refused(tag: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        canonical_locale(tag)


@pytest.mark.parametrize(("alias", "code"), [("iw", "he"), ("zh-TW", "zh-Hant-TW"), ("tl", "fil")])
def test_an_alias_is_refused_with_cldrs_code(alias: str, code: str) -> None:
    with pytest.raises(ValueError, match=f"use '{code}'"):
        canonical_locale(alias)
