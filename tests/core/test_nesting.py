"""JSON nesting is measured before any recursive decoder sees the text."""

from __future__ import annotations

import pytest

from api.core.errors import ValidationFailed
from api.core.nesting import MAX_DEPTH, check_json_depth
from tests.work import Work, measured

# Single passes over the bytes, each linear in C: what the measure may be made of. A
# regular expression (`Pattern.sub` rescanning an unterminated string from every quote was
# quadratic: 13 s for 64 KB) or a Python step per byte (a generator over the brackets) is
# not, and either shows up here as an unknown C function or as lines counted per byte.
LINEAR_PASSES = {"bytes.count", "bytes.replace", "bytes.translate", "bytes.split", "bytes.join"}
BUILTINS = {"len", "max", "range"}


def _assert_linear(work: Work) -> None:
    """The measure ran, in a bounded number of Python lines (one loop step per 64 KB
    chunk: under 100 chunks at the 5 MB limit), and only through linear C passes."""
    assert work.entered == 1
    assert set(work.c_calls) <= LINEAR_PASSES | BUILTINS, work.c_calls
    assert work.lines < 1_000, work.lines
    assert work.calls < 100 and sum(work.c_calls.values()) < 1_000, work


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1),
        b"[" * 100_000,  # unbalanced: still refused, not left to the decoder's stack
        b'{"a": [' + b"{" * 200 + b"]}",
    ],
    ids=["10k-arrays", "65-objects", "unclosed", "mixed"],
)
def test_deep_json_is_refused(data: bytes) -> None:
    with pytest.raises(ValidationFailed, match=f"deeper than {MAX_DEPTH}") as caught:
        check_json_depth(data)
    assert caught.value.path == "$"


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":' * MAX_DEPTH + b"1" + b"}" * MAX_DEPTH,
        b'["' + b"[" * 10_000 + b'"]',  # brackets inside a string are text
        b'["\\"' + b"[" * 1_000 + b'"]',
        b"[" + b"[1]," * 500_000 + b"1]",  # wide, not deep
        b"",
        b"not json at all {",
    ],
    ids=["64-objects", "brackets-in-string", "escaped-quote", "wide", "empty", "garbage"],
)
def test_shallow_or_malformed_json_is_left_to_the_decoder(data: bytes) -> None:
    with measured(check_json_depth, max_lines=1_000) as work:
        check_json_depth(data)
    _assert_linear(work)


LIMIT = 5_000_000


def _fill(head: bytes, unit: bytes, tail: bytes = b"") -> bytes:
    return head + unit * ((LIMIT - len(head) - len(tail)) // len(unit)) + tail


@pytest.mark.parametrize(
    ("data", "deep"),
    [
        (b"[" * 65 + b'"' + b'\\"' * 32_000, True),
        (_fill(b"[" * 65 + b'"', b'\\"'), True),
        (_fill(b'["', b'\\"', b'"]'), False),
        (_fill(b"[", b'"'), False),
        (_fill(b"", b"["), True),
        (_fill(b"[", b"[],", b"[]]"), False),
        (_fill(b"[", b"[" * 62 + b"]" * 62 + b",", b"1]"), False),
        (_fill(b"[" * 60, b"[[[[1]]]],", b"1" + b"]" * 60), False),
        (_fill(b"[" * 60, b"[[[[[1]]]]],", b"1" + b"]" * 60), True),
        (_fill(b'["', b'\\"[', b'"]'), False),
    ],
    ids=[
        "64KB-escaped-quotes",
        "escaped-quotes",
        "unterminated",
        "quotes",
        "open",
        "wide-pairs",
        "62-deep-groups",
        "at-depth-64",
        "at-depth-65",
        "brackets-in-a-string",
    ],
)
def test_the_measure_is_linear_at_the_size_limit(data: bytes, deep: bool) -> None:
    with measured(check_json_depth, max_lines=1_000) as work:
        if deep:
            with pytest.raises(ValidationFailed):
                check_json_depth(data)
        else:
            check_json_depth(data)
    _assert_linear(work)
