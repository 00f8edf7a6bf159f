"""The text policy: what source text and translations may contain, and NFC."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from api.core.text import _REFUSED, ALLOWED_FORMAT, _kind, nfc, text_problem


def test_the_written_out_class_is_what_the_unicode_categories_say() -> None:
    """The regex is written out for speed; this keeps it equal to the rule it states."""
    differ = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if bool(_REFUSED.match(chr(code))) != (_kind(chr(code)) is not None and code != 0x0A)
    ]
    assert differ == [], f"Unicode {unicodedata.unidata_version}"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Hola\x00", "control character U+0000"),
        ("Hola\x1b[31m", "control character U+001B"),
        ("a\nb", "control character U+000A"),
        ("a\u2028b", "control character U+2028"),
        ("a\u0085b", "control character U+0085"),
        ("Hola\u202eolleh", "bidi control character U+202E"),
        ("a\u2066b", "bidi control character U+2066"),
        ("zero\u200bwidth", "invisible format character U+200B"),
        ("word\u2060joiner", "invisible format character U+2060"),
        ("\ufeffbom", "invisible format character U+FEFF"),
        ("soft\u00adhyphen", "invisible format character U+00AD"),
        ("hidden\U000e0041\U000e0042", "invisible format character U+E0041"),
        ("\U0001f3f4\U000e0067\U000e0062\U000e007f", "invisible format character U+E0067"),
        ("private\ue000", "private-use character U+E000"),
        ("plane 15 \U000f0000", "private-use character U+F0000"),
        ("non\uffff", "noncharacter U+FFFF"),
        ("non\ufdd0", "noncharacter U+FDD0"),
        ("non\U0001fffe", "noncharacter U+1FFFE"),
        ("blank\u3164letter", "invisible letter U+3164"),
        ("e\ufe0f\ufe0f\ufe0f", "3 variation selectors in a row"),
        ("<script>alert(1)</script>", "markup"),
        ("<img src=x onerror=alert(1)>", "markup"),
        ("&lt;b&gt;", "markup"),
        ("&#x3C;", "markup"),
    ],
)
def test_refused_text_says_why(text: str, reason: str) -> None:
    problem = text_problem(text)
    assert problem is not None and problem.reason == reason


@pytest.mark.parametrize(
    "text",
    [
        "می\u200cخواهم",  # Persian needs ZWNJ
        "क्\u200dष",  # Devanagari: ZWJ asks for the half form
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # an emoji family joins with ZWJ
        "\u2764\ufe0f",  # one variation selector picks the emoji glyph
        "العلاج \u200f(PRP)\u200f",  # RLM places neutral characters in right-to-left text
        "\u0600\u0661\u0662",  # ARABIC NUMBER SIGN is visible
        "Prix\u00a0: 3\u202f000\u00a0$",  # French typography's spaces
        "a < b and c > d",
        "Fish & chips",
        "{range} per plan",
    ],
)
def test_what_scripts_and_typography_need_is_allowed(text: str) -> None:
    assert text_problem(text) is None


def test_allowed_format_characters_are_format_characters() -> None:
    assert {unicodedata.category(c) for c in ALLOWED_FORMAT} == {"Cf"}


def test_header_text_may_span_lines_and_name_people_with_angle_brackets() -> None:
    header = '# FIRST AUTHOR <EMAIL@ADDRESS>, 2024.\nmsgid ""\n'
    assert text_problem(header, markup=False, newlines=True) is None
    problem = text_problem(header + "#\u202e\n", markup=False, newlines=True)
    assert problem is not None and problem.position == len(header) + 1


def test_nfc() -> None:
    assert nfc("Introduccio\u0301n") == "Introducción"
    assert nfc("Introducción") == "Introducción"
