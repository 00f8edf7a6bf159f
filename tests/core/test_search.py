"""Search, the pure part: safe FTS5 expressions, folding, snippet markers."""

from __future__ import annotations

import unicodedata

import pytest

from api.core.errors import InvalidParameter
from api.core.search import (
    MARK_CLOSE,
    MARK_OPEN,
    MAX_QUERY,
    MAX_TERMS,
    Span,
    fold,
    match_expression,
    parse_snippet,
)


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ("celulas", '"celulas"*'),
        ("células  madre ", '"células" "madre"*'),
        ('say "hi', '"say" """hi"*'),
        ("NEAR(a b", '"NEAR(a" "b"*'),
        ("a AND b OR c", '"a" "AND" "b" "OR" "c"*'),
        ("col:value ^start -not", '"col:value" "^start" "-not"*'),
        ("* ( ) - ^", None),
        ("x\x00y", '"x" "y"*'),
        ("تُظهر", '"تظهر"*'),
    ],
)
def test_every_word_is_quoted(query: str, expression: str | None) -> None:
    if expression is None:
        with pytest.raises(InvalidParameter) as caught:
            match_expression(query)
        assert caught.value.parameter == "q"
    else:
        assert match_expression(query) == expression


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "x" * (MAX_QUERY + 1)])
def test_empty_or_long_query_names_q(query: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        match_expression(query)
    assert caught.value.parameter == "q"


def test_words_are_capped() -> None:
    assert match_expression("w " * 100).count('"w"') == MAX_TERMS


def test_fold_removes_arabic_marks_and_markers_only() -> None:
    assert fold("يُظهر كِتَابٌ عـــربي") == "يظهر كتاب عربي"
    assert fold("ce\u0301lulas") == "células"  # composed, accents kept for display
    assert fold(f"a{MARK_OPEN}b{MARK_CLOSE}") == "ab"
    assert fold("أسنان ة ى") == "أسنان ة ى"


def test_fold_drops_exactly_the_arabic_marks_tatweel_and_markers() -> None:
    dropped = {*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE), 0x0640, 0xE000, 0xE001}
    for code in [*range(0x0000, 0x2000), *range(0xE000, 0xE100), 0xFB50, 0x1F600]:
        text = f"a{chr(code)}b"
        expected = "ab" if code in dropped else unicodedata.normalize("NFC", text)
        assert fold(text) == expected, hex(code)


def test_parse_snippet_gives_plain_text_and_offsets() -> None:
    text, spans = parse_snippet(
        f"…las {MARK_OPEN}células{MARK_CLOSE}\nmadre {MARK_OPEN}x{MARK_CLOSE}"
    )
    assert text == "…las células madre x"
    assert spans == (Span(start=5, end=12), Span(start=19, end=20))
    assert [text[s.start : s.end] for s in spans] == ["células", "x"]
