"""The JSON Patches of the changes feed (api.core.delta): any RFC 6902 library applies
them, and the result, written as compact JSON, is the new document byte for byte."""

from __future__ import annotations

from typing import Any

import jsonpatch
import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from api.core.delta import json_patch

_KEYS = st.sampled_from(["id", "text", "a/b", "~x", "locale", "blocks", "sections", "0"])
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=6)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=25,
)


def _edited(value: Any, draw: st.DrawFn) -> Any:
    """`value` with a few changes deep inside it (most documents change a little)."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {k: (_edited(v, draw) if k == key else v) for k, v in value.items()}
    if isinstance(value, list) and value and draw(st.booleans()):
        at = draw(st.integers(0, len(value) - 1))
        out = list(value)
        match draw(st.sampled_from(["edit", "insert", "remove"])):
            case "edit":
                out[at] = _edited(out[at], draw)
            case "insert":
                out.insert(at, draw(_JSON))
            case "remove":
                del out[at]
        return out
    return draw(_JSON)


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    old = draw(_JSON)
    return old, _edited(old, draw) if draw(st.booleans()) else draw(_JSON)


@settings(max_examples=400, deadline=None)
@given(_pairs())
def test_a_library_applying_the_patch_writes_the_new_bytes(pair: tuple[Any, Any]) -> None:
    old, new = pair
    ops = json_patch(old, new)
    wanted = msgspec.json.encode(new)
    if ops is None:
        # Sent whole: the patch would have been no smaller.
        return
    assert {op["op"] for op in ops} <= {"replace", "add", "remove"}
    assert msgspec.json.encode(jsonpatch.apply_patch(old, ops)) == wanted
    assert len(msgspec.json.encode(ops)) < len(wanted) + 40


def test_a_changed_paragraph_is_one_replace_and_a_new_member_replaces_its_object() -> None:
    pad = "p" * 200  # the rest of the document
    old = {"v": 1, "s": [{"id": "a", "b": [{"t": "x" * 40}, {"t": "y" * 40}]}], "pad": pad}
    new = {"v": 2, "s": [{"id": "a", "b": [{"t": "x" * 40}, {"t": "z" * 40}]}], "pad": pad}
    assert json_patch(old, new) == [
        {"op": "replace", "path": "/v", "value": 2},
        {"op": "replace", "path": "/s/0/b/1/t", "value": "z" * 40},
    ]
    # A member that appears would be added last by a library: its object is replaced.
    grown = {"v": 1, "s": [{"id": "a", "cites": ["r1"], "b": old["s"][0]["b"]}], "pad": pad}
    assert json_patch(old, grown) == [{"op": "replace", "path": "/s", "value": grown["s"]}]
    # An inserted block is one add; `1` and `true` are not the same JSON.
    inserted = {"v": 1, "s": [{"id": "a", "b": [{"t": "n"}, *old["s"][0]["b"]]}], "pad": pad}
    assert json_patch(old, inserted) == [{"op": "add", "path": "/s/0/b/0", "value": {"t": "n"}}]
    assert json_patch({"k": 1, "pad": pad}, {"k": True, "pad": pad}) == [
        {"op": "replace", "path": "/k", "value": True}
    ]
    assert json_patch(old, old) == []
    # A patch no smaller than the document: the document is sent.
    assert json_patch({"t": "x"}, {"t": "y"}) is None
