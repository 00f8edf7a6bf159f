"""Word-level diffs: what a reviewer sees inside a changed block."""

from __future__ import annotations

import time
import unicodedata

import pytest

from api.core.worddiff import MAX_COMPARED_TOKENS, Span, word_diff, words


def _sides(spans: tuple[Span, ...]) -> tuple[str, str]:
    old = "".join(s.text for s in spans if s.op != "insert")
    new = "".join(s.text for s in spans if s.op != "delete")
    return old, new


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "Stem cell therapy is a revolutionary approach.",
            "Stem cell therapy is an experimental approach.",
            [
                ("equal", "Stem cell therapy is "),
                ("delete", "a revolutionary"),
                ("insert", "an experimental"),
                ("equal", " approach."),
            ],
        ),
        (
            "The first growth shows.",
            "The first growth shows!",
            [
                ("equal", "The first growth shows"),
                ("delete", "."),
                ("insert", "!"),
            ],
        ),
        ("same", "same", [("equal", "same")]),
        ("", "added text", [("insert", "added text")]),
        ("removed text", "", [("delete", "removed text")]),
        (
            "يستغرق العلاج عادةً من ساعة إلى ثلاث ساعات",
            "يستغرق العلاج عادةً من ساعتين إلى ثلاث ساعات",
            [
                ("equal", "يستغرق العلاج عادةً من "),
                ("delete", "ساعة"),
                ("insert", "ساعتين"),
                ("equal", " إلى ثلاث ساعات"),
            ],
        ),
    ],
)
def test_changed_words_are_marked(old: str, new: str, expected: list[tuple[str, str]]) -> None:
    assert [(s.op, s.text) for s in word_diff(old, new)] == expected


def test_the_same_text_in_nfd_is_unchanged() -> None:
    text = "La terapia con células madre está en investigación"
    spans = word_diff(text, unicodedata.normalize("NFD", text))
    assert [s.op for s in spans] == ["equal"]
    assert spans[0].text == text


def test_words_keep_every_character() -> None:
    text = "Coût : 3 000–10 000 $ par plan, soit « plusieurs » séances.\nفي الجلسة"
    assert "".join(words(text)) == text
    # A joiner stays inside its word (Persian and Indic spelling needs it).
    assert "می\u200cخواهم" in words("من می\u200cخواهم")


@pytest.mark.parametrize("size", [10, 500, 5_000])
def test_both_sides_are_recovered(size: int) -> None:
    old = " ".join(f"word{n}" for n in range(size))
    new = " ".join(f"word{n}" if n % 7 else f"changed{n}" for n in range(size))
    assert _sides(word_diff(old, new)) == (old, new)


def test_work_is_bounded_on_huge_texts() -> None:
    old = " ".join(f"a{n}" for n in range(MAX_COMPARED_TOKENS * 3))
    new = " ".join(f"b{n}" for n in range(MAX_COMPARED_TOKENS * 3))
    started = time.perf_counter()
    spans = word_diff("Start " + old + " end.", "Start " + new + " end.")
    assert time.perf_counter() - started < 1.0
    assert [s.op for s in spans] == ["equal", "delete", "insert", "equal"]
    assert _sides(spans) == ("Start " + old + " end.", "Start " + new + " end.")
