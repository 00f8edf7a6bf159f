"""The text policy: what source text and translations may contain, and NFC."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from api.core.text import (
    _REFUSED,
    _SUSPECT,
    ALLOWED_FORMAT,
    _kind,
    _problem,
    nfc,
    text_problem,
)


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


def test_every_character_a_rule_starts_at_is_suspect() -> None:
    """text_problem answers None when _SUSPECT finds nothing: no rule may start elsewhere.
    A refused character or U+000A is a problem alone; a variation run and markup start at
    a variation selector, `<` or `&`."""
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if not _SUSPECT.match(chr(code))
        and (
            _problem(chr(code), markup=True, newlines=False) is not None
            or _problem(chr(code) * 2, markup=True, newlines=False) is not None
            or chr(code) in "<&"
        )
    ]
    assert missed == []


_HOSTILE = [
    "",
    "plain text",
    "Introducción a la terapia",
    "a\nb",
    "a\n\x00b",
    "a\x00\nb",
    "\x00",
    "tab\there",
    "a\r\nb",
    "x\u2028y\u2029",
    "\u0085",
    "\ud800",
    "\udfff",
    "\u202a\u202e\u2066\u2069",
    "\u200b",
    "\u200c\u200d\u200e\u200f\u061c",
    "\u00ad",
    "\u180e",
    "\u2060\u2064",
    "\ufeff",
    "\ufff9\ufffb",
    "\ue000\uf8ff",
    "\ufdd0\ufdef\ufffe\uffff",
    "\U0001fffe\U0010ffff",
    "\U000f0000\U0010fffd",
    "\U00013430\U00013438",
    "\U0001bca0",
    "\U0001d173\U0001d17a",
    "\U000e0001\U000e0020\U000e007f",
    "\U000e0080",
    "\U0001f600 smile",
    "\U0001f468\u200d\U0001f469",
    "\U00020000 CJK B",
    "\U000e0100",
    "\U000e0100\U000e0101",
    "e\ufe0f",
    "e\ufe0f\ufe0f",
    "e\ufe0f\U000e0100",
    "e\ufe0f x \ufe0f",
    "\u115f\u1160\u3164\uffa0\u2800",
    "<b>bold</b>",
    "a < b > c",
    "<",
    "&",
    "Fish & chips",
    "&amp;",
    "&#60;",
    "&#x3C;",
    "&x3C;",
    "&;",
    "<!-- c -->",
    "<?xml?>",
    "< b>",
    "Name <email@example.org>",
    "<b>\n",
    "\n<b>",
    "<b>\x00",
    "e\ufe0f\ufe0f<b>",
    "<b>e\ufe0f\ufe0f",
    "\u2028<b>",
    "{range} per plan",
    "%(count)d items",
    "\u0600\u0661",
    "Prix\u00a0: 3\u202f000",
]


@pytest.mark.parametrize("text", _HOSTILE)
@pytest.mark.parametrize("markup", [True, False])
@pytest.mark.parametrize("newlines", [True, False])
def test_the_quick_answer_is_the_rule_by_rule_answer(
    text: str, markup: bool, newlines: bool
) -> None:
    expected = _problem(text, markup=markup, newlines=newlines)
    assert text_problem(text, markup=markup, newlines=newlines) == expected
    padded = "clean words " + text + " more words"
    expected = _problem(padded, markup=markup, newlines=newlines)
    assert text_problem(padded, markup=markup, newlines=newlines) == expected
