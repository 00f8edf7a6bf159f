"""The catalog's line checks scan the whole text at once: they must say what checking
each line in turn says (the first bad line, its number, the message; every duplicate)."""

from __future__ import annotations

import itertools

import pytest
from babel.messages.pofile import unescape

from api.core.catalog import (
    _CONTINUATION,
    _KEYWORD_STRING,
    _check_line,
    _check_syntax,
    _duplicate_contexts,
    _MsgstrLines,
)
from api.core.errors import ValidationFailed
from api.core.formatting import FORMATTED_CONTEXTS

GOOD = [
    "",
    "   ",
    "\t",
    "#",
    "# a comment with \\q and \\",
    "#. extracted",
    "#, fuzzy",
    '#| msgid "old"',
    '#~ msgid "obsolete"',
    "#~",
    '#~msgstr "x\\n"',
    "#~ \\\\q",
    "#~ ends with a backslash \\",
    'msgctxt "a/b"',
    'msgid "Hello \\"you\\"\\n\\t\\r\\\\"',
    'msgid_plural "many"',
    'msgstr[0] "uno"',
    'msgstr ""',
    '"continued"   ',
    'msgid\t"tab"\t',
    'msgid\u00a0"no-break space"\u00a0',
    'msgid "\u00a0\u202f"',
    'msgstr "\u0627\u0644\u0639\u0644\u0627\u062c"',
    'msgstr "\U0001f600"',
]
BAD = [
    'msgid "a\\q"',
    'msgid "a\\"',
    'msgid "a" b',
    'msgid "a""b"',
    "msgid",
    "msgctxt",
    "msgctxt 'single'",
    ' msgid "indented"',
    'msgidx "a"',
    'msgstr[x] "a"',
    '#~ msgid "a\\q"',
    "#~ \\x",
    '"unterminated',
    '"a\\u00e9"',
    "text",
    'msgid "a\rb"',
    'msgid "a"\r',
    '# comment\u2028msgid "x"',
    'msgid "a\u2028b"',
    'msgid "a\\\u2028"',
    "#~ \\\u0085",
    'msgid "a\x0cb"',
    'msgid "a\x1db"',
    'msgid "a\x1fb"',
    'msgid "a"\x1f',
]


def _line_by_line(text: str) -> tuple[str, int | None] | None:
    try:
        for number, line in enumerate(text.splitlines(), start=1):
            _check_line(line, "f.po", number)
    except ValidationFailed as exc:
        return exc.detail, exc.line
    return None


def _scanned(text: str) -> tuple[str, int | None] | None:
    try:
        _check_syntax(text, "f.po")
    except ValidationFailed as exc:
        return exc.detail, exc.line
    return None


@pytest.mark.parametrize("line", GOOD + BAD)
@pytest.mark.parametrize("ending", ["\n", "", "\r\n", "\n\n"])
def test_the_syntax_check_finds_what_each_line_in_turn_finds(line: str, ending: str) -> None:
    before = 'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n#. note\nmsgctxt "a"\nmsgid "x"\n'
    for text in (line + ending, before + line + ending, before + line + ending + 'msgstr "y"\n'):
        assert _scanned(text) == _line_by_line(text)


def test_the_syntax_check_agrees_on_pairs_of_lines() -> None:
    for first, second in itertools.product(GOOD + BAD, repeat=2):
        for text in (f"{first}\n{second}\n", f"{first}\n{second}", f"{first}\r\n{second}\n"):
            assert _scanned(text) == _line_by_line(text), repr(text)


def test_an_empty_catalog_has_no_bad_line() -> None:
    assert _scanned("") is None


def _duplicates_line_by_line(text: str) -> list[tuple[str, int | None, str | None]]:
    """The duplicate check as it was written first, one line at a time."""
    first: dict[tuple[str, str], int] = {}
    found: list[tuple[str, int | None, str | None]] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.startswith("msgctxt"):
            continue
        context, after = _string_at_line(lines, number - 1)
        # A message is its msgctxt and msgid (a block keeps one entry per published text).
        source = _string_at_line(lines, after)[0] if after < len(lines) else ""
        key = (context, source)
        if key in first:
            named = context in FORMATTED_CONTEXTS
            what = f"msgctxt {context[:200]!r}" + (f" msgid {source[:200]!r}" if named else "")
            found.append(
                (
                    f"{what} appears twice, at lines {first[key]} and {number}: keep one",
                    number,
                    context,
                )
            )
        else:
            first[key] = number
    return found


def _string_at_line(lines: list[str], index: int) -> tuple[str, int]:
    match = _KEYWORD_STRING.match(lines[index])
    parts = [match.group(1)] if match else []
    index += 1
    while index < len(lines) and (more := _CONTINUATION.match(lines[index])):
        parts.append(more.group(1))
        index += 1
    return unescape('"' + "".join(parts) + '"'), index


def _duplicates(text: str) -> list[tuple[str, int | None, str | None]]:
    return [(e.detail, e.line, e.path) for e in _duplicate_contexts(text, "f.po")]


BLOCKS = [
    'msgctxt "a/b"\nmsgid "x"\nmsgstr "y"\n',
    'msgctxt "a/b"  \nmsgid "x"\nmsgstr "y"\n',
    'msgctxt\t"a/b"\t\nmsgid "x"\nmsgstr "y"\n',
    'msgctxt ""\n"a/b"\nmsgid "x"\nmsgstr "y"\n',
    'msgctxt "a/"\n"b"\nmsgid "x"\nmsgstr "y"\n',
    'msgctxt "a/\\"b\\""\nmsgid "x"\nmsgstr "y"\n',
    'msgctxt "a/\\"b\\""\nmsgid "x"\n',
    'msgctxt "a/b"\r\nmsgid "x"\r\nmsgstr "y"\r\n',
    'msgctxt "a/b"\n',
    'msgctxt "a/b"',
    'msgctxt "a/b" x\nmsgid "x"\n',
    "msgctxt\n",
    'msgctxt "a/b"\nmsgctxt "a/b"\n',
    'msgctxt "fact/per"\nmsgid "{range} per plan"\nmsgstr "{range} por plan"\n',
    'msgctxt "fact/per"\nmsgid ""\n"{range} per plan"\nmsgstr "{range} por plan"\n',
    'msgctxt "fact/per"\nmsgid "{range} per session"\nmsgstr "{range} por sesión"\n',
    'msgctxt "fact/per"\n',
    'msgctxt "fact/per"',
    'msgctxt "fact/"\n"per"\nmsgid "{range} per plan"\n',
    'msgctxt "fact/per"\n\nmsgid "{range} per plan"\n',
    '#~ msgctxt "a/b"\n#~ msgid "x"\n#~ msgstr "y"\n',
    ' msgctxt "a/b"\n',
    'msgctxtx "a/b"\n',
]


def test_the_duplicate_check_finds_what_each_line_in_turn_finds() -> None:
    for first, second in itertools.product(BLOCKS, repeat=2):
        for text in (first + second, first + "\n" + second, "# c\n" + first + "\n" + second):
            assert _duplicates(text) == _duplicates_line_by_line(text), repr(text)
    everything = "\n".join(BLOCKS * 3)
    assert _duplicates(everything) == _duplicates_line_by_line(everything)
    assert len(_duplicates(everything)) > 20


def _msgstr_line_by_line(text: str, msgid_line: int) -> int:
    """The definition: the first line from `msgid_line` on that starts with msgstr."""
    lines = text.splitlines()
    for number in range(msgid_line, len(lines) + 1):
        if lines[number - 1].startswith("msgstr"):
            return number
    return msgid_line


MSGSTR_TEXTS = [
    "",
    "msgstr",
    'msgid "a"\nmsgstr "b"\n',
    'msgid "a"\nmsgstr "b"',
    'msgid "a"\r\nmsgstr "b"\r\n\r\nmsgid "c"\r\nmsgstr "d"\r\n',
    'msgid "a"\rmsgstr "b"\rmsgid "c"\n\rmsgstr "d"',
    'msgid "a"\u2028msgstr "b"\x85msgstr\x0bmsgstr\x0c\x1cmsgstr\x1d\x1emsgstr\u2029msgstr',
    ' msgstr "indented"\n#msgstr\n"msgstr"\nmsgstrx\n\n\nmsgstr[0] "x"\n',
    'msgid "a"\n\n\n\nmsgid "b"\n',
    "\n".join(f'msgctxt "c{i}"\nmsgid "s{i}"\nmsgstr "t{i}"\n' for i in range(50)),
]


@pytest.mark.parametrize("text", MSGSTR_TEXTS)
def test_msgstr_lines_found_at_once_are_those_found_line_by_line(text: str) -> None:
    found = _MsgstrLines(text)
    for msgid_line in range(1, len(text.splitlines()) + 3):
        assert found.after(msgid_line) == _msgstr_line_by_line(text, msgid_line), msgid_line
