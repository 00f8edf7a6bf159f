"""Deltas at the granularity of the change: an RFC 6902 JSON Patch from one rendered
document to the next, made at publish time for the changes feed (`api.store.sync`).

Any conforming JSON Patch library applies these patches, and the result written as
compact JSON is byte for byte the new document, because the patch uses only operations
that keep every object's member order:

- `replace` of a value whose path exists (a member keeps its place),
- `remove` and `add` of array elements by index (an array's order is the patch's),
- an object whose member list changed (a member appeared or went) is replaced whole:
  adding a member would put it last, wherever the document has it.

At each object and array the patch takes whichever is shorter: the changes inside it, or
one `replace` of the whole value. A one-paragraph correction is thus a few `replace`
operations (the paragraph, the version, the review dates), and a section whose every block
changed (its translations went with a safety block, say) is one `replace` of the section.

`json_patch` returns None when replacing the whole document is no longer than the patch:
then the feed sends the document itself.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["json_patch"]

_encode = msgspec.json.Encoder().encode

Op = dict[str, Any]
_Ops = list[tuple[Op, int]]
"""Operations with the size of each, as JSON (so sums are not encoded again)."""


def json_patch(old: Any, new: Any) -> list[Op] | None:
    """The operations that turn `old` into `new` (both decoded JSON, objects as dicts in
    wire order), or None when they are no shorter than `new` itself. An empty list:
    nothing changed."""
    ops: _Ops = []
    _diff(old, new, "", ops)
    if ops and (ops[0][0]["path"] == "" or sum(size for _, size in ops) + 1 >= len(_encode(new))):
        return None
    return [op for op, _ in ops]


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: `1`, `1.0` and `true` differ, and so does member order. Python's
    `==` (in C) rules most pairs out; what it finds equal is compared as JSON bytes."""
    if type(a) is not type(b) or a != b:
        return False
    return not isinstance(a, dict | list) or _encode(a) == _encode(b)


def _pointer(path: str, token: str | int) -> str:
    return f"{path}/{str(token).replace('~', '~0').replace('/', '~1')}"


def _op(op: Op) -> tuple[Op, int]:
    return op, len(_encode(op)) + 1  # and its comma


def _replace(path: str, value: Any) -> tuple[Op, int]:
    return _op({"op": "replace", "path": path, "value": value})


def _diff(old: Any, new: Any, path: str, ops: _Ops) -> None:
    if _same(old, new):
        return
    inner: _Ops = []
    if isinstance(old, dict) and isinstance(new, dict) and list(old) == list(new):
        for key, value in new.items():
            _diff(old[key], value, _pointer(path, key), inner)
    elif isinstance(old, list) and isinstance(new, list):
        _diff_list(old, new, path, inner)
    else:
        ops.append(_replace(path, new))
        return
    changes = sum(size for _, size in inner)
    overhead = len(_encode({"op": "replace", "path": path, "value": None})) - 4 + 1
    if _at_least(new, changes - overhead + 1):
        ops.extend(inner)  # shorter than replacing the whole, which is not encoded to know
        return
    whole = _replace(path, new)
    if changes < whole[1]:
        ops.extend(inner)
    else:
        ops.append(whole)


def _at_least(value: Any, limit: int) -> bool:
    """Whether `value` as JSON is at least `limit` bytes, from a lower bound of its size
    (a string is at least its code points and quotes) that stops counting at `limit`: a
    section of a 45 KB article is not encoded to learn it is longer than a paragraph."""
    left = limit
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            left -= 1 + len(item)  # braces and separators
            for key, member in item.items():
                left -= len(key) + 3  # quotes and colon
                stack.append(member)
        elif isinstance(item, list):
            left -= 1 + len(item)
            stack.extend(item)
        elif isinstance(item, str):
            left -= len(item) + 2
        else:
            left -= len(_encode(item))
        if left <= 0:
            return True
    return False


def _diff_list(old: list[Any], new: list[Any], path: str, ops: _Ops) -> None:
    """The common head and tail stay; the elements between are changed in place pairwise,
    and the rest removed or added by index (one inserted or removed block is one op)."""
    head = 0
    while head < min(len(old), len(new)) and _same(old[head], new[head]):
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and _same(old[-1 - tail], new[-1 - tail]):
        tail += 1
    before, after = old[head : len(old) - tail], new[head : len(new) - tail]
    paired = min(len(before), len(after))
    for n in range(paired):
        _diff(before[n], after[n], _pointer(path, head + n), ops)
    for _ in range(len(before) - paired):
        ops.append(_op({"op": "remove", "path": _pointer(path, head + paired)}))
    for n in range(paired, len(after)):
        ops.append(_op({"op": "add", "path": _pointer(path, head + n), "value": after[n]}))
