"""Word-level differences between two texts, for people to read: runs of words kept,
removed and added (difflib), so a page can mark them with <del> and <ins>."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Literal

import msgspec

__all__ = ["WordRun", "word_diff"]

# Words with the spaces after them, so joining the runs gives back each text exactly.
_WORDS = re.compile(r"\S+\s*|\s+")


class WordRun(msgspec.Struct, frozen=True):
    """Consecutive words that were kept, removed or added."""

    kind: Literal["same", "removed", "added"]
    text: str


def word_diff(old: str | None, new: str | None) -> tuple[WordRun, ...]:
    """`old` to `new` as runs of words; a missing side is all added or all removed."""
    before = _WORDS.findall(old or "")
    after = _WORDS.findall(new or "")
    runs: list[WordRun] = []
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(WordRun("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            runs.append(WordRun("removed", "".join(before[i1:i2])))
        if j2 > j1:
            runs.append(WordRun("added", "".join(after[j1:j2])))
    return tuple(runs)
