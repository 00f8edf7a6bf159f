"""Word diffs for people: runs that rebuild both texts, changes at word granularity."""

from __future__ import annotations

import pytest

from api.core.worddiff import WordRun, word_diff


@pytest.mark.parametrize(
    ("old", "new", "runs"),
    [
        ("a b c", "a b c", [("same", "a b c")]),
        (
            "is a revolutionary approach",
            "is an experimental approach",
            [
                ("same", "is "),
                ("removed", "a revolutionary "),
                ("added", "an experimental "),
                ("same", "approach"),
            ],
        ),
        (None, "new text", [("added", "new text")]),
        ("old text", None, [("removed", "old text")]),
        ("", "", []),
    ],
)
def test_word_diff(old: str | None, new: str | None, runs: list[tuple[str, str]]) -> None:
    found = word_diff(old, new)
    assert [(r.kind, r.text) for r in found] == runs
    assert "".join(r.text for r in found if r.kind != "added") == (old or "")
    assert "".join(r.text for r in found if r.kind != "removed") == (new or "")


def test_markup_is_just_text() -> None:
    # Escaping is the template's (autoescape); the diff never interprets anything.
    assert word_diff("<b>x</b>", "<i>x</i>") == (
        WordRun("removed", "<b>x</b>"),
        WordRun("added", "<i>x</i>"),
    )
