"""Word-level diffs: what a reviewer sees inside a changed block."""

from __future__ import annotations

import unicodedata

import pytest

from api.core.worddiff import MAX_COMPARED_TOKENS, WordRun, word_diff, words
from tests.work import measured


def _sides(runs: tuple[WordRun, ...]) -> tuple[str, str]:
    old = "".join(r.text for r in runs if r.kind != "added")
    new = "".join(r.text for r in runs if r.kind != "removed")
    return old, new


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "Stem cell therapy is a revolutionary approach.",
            "Stem cell therapy is an experimental approach.",
            [
                ("same", "Stem cell therapy is "),
                ("removed", "a revolutionary"),
                ("added", "an experimental"),
                ("same", " approach."),
            ],
        ),
        (
            "The first growth shows.",
            "The first growth shows!",
            [
                ("same", "The first growth shows"),
                ("removed", "."),
                ("added", "!"),
            ],
        ),
        ("same", "same", [("same", "same")]),
        ("a b c", "a b c", [("same", "a b c")]),
        ("", "", []),
        ("", "added text", [("added", "added text")]),
        ("removed text", "", [("removed", "removed text")]),
        (
            "يستغرق العلاج عادةً من ساعة إلى ثلاث ساعات",
            "يستغرق العلاج عادةً من ساعتين إلى ثلاث ساعات",
            [
                ("same", "يستغرق العلاج عادةً من "),
                ("removed", "ساعة"),
                ("added", "ساعتين"),
                ("same", " إلى ثلاث ساعات"),
            ],
        ),
    ],
)
def test_changed_words_are_marked(old: str, new: str, expected: list[tuple[str, str]]) -> None:
    assert [(r.kind, r.text) for r in word_diff(old, new)] == expected


@pytest.mark.parametrize(("old", "new"), [(None, "new text"), ("old text", None)])
def test_a_missing_side_is_all_added_or_all_removed(old: str | None, new: str | None) -> None:
    (run,) = word_diff(old, new)
    assert (run.kind, run.text) == (("added", new) if old is None else ("removed", old))


def test_markup_is_just_text() -> None:
    # Escaping is the template's (autoescape); the diff never interprets anything.
    assert word_diff("<b>x</b>", "<i>x</i>") == (
        WordRun("same", "<"),
        WordRun("removed", "b"),
        WordRun("added", "i"),
        WordRun("same", ">x</"),
        WordRun("removed", "b"),
        WordRun("added", "i"),
        WordRun("same", ">"),
    )


def test_the_same_text_in_nfd_is_unchanged() -> None:
    text = "La terapia con células madre está en investigación"
    spans = word_diff(text, unicodedata.normalize("NFD", text))
    assert [r.kind for r in spans] == ["same"]
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
    with measured(word_diff, max_lines=2_000) as work:
        spans = word_diff("Start " + old + " end.", "Start " + new + " end.")
    # Shown whole, the middle costs a few dozen Python lines; handed to SequenceMatcher,
    # 12,000 unlike tokens cost hundreds of thousands (quadratic in the worst case).
    assert work.entered == 1
    assert work.lines < 2_000, work.lines
    assert [r.kind for r in spans] == ["same", "removed", "added", "same"]
    assert _sides(spans) == ("Start " + old + " end.", "Start " + new + " end.")
