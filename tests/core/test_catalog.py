"""Catalog validation: syntax, placeholders, markup, control characters, unknown contexts."""

from __future__ import annotations

import pytest

from api.core.catalog import MAX_CATALOG_ENTRIES, parse_catalog
from api.core.errors import ValidationFailed

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
