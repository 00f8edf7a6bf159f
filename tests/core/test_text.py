"""The text policy: what source text and translations may contain, and NFC."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from api.core.errors import ValidationFailed
from api.core.text import (
    _REFUSED,
    _SUSPECT,
    ALLOWED_FORMAT,
    ALLOWED_IGNORABLE,
    MAX_COMBINING_RUN,
    _ignorable,
    _kind,
    _problem,
    checked_text,
    nfc,
    text_problem,
)
from api.core.unicode_tables import COMBINING_MARKS, DEFAULT_IGNORABLE, UNICODE_VERSION


@pytest.mark.slow  # seconds of in-process work: out of the fast loop
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
    assert text_problem(header, emails=True, newlines=True) is None
    problem = text_problem(header + "#\u202e\n", emails=True, newlines=True)
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
            _problem(chr(code), emails=False, newlines=False) is not None
            or _problem(chr(code) * 2, emails=False, newlines=False) is not None
            or chr(code) in "<&"
        )
    ]
    assert missed == []


def test_every_run_a_rule_starts_at_is_suspect() -> None:
    """A run of combining marks breaks a rule that no single character does: the quick
    search must find every run too long."""
    run = MAX_COMBINING_RUN + 1
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if not _SUSPECT.search(chr(code) * run)
        and _problem(chr(code) * run, emails=False, newlines=False) is not None
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
    "a" + "\u0301" * 8,
    "a" + "\u0301" * 9,
    "a" + "\u0301" * 5000,
    "\u0301" * 3000,
    "\U000110b9" * 9,
    "\u0301" * 4 + "\U000110b9" * 5,
    "a\u034fb",
    "\u17b4\u17b5",
    "a\u180bb",
    "\u2065\ufff0\U000e0000\U000e0fff",
    "<EMAIL@ADDRESS>",
    "<svg/onload=alert(1)@x>",
    "<svg onload=alert(1)> translator note",
]


@pytest.mark.parametrize("text", _HOSTILE)
@pytest.mark.parametrize("emails", [True, False])
@pytest.mark.parametrize("newlines", [True, False])
def test_the_quick_answer_is_the_rule_by_rule_answer(
    text: str, emails: bool, newlines: bool
) -> None:
    expected = _problem(text, emails=emails, newlines=newlines)
    assert text_problem(text, emails=emails, newlines=newlines) == expected
    padded = "clean words " + text + " more words"
    expected = _problem(padded, emails=emails, newlines=newlines)
    assert text_problem(padded, emails=emails, newlines=newlines) == expected


# --- D12: every default-ignorable character, and runs of combining marks ---------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a\u034fb", "invisible character U+034F"),  # COMBINING GRAPHEME JOINER
        ("a\u17b4b", "invisible character U+17B4"),  # KHMER VOWEL INHERENT AQ
        ("a\u17b5b", "invisible character U+17B5"),
        ("a\u180bb", "invisible character U+180B"),  # MONGOLIAN FREE VARIATION SELECTOR
        ("a\u180fb", "invisible character U+180F"),
        ("a\u2065b", "invisible character U+2065"),  # reserved default-ignorable
        ("a\ufff0b", "invisible character U+FFF0"),
        ("a\U000e0080b", "invisible character U+E0080"),
        ("a\U000e01f0b", "invisible character U+E01F0"),
        ("a" + "\u0301" * 5000, "5000 combining marks in a row (at most 8)"),
        ("\u0301" * 3000, "3000 combining marks in a row (at most 8)"),
        ("e" + "\u0301\u0302\u0303" * 3, "9 combining marks in a row (at most 8)"),
        ("a" + "\U000110b9" * 9, "9 combining marks in a row (at most 8)"),
    ],
)
def test_default_ignorables_and_stacked_marks_are_refused(text: str, reason: str) -> None:
    problem = text_problem(text)
    assert problem is not None and problem.reason == reason
    assert text[problem.position] != "a"


@pytest.mark.parametrize(
    "text",
    [
        "a" + "\u0301" * MAX_COMBINING_RUN,
        "عِلَاجٌ بِالْخَلَايَا الْجِذْعِيَّةِ",  # Arabic with harakat: shadda and a vowel stack
        "مُتَّصِلٌ",
        "ة\u0651\u064e\u0670",  # three marks: shadda, fatha, superscript alef
        "Vie\u0323\u0302t",  # Vietnamese in NFD: two marks
        "\u05e9\u05c1\u05b8\u0591",  # Hebrew shin with a dot, a vowel and a cantillation mark
        "1\ufe0f\u20e3",  # keycap emoji: a variation selector and an enclosing mark
    ],
)
def test_real_text_stacks_few_marks_and_passes(text: str) -> None:
    assert text_problem(text) is None


def test_every_default_ignorable_is_refused_but_the_allowed_ones() -> None:
    kept = {
        f"U+{code:04X}"
        for first, last in DEFAULT_IGNORABLE
        for code in range(first, last + 1)
        if text_problem(f"a{chr(code)}b") is None
    }
    assert kept == {f"U+{ord(c):04X}" for c in ALLOWED_IGNORABLE}


def test_the_ignorable_table_agrees_with_pythons_unicode_database() -> None:
    """Default_Ignorable_Code_Point is derived from the general category Cf (and lists of
    UCD's PropList that Python lacks): every format character Python knows is in the
    table, but for those the derivation leaves out (interlinear annotation controls,
    Egyptian hieroglyph format controls, prepended concatenation marks)."""
    excluded = {*range(0xFFF9, 0xFFFC), *range(0x13430, 0x13440)}
    excluded |= {ord(c) for c in ALLOWED_FORMAT} - {0x200C, 0x200D, 0x200E, 0x200F, 0x061C}
    missing = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Cf" and code not in excluded and not _ignorable(code)
    ]
    assert missing == [], f"table of Unicode {UNICODE_VERSION}"


def test_the_mark_table_agrees_with_pythons_unicode_database() -> None:
    """Every combining mark Python knows is in the table, and every character of the table
    Python knows is a combining mark (the table's Unicode may be newer)."""
    table = {code for first, last in COMBINING_MARKS for code in range(first, last + 1)}
    differ = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) != "Cn"
        and (code in table) != unicodedata.category(chr(code)).startswith("M")
    ]
    assert differ == [], f"table of Unicode {UNICODE_VERSION}"


# --- D7: one policy for every human-entered string ---------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a\u0000b", "control character U+0000"),
        ("\u001b[31mred", "control character U+001B"),
        ("a\u202eb", "bidi control character U+202E"),
        ("a\U000e0041b", "invisible format character U+E0041"),
        ("x\"'><svg onload=alert(1)>", "markup"),
    ],
)
def test_a_human_entered_string_breaking_the_policy_names_its_field(text: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        checked_text(text, "$.message")
    assert caught.value.path == "$.message" and caught.value.detail.startswith(reason)


def test_comments_keep_their_lines_and_are_stored_in_nfc() -> None:
    assert checked_text("Revisa\r\nla cita", "comment", multiline=True) == "Revisa\nla cita"
    assert checked_text("Introduccio\u0301n", "message") == "Introducción"
    with pytest.raises(ValidationFailed):
        checked_text("one\nline", "message")
    with pytest.raises(ValidationFailed):
        checked_text("stray\rreturn", "comment", multiline=True)


def test_headers_may_name_people_by_email_but_hold_no_tags() -> None:
    assert text_problem("# Ana <ana.lopez+po@example.org>, 2026.", emails=True) is None
    problem = text_problem("# <svg/onload=alert(1)@x>", emails=True)
    assert problem is not None and problem.reason == "markup"
    assert text_problem("# Ana <ana@example.org>") is not None
