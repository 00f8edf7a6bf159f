"""How deeply a document a client sends may nest.

Parsers of JSON and YAML recurse once per level; a few kilobytes of `[[[[…` would
otherwise exhaust the stack (RecursionError) or take minutes. Real content nests a
handful of levels (article, section, nested section, block), so the cap is generous.

The JSON measure is linear in the body's size and made of a few passes of bytes methods
(C loops), so a 5 MB body of escaped quotes, unterminated strings or brackets is measured
in a fraction of a second: no regular expression that could rescan, no Python loop per
byte.
"""

from __future__ import annotations

from array import array
from itertools import accumulate

from api.core.errors import ValidationFailed

__all__ = ["MAX_DEPTH", "check_json_depth"]

MAX_DEPTH = 64
_KEEP = b'[]{}"'
_DROP = bytes(b for b in range(256) if b not in _KEEP)
# Openers become +1, closers -1 (as signed bytes), quotes are dropped by then.
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_CHUNK = 65_536


def check_json_depth(data: bytes, *, limit: int = MAX_DEPTH) -> None:
    """Raise ValidationFailed if the JSON text `data` nests deeper than `limit`.

    Brackets inside strings do not count. Malformed JSON is left to the decoder, except
    that an unterminated string runs to the end and unclosed brackets count as open.
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return
    # Escapes first, on the whole text: `\\` pairs, then escaped quotes. What is left of a
    # backslash escapes neither a quote nor a backslash, so every quote now delimits.
    text = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Only quotes and brackets matter. Two adjacent quotes leave every other character
    # inside or outside a string as it was, so dropping them costs nothing in meaning
    # and turns a flood of empty strings into nothing.
    marks = text.translate(None, _DROP).replace(b'""', b"")
    brackets = b"".join(marks.split(b'"')[::2]) if b'"' in marks else marks
    if brackets.count(b"[") + brackets.count(b"{") <= limit:
        return
    _measure(brackets.translate(_STEPS), limit)


def _measure(steps: bytes, limit: int) -> None:
    # Adjacent open-close pairs never hold the deepest point but for their own level;
    # removing a few rounds of them shrinks wide documents (`[[1],[2],…]`) to little.
    # Each round lowers the deepest point by at most one level, which `rounds` adds back.
    rounds = 0
    while rounds < 3:
        shorter = steps.replace(b"\x01\xff", b"")
        if len(shorter) > len(steps) * 3 // 4:
            break
        steps, rounds = shorter, rounds + 1
    depth = 0
    for start in range(0, len(steps), _CHUNK):
        chunk = steps[start : start + _CHUNK]
        opened = chunk.count(1)
        # A chunk can only go too deep if all its openers could stack on the current depth.
        if depth + opened > limit - rounds:
            deepest = max(accumulate(array("b", chunk), initial=depth))
            if deepest + rounds > limit:
                raise ValidationFailed(f"JSON nests deeper than {limit} levels", path="$")
        depth += 2 * opened - len(chunk)
