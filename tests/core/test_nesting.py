"""JSON nesting is measured before any recursive decoder sees the text."""

from __future__ import annotations

import time

import pytest

from api.core.errors import ValidationFailed
from api.core.nesting import MAX_DEPTH, check_json_depth


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
    started = time.process_time()  # this process's CPU time: other load does not count
    check_json_depth(data)
    assert time.process_time() - started < 2


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
    started = time.process_time()  # this process's CPU time: other load does not count
    if deep:
        with pytest.raises(ValidationFailed):
            check_json_depth(data)
    else:
        check_json_depth(data)
    assert time.process_time() - started < 1.5
