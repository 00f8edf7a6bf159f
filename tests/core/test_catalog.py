"""Catalog validation: syntax, placeholders, markup, control characters, unknown contexts."""

from __future__ import annotations

import pytest

from api.core.catalog import MAX_CATALOG_ENTRIES, MAX_REPORTED_ERRORS, parse_catalog
from api.core.errors import ImportRejected, ValidationFailed
from tests.work import Work, measured

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
KNOWN = {"demo/intro/heading", "demo/intro/p1", "demo/intro/p2", "fact/per"}


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
        ((PO + _entry("demo/intro/p2", "Bye.", "Adi\x07s")).encode(), 22, "U+0007"),
        ((PO + _entry("demo/intro/p2", "Bye.", "Adi\\rs")).encode(), 22, "U+000D"),
        ((PO + _entry("demo/intro/p2", "Bye.", "<script>x</script>")).encode(), 22, "markup"),
        (
            (PO + _entry("demo/intro/p2", "Bye.", "[link](javascript:x) &lt;")).encode(),
            22,
            "markup",
        ),
        ((PO + _entry("demo/intro/p2", "Bye.", "a\u2066b")).encode(), 22, "U+2066"),
        ((PO + _entry("demo/intro/p2", "Bye.", "x" * 10_001)).encode(), 22, "longer than"),
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


def _unknown(count: int) -> bytes:
    return (PO + "".join(_entry(f"no/such/{n}", f"m{n}", "x") for n in range(count))).encode()


def _refusing(count: int, max_lines: int | None = None) -> Work:
    with measured(parse_catalog, max_lines=max_lines) as work, pytest.raises(ImportRejected):
        parse_catalog(_unknown(count), "es.po", "es", KNOWN)
    return work


def test_the_work_of_refusing_unknown_contexts_grows_linearly() -> None:
    """Quickly, counted rather than timed: four times the entries cost at most about four
    times the Python lines (work per error that grew with the errors so far would cost
    sixteen times)."""
    small = _refusing(400)
    large = _refusing(1_600, max_lines=6 * small.lines)
    assert small.entered == large.entered == 1
    assert large.lines < 4.5 * small.lines, (small.lines, large.lines)


@pytest.mark.slow  # seconds of in-process work: out of the fast loop
def test_thousands_of_unknown_contexts_are_refused_quickly_with_a_bounded_list() -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_catalog(_unknown(19_990), "es.po", "es", KNOWN)
    errors = caught.value.errors
    assert len(errors) == MAX_REPORTED_ERRORS + 1
    assert [e.line for e in errors[:2]] == [21, 25]
    assert "names no known block" in errors[0].detail
    assert errors[-1].detail == f"{19_990 - MAX_REPORTED_ERRORS} more errors not listed"


# --- round two: format strings, charset, duplicates, one text policy, NFC ---


@pytest.mark.parametrize(
    ("msgstr", "message"),
    [
        ("{range} por plan {", "msgstr is not a valid format string"),
        ("{range} por plan }", "msgstr is not a valid format string"),
        ("{{range}} por plan", "placeholders differ: msgid has ['range'], msgstr has none"),
        ("{} por plan", "{} is not a plain named field"),
        ("{0} por plan", "{0} is not a plain named field"),
        ("{range.real} por plan", "is not a plain named field"),
        ("{range!r} por plan", "is not a plain named field"),
        ("{range:>40} por plan", "is not a plain named field"),
        ("{range} por plan {range}", "msgstr has ['range', 'range']"),
        ("{range} por {plan}", "msgstr has ['plan', 'range']"),
    ],
)
def test_a_formatted_phrase_must_be_a_format_string_with_the_msgids_fields(
    msgstr: str, message: str
) -> None:
    data = PO.replace('msgstr "{range} por plan"', f'msgstr "{msgstr}"').encode()
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog(data, "es.po", "es", KNOWN)
    assert caught.value.line == 13
    assert message in caught.value.detail


@pytest.mark.parametrize("msgstr", ["por plan: {range}", "{range} por plan {{y más}}"])
def test_a_valid_formatted_phrase_formats(msgstr: str) -> None:
    data = PO.replace('msgstr "{range} por plan"', f'msgstr "{msgstr}"').encode()
    entry = next(e for e in parse_catalog(data, "es.po", "es", KNOWN).entries if e.line == 12)
    assert "$1–$2" in entry.text.format(range="$1–$2")


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        ("text/plain; charset=x-bogus-42", "declares charset 'x-bogus-42'"),
        ("text/plain; charset=ISO-8859-1", "declares charset 'ISO-8859-1'"),
        ("text/plain; charset=CHARSET", "declares charset 'CHARSET'"),
    ],
)
def test_a_catalog_must_declare_utf8(content_type: str, message: str) -> None:
    data = PO.replace("text/plain; charset=UTF-8", content_type).encode()
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog(data, "es.po", "es", KNOWN)
    assert (caught.value.line, caught.value.file) == (4, "es.po")
    assert message in caught.value.detail


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8"])
def test_utf8_is_accepted_however_spelled(charset: str) -> None:
    data = PO.replace("charset=UTF-8", f"charset={charset}").encode()
    assert parse_catalog(data, "es.po", "es", KNOWN).header.fields


@pytest.mark.parametrize(
    ("header", "line", "message"),
    [
        ('# Spanish \u202etranslation\nmsgid ""', 1, "bidi control character U+202E"),
        ('# Spanish\n# \x1b[2J\nmsgid ""', 2, "control character U+001B"),
        ('# Sp\ue000anish\nmsgid ""', 1, "private-use character U+E000"),
    ],
)
def test_the_header_text_exports_splice_follows_the_text_policy(
    header: str, line: int, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog(PO.replace('msgid ""', header, 1).encode(), "es.po", "es", KNOWN)
    assert caught.value.line == line
    assert message in caught.value.detail


def test_a_header_naming_its_translator_is_fine() -> None:
    data = PO.replace('msgid ""', '# Ana Pérez <ana@example.org>, 2024.\nmsgid ""', 1)
    header = parse_catalog(data.encode(), "es.po", "es", KNOWN).header
    assert header.text.startswith("# Ana Pérez <ana@example.org>, 2024.\n")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (_entry("demo/intro/heading", "Intro", "Otra"), "'demo/intro/heading' appears twice"),
        (_entry("demo/intro/heading", "Intro", "Otra"), "at lines 7 and 20"),
        (_entry("fact/per", "{range} per plan", "{range} el plan"), "msgid '{range} per plan'"),
    ],
)
def test_a_message_twice_is_refused_with_both_lines(extra: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog((PO + extra).encode(), "es.po", "es", KNOWN)
    assert caught.value.line == 20
    assert message in caught.value.detail


def test_a_block_keeps_the_translation_of_each_published_text() -> None:
    """Version 1's words and a later version's under the same msgctxt are two messages: each
    version is rendered with the translation of its own text (see content-history.md)."""
    extra = _entry("demo/intro/heading", "Old intro", "Intro antigua")
    parsed = parse_catalog((PO + extra).encode(), "es.po", "es", KNOWN)
    texts = {e.source: e.text for e in parsed.entries if e.context == "demo/intro/heading"}
    assert texts["Old intro"] == "Intro antigua"
    assert len(texts) == 2


def test_the_shared_phrase_context_takes_one_entry_per_msgid() -> None:
    extra = _entry("fact/per", "{range} per session", "{range} por sesión")
    parsed = parse_catalog((PO + extra).encode(), "es.po", "es", KNOWN)
    assert [e.source for e in parsed.entries if e.context == "fact/per"] == [
        "{range} per plan",
        "{range} per session",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Adi\u200bós", "invisible format character U+200B"),
        ("Adiós\U000e0041\U000e0042", "invisible format character U+E0041"),
        ("Adiós\ue000", "private-use character U+E000"),
        ("Adiós\uffff", "noncharacter U+FFFF"),
    ],
)
def test_invisible_and_private_characters_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog((PO + _entry("demo/intro/p2", "Bye.", text)).encode(), "es.po", "es", KNOWN)
    assert caught.value.line == 22
    assert message in caught.value.detail


def test_translations_and_their_msgids_are_stored_in_nfc() -> None:
    decomposed = PO.replace("Introducción", "Introduccio\u0301n").replace(
        'msgid "Hello."', 'msgid "He\u0301llo."'
    )
    entries = parse_catalog(decomposed.encode(), "es.po", "es", KNOWN).entries
    assert entries[0].text == "Introducción"
    assert entries[2].source == "Héllo."


def test_a_regional_catalog_declaring_its_region_is_the_languages() -> None:
    data = PO.replace("Language: es", "Language: es_ES").encode()
    assert parse_catalog(data, "es.po", "es", KNOWN).locale == "es"


# A catalog of several parts (the checks read a large file in runs of 2,000 entries).
MANY = [f"demo/many/p{n}" for n in range(4500)]
LONG_PO = PO + "".join(_entry(context, f"Text {n}", f"Texto {n}") for n, context in enumerate(MANY))


def _line_of(text: str, needle: str) -> int:
    return text[: text.rindex(needle)].count("\n") + 1


def test_a_large_catalog_parses_with_the_lines_of_the_whole_file() -> None:
    parsed = parse_catalog(LONG_PO.encode(), "es.po", "es", {*KNOWN, *MANY})
    last = parsed.entries[-1]
    assert last.context == MANY[-1]
    assert last.line == _line_of(LONG_PO, f'msgid "Text {len(MANY) - 1}"')  # its msgid line


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('msgstr "Texto 4321"', "msgstr Texto 4321", "not a valid PO line"),
        ('msgstr "Texto 3210"', 'msgstr "Texto\\q"', "invalid escape"),
        # The same message (msgctxt and msgid) twice, far apart.
        (
            'msgctxt "demo/many/p4400"\nmsgid "Text 4400"',
            'msgctxt "demo/many/p7"\nmsgid "Text 7"',
            "at lines",
        ),
    ],
)
def test_an_error_deep_in_a_large_catalog_names_its_line(old: str, new: str, message: str) -> None:
    text = LONG_PO.replace(old, new)
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog(text.encode(), "es.po", "es", {*KNOWN, *MANY})
    assert message in caught.value.detail
    assert caught.value.line == _line_of(text, new)


@pytest.mark.parametrize(
    "extra",
    [
        # The same message written with an escape, or over continuation lines: the one
        # message twice all the same.
        'msgctxt "demo/intro/heading"\nmsgid "Int\\x72o"\nmsgstr "Otra"\n'.replace("\\x72", "r"),
        'msgctxt "demo/intro/heading"\nmsgid ""\n"In"\n"tro"\nmsgstr "Otra"\n',
        'msgctxt ""\n"demo/intro/heading"\nmsgid "Intro"\nmsgstr "Otra"\n',
    ],
)
def test_a_message_twice_is_refused_however_its_lines_are_cut(extra: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog((PO + "\n" + extra).encode(), "es.po", "es", KNOWN)
    assert caught.value.line == 20
    assert "'demo/intro/heading' appears twice, at lines 7 and 20" in caught.value.detail


@pytest.mark.parametrize(
    "entry",
    [
        # An extracted comment ends the entry it interrupts, as any comment does: what
        # follows it is then no part of an entry (the error of Babel, the parser of record).
        'msgctxt "demo/intro/p2"\nmsgid "Bye."\n#. a note\nmsgstr "Adiós."\n',
        'msgctxt "demo/intro/p2"\nmsgid "Bye."\nmsgstr "Adi"\n#. a note\n\n"ós."\n',
        'msgctxt "demo/intro/p2"\n#. a note\n#. another\nmsgid "Bye."\nmsgstr "Adiós."\n#.\n',
        # A reference ends it alike; one with an unbalanced directional isolate is an error.
        'msgctxt "demo/intro/p2"\nmsgid "Bye."\n#: content/a.yaml:3\nmsgstr "Adiós."\n',
        '#: \u2068content/a b.yaml:3\nmsgctxt "demo/intro/p2"\nmsgid "Bye."\nmsgstr "Adiós."\n',
    ],
)
def test_an_extracted_comment_inside_an_entry_is_read_as_babel_reads_it(entry: str) -> None:
    data = (PO + "\n" + entry).encode()
    if entry.startswith('msgctxt "demo/intro/p2"\n#.'):
        # Between msgctxt and msgid it ends nothing: the entry is whole.
        parsed = parse_catalog(data, "es.po", "es", KNOWN)
        assert parsed.entries[-1].text == "Adiós."
        return
    with pytest.raises(ValidationFailed) as caught:
        parse_catalog(data, "es.po", "es", KNOWN)
    assert "catalog syntax" in caught.value.detail
