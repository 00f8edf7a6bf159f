"""The one-pass reader of content YAML agrees with the reference reader (parse, compose,
walk) and with PyYAML's safe_load, and leaves everything the reference refuses to it."""

from __future__ import annotations

import pytest
import yaml

from api.core.content import _read_plain, _read_refusing
from api.core.errors import ValidationFailed
from api.core.nesting import MAX_DEPTH

ORDINARY = {
    "implicit ints": "a: 1\nb: -2\nc: +3\nd: 0x1F\ne: 0o17\nf: 017\ng: 0b101\nh: 1_000\ni: 1:30\n",
    "implicit floats": "a: 1.5\nb: -0.5e+3\nc: .inf\nd: -.Inf\ne: .NaN\nf: 1e3\ng: 190:20:30.15\n",
    "implicit bools": "a: yes\nb: No\nc: on\nd: OFF\ne: true\nf: False\ng: y\nh: n\n",
    "implicit nulls": "a: ~\nb: null\nc: Null\nd:\ne: ''\nf: NULL\n",
    "timestamps": (
        "a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\nc: 2001-12-14 21:59:43.10 +5\n"
        "d: 2001-12-15T02:59:43.1Z\ne: 2002-12-14 21:59:43\n"
    ),
    "quoted and plain look-alikes": (
        'a: \'1\'\nb: "1.5"\nc: \'yes\'\nd: "~"\ne: "2001-12-14"\nf: 1.2.3\ng: 12abc\n'
        "h: nope\ni: Ontario\nj: -x\nk: +\nl: .\nm: 0x\nn: 1e\no: --1\n"
    ),
    "non-specific tag": "a: ! 12\nb: ! yes\nc: ! 'x'\nd: ! [x]\ne: ! {y: 1}\n",
    "plain scalar tags": (
        "a: !!str 12\nb: !!int '12'\nc: !!float 1\nd: !!bool yes\ne: !!null ''\n"
        "f: !!timestamp 2001-12-14\ng: !!str\n"
    ),
    "multi-line scalars": (
        "literal: |\n  one\n   two\n\n  three\nfolded: >\n  one\n  two\n\n  three\n"
        "strip: |-\n  x\n\nkeep: >+\n  y\n\n\nplain: one\n  two\n\n  three\n"
        'double: "one \\\n  two\\tthree\\u00e9\\x41 \\"q\\""\n'
        "single: 'it''s\n  here'\n"
    ),
    "keys": (
        '"a b": 1\n\'1\': x\n"true": z\n"": empty\n? complex plain key\n: v\n'
        "!!str tagged: w\nkey with spaces  : s\n"
    ),
    "empty values": "a:\nb: []\nc: {}\nd:\n- \n- ~\n-\ne: ''\nf: \"\"\n",
    "nested lists": (
        "flow: [[1, 2], [3, [4, []]], {a: [x, y]}]\nblock:\n- - a\n  - - b\n    - c\n- []\n"
        "- k: v\n  l:\n  - 1\n  - m: {n: o}\n"
    ),
    "document markers and comments": "# head\n---\na: 1 # one\n# between\nb: [2, 3] # two\n...\n",
    "flow mapping": "{a: 1, b: [x, y], 'c': {d: e}, f: }",
    "top-level list": "- 1\n- a\n- [b]\n",
    "top-level scalar": "just text\n",
    "unicode": 't: "\\u00e9t\\u00e9"\nu: été\nv: 日本語\nw: "\\U0001F600"\n',
    "paths that collide": "a:\n- 1\n- 2\n'a[0]': 3\nb.c: 4\nb:\n  c: 5\n",
}


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("text", list(ORDINARY.values()), ids=list(ORDINARY))
def test_the_one_pass_reader_agrees_with_the_reference_and_safe_load(text: str) -> None:
    read = _read_plain(text)
    assert read is not None, "an ordinary document is read in one pass"
    value, lines = read
    reference, reference_lines = _read_refusing(text, "demo.yaml")
    # repr tells 1 from 1.0 and True, nan from a string, and shows the order of keys.
    assert repr(value) == repr(reference)
    assert lines == reference_lines
    assert repr(value) == repr(yaml.safe_load(text))


def test_keys_are_their_text() -> None:
    """As the reference reads them, whatever they look like or their tag (safe_load would
    make ints, bools and None of some, merge or refuse others)."""
    text = "2: y\ntrue: z\nnull: n\n~: t\n<<: merge\n=: value\n!!int 3: three\n!custom c: d\n"
    keys = ["2", "true", "null", "~", "<<", "=", "3", "c"]
    values = ["y", "z", "n", "t", "merge", "value", "three", "d"]
    lines = {"$": 1} | {f"$.{key}": n for n, key in enumerate(keys, 1)}
    assert _read_plain(text) == (dict(zip(keys, values, strict=True)), lines)
    assert _read_plain(text) == _read_refusing(text, "demo.yaml")


def test_nesting_up_to_the_limit_is_read() -> None:
    read = _read_plain(_deep(MAX_DEPTH))
    assert read is not None
    assert read == _read_refusing(_deep(MAX_DEPTH), "demo.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "a: &x [1]\n",
        "a: !!python/object/apply:os.system ['true']\n",
        "a: !custom x\n",
        "a: !!binary aGk=\n",
        "a: !!set {x}\n",
        "a: !!map {x: 1}\n",
        "a: !!seq [1]\n",
        "a: !!str [1]\n",
        "a: !!map x\n",
        "a: =\n",
        "a: <<\n",
        "a: 1\na: 2\n",
        "a: 1\n'a': 2\n",
        "? [a]\n: b\n",
        "{[a]: b}\n",
        "? {a: 1}\n: b\n",
        "a: 1\n---\nb: 2\n",
        "",
        "# only a comment\n",
        "a: 2001-13-45\n",
        "a: !!int x\n",
        "a: !!bool maybe\n",
        "a: [unclosed\n",
        "a: b: c\n",
        _deep(MAX_DEPTH + 1),
        "".join(" " * n + f"k{n}:\n" for n in range(MAX_DEPTH + 2)),
    ],
)
def test_what_the_reference_refuses_is_left_to_it(text: str) -> None:
    """The one-pass reader gives up, so the reference reader names the problem and its line
    (or raises what it raises): its errors are the only ones."""
    assert _read_plain(text) is None


@pytest.mark.parametrize(
    "text",
    ["a: !!map {x: 1}\n", "a: !!seq [1]\n", "{a: 1, b: !!map {}}"],
)
def test_explicit_collection_tags_are_read_by_the_reference(text: str) -> None:
    assert _read_plain(text) is None
    value, _ = _read_refusing(text, "demo.yaml")
    assert value == yaml.safe_load(text)


def test_the_reference_names_what_the_one_pass_reader_gave_up_on() -> None:
    with pytest.raises(ValidationFailed) as caught:
        _read_refusing("a: 1\nb:\n  c: 1\n  c: 2\n", "demo.yaml")
    assert (caught.value.line, caught.value.detail) == (4, "invalid or duplicate key 'c'")
