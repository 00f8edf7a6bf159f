"""Catalog validation: syntax, placeholders, markup, control characters, unknown contexts."""

from __future__ import annotations

import time

import pytest

from api.core.catalog import MAX_CATALOG_ENTRIES, MAX_REPORTED_ERRORS, parse_catalog
from api.core.errors import ImportRejected, ValidationFailed

PO = """\
msgid ""
msgstr ""
"Language: es\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

#. Section heading
msgctxt "demo/intro/heading"
msgid "Intro"
msgstr "Introducción"

msgctxt "fact/per"
msgid "{range} per plan"
msgstr "{range} por plan"

#, fuzzy
msgctxt "demo/intro/p1"
msgid "Hello."
msgstr "Hola."
"""
KNOWN = {"demo/intro/heading", "demo/intro/p1", "fact/per"}


def test_valid_catalog_keeps_entries_with_lines_and_fuzzy_flag() -> None:
    catalog = parse_catalog(PO.encode(), "es.po", "es", KNOWN)
    assert [(e.context, e.line, e.fuzzy) for e in catalog.entries] == [
        ("demo/intro/heading", 8, False),
        ("fact/per", 12, False),
        ("demo/intro/p1", 17, True),
    ]


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ('msgstr "Introducción"', "msgstr Introducción", 9, "not a valid PO line"),
        ('msgstr "Introducción"', 'msgstr "Intro\\q"', 9, "invalid escape"),
        ('"{range} por plan"', '"por plan"', 13, "placeholders differ"),
        ('"{range} por plan"', '"{rango} por plan"', 13, "placeholders differ"),
        ('"Introducción"', '"<b>Introducción</b>"', 9, "markup"),
        ('"Introducción"', '"Intro&amp;"', 9, "markup"),
        ('"Introducción"', '"Intro\\tducción"', 9, "control character"),
        ('"Introducción"', '"Intro\u202educción"', 9, "control character U+202E"),
        ('msgctxt "demo/intro/heading"', 'msgctxt "demo/nowhere/p9"', 8, "names no known block"),
        ("Language: es", "Language: fr", 1, "declares Language"),
    ],
)
def test_broken_catalog_names_the_line(old: str, new: str, line: int, message: str) -> None:
    assert old in PO
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog(PO.replace(old, new).encode(), "locales/es/content.po", "es", KNOWN)
    assert (caught.value.file, caught.value.line) == ("locales/es/content.po", line)
    assert message in caught.value.detail


def test_wrong_encoding_names_the_line() -> None:
    data = PO.replace("Introducción", "Introducci\udcf3n").encode("utf-8", "surrogateescape")
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog(data, "es.po", "es", KNOWN)
    assert caught.value.line == 9
    assert "UTF-8" in caught.value.detail


def test_entry_count_is_capped() -> None:
    cap = MAX_CATALOG_ENTRIES + len(KNOWN)  # the floor, plus one per known block
    many = PO + "".join(f'\nmsgctxt "fact/per"\nmsgid "m{n}"\nmsgstr "x"\n' for n in range(cap + 1))
    with pytest.raises(ValidationFailed, match=f"more than {cap} entries"):
        parse_catalog(many.encode(), "es.po", "es", KNOWN)


def _entry(context: str, source: str, text: str) -> str:
    return f'\nmsgctxt "{context}"\nmsgid "{source}"\nmsgstr "{text}"\n'


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        ((PO + _entry("demo/intro/p1", "Bye.", "Adi\x07s")).encode(), 22, "U+0007"),
        ((PO + _entry("demo/intro/p1", "Bye.", "Adi\\rs")).encode(), 22, "U+000D"),
        ((PO + _entry("demo/intro/p1", "Bye.", "<script>x</script>")).encode(), 22, "markup"),
        (
            (PO + _entry("demo/intro/p1", "Bye.", "[link](javascript:x) &lt;")).encode(),
            22,
            "markup",
        ),
        ((PO + _entry("demo/intro/p1", "Bye.", "a\u2066b")).encode(), 22, "U+2066"),
        ((PO + _entry("demo/intro/p1", "Bye.", "x" * 10_001)).encode(), 22, "longer than"),
        (
            PO.encode().replace("Introducción".encode(), "Introducción".encode("latin-1")),
            9,
            "UTF-8",
        ),
        (PO.encode("utf-16"), 1, "UTF-8"),
        (bytes(range(256)) * 64, 2, "UTF-8"),
        (PO.encode() + b"\x00\x01\x02", 19, "not a valid PO line"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), 1, "UTF-8"),
    ],
    ids=[
        "bell",
        "carriage-return",
        "html",
        "entity",
        "bidi-isolate",
        "too-long",
        "latin-1-in-utf-8",
        "utf-16-bom",
        "binary",
        "nul",
        "png",
    ],
)
def test_hostile_catalog_is_refused_with_the_line(data: bytes, line: int, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog(data, "es.po", "es", KNOWN)
    assert (caught.value.file, caught.value.line) == ("es.po", line)
    assert message in caught.value.detail


def test_thousands_of_unknown_contexts_are_refused_quickly_with_a_bounded_list() -> None:
    many = PO + "".join(_entry(f"no/such/{n}", f"m{n}", "x") for n in range(19_990))
    started = time.perf_counter()
    with pytest.raises(ImportRejected) as caught:
        parse_catalog(many.encode(), "es.po", "es", KNOWN)
    assert time.perf_counter() - started < 10
    errors = caught.value.errors
    assert len(errors) == MAX_REPORTED_ERRORS + 1
    assert [e.line for e in errors[:2]] == [21, 25]
    assert "names no known block" in errors[0].detail
    assert errors[-1].detail == f"{19_990 - MAX_REPORTED_ERRORS} more errors not listed"
