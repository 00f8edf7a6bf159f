"""Word-level differences between two texts, for people to read: runs of words kept,
removed and added (difflib), so a page can mark them with <del> and <ins>. Texts are
compared in NFC, punctuation is its own token, and the work is bounded whatever the size
of the text."""

from __future__ import annotations

import difflib
import re
from typing import Literal

import msgspec

from api.core.text import nfc

__all__ = ["MAX_COMPARED_TOKENS", "WordRun", "word_diff", "words"]

MAX_COMPARED_TOKENS = 2_000
"""Tokens of each side compared word by word once the common start and end are set aside;
a longer middle is shown as deleted and inserted whole (SequenceMatcher is quadratic in
the worst case, and a 10,000-character field has about 3,500 tokens)."""

# A word (letters, digits and joining marks of any script), a run of spaces, or one other
# character: punctuation is its own token, so "hair," and "hair." differ by one character.
_TOKEN = re.compile(r"[\w\u200c\u200d]+|\s+|[^\w\s]", re.UNICODE)


class WordRun(msgspec.Struct, frozen=True):
    """Consecutive words that were kept, removed (in the old text only) or added (in the
    new only)."""

    kind: Literal["same", "removed", "added"]
    text: str


def words(text: str) -> list[str]:
    """`text` as tokens whose concatenation is `text`."""
    return _TOKEN.findall(text)


def _common_ends(a: list[str], b: list[str]) -> tuple[int, int]:
    start = 0
    limit = min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end = 0
    while end < limit - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return start, end


def _middle(a: list[str], b: list[str]) -> list[WordRun]:
    if len(a) > MAX_COMPARED_TOKENS or len(b) > MAX_COMPARED_TOKENS:
        return [WordRun("removed", text="".join(a)), WordRun("added", text="".join(b))]
    out: list[WordRun] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(WordRun("same", text="".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(WordRun("removed", text="".join(a[i1:i2])))
        if j2 > j1:
            out.append(WordRun("added", text="".join(b[j1:j2])))
    return out


def _readable(spans: list[WordRun]) -> list[WordRun]:
    """Adjacent runs of one kind joined, and a lone space between two changes made part of
    both (deleted "a b" and inserted "c d" read better than three runs around a space)."""
    out: list[WordRun] = []
    for n, span in enumerate(spans):
        between_changes = (
            span.kind == "same"
            and not span.text.strip()
            and 0 < n < len(spans) - 1
            and spans[n - 1].kind != "same"
            and spans[n + 1].kind != "same"
        )
        pieces = (
            [WordRun("removed", text=span.text), WordRun("added", text=span.text)]
            if between_changes
            else [span]
        )
        for piece in pieces:
            if not piece.text:
                continue
            # Deletions gather before insertions within one changed stretch.
            if out and out[-1].kind == piece.kind:
                out[-1] = WordRun(piece.kind, text=out[-1].text + piece.text)
            elif piece.kind == "removed" and len(out) >= 2 and out[-1].kind == "added":
                if out[-2].kind == "removed":
                    out[-2] = WordRun("removed", text=out[-2].text + piece.text)
                else:
                    out.insert(len(out) - 1, piece)
            else:
                out.append(piece)
    return out


def word_diff(old: str | None, new: str | None) -> tuple[WordRun, ...]:
    """`old` turned into `new` as runs of words kept, deleted and inserted (texts compared
    in NFC, so the same sentence typed in NFD is unchanged)."""
    a, b = words(nfc(old or "")), words(nfc(new or ""))
    start, end = _common_ends(a, b)
    spans: list[WordRun] = []
    if start:
        spans.append(WordRun("same", text="".join(a[:start])))
    spans.extend(_middle(a[start : len(a) - end], b[start : len(b) - end]))
    if end:
        spans.append(WordRun("same", text="".join(a[len(a) - end :])))
    return tuple(_readable(spans))
