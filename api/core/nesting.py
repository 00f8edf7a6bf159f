"""How deeply a document a client sends may nest.

Parsers of JSON and YAML recurse once per level; a few kilobytes of `[[[[…` would
otherwise exhaust the stack (RecursionError) or take minutes. Real content nests a
handful of levels (article, section, nested section, block), so the cap is generous.
"""

from __future__ import annotations

import re
from itertools import accumulate

from api.core.errors import ValidationFailed

__all__ = ["MAX_DEPTH", "check_json_depth"]

MAX_DEPTH = 64
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def check_json_depth(data: bytes, *, limit: int = MAX_DEPTH) -> None:
    """Raise ValidationFailed if the JSON text `data` nests deeper than `limit`.

    Brackets inside strings do not count. Malformed JSON is left to the decoder.
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    depth = max(accumulate(_STEP[b] for b in brackets), default=0)
    if depth > limit:
        raise ValidationFailed(f"JSON nests deeper than {limit} levels", path="$")
