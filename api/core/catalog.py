"""Validating gettext catalogs (.po) before anything of them is stored.

A catalog is UTF-8 and says so; it is checked line by line for syntax, then parsed with
Babel. Every entry must name a known message context, once, and keep the msgid's
placeholders (a phrase that is formatted must be a valid format string with exactly
the msgid's fields); every text, header included, follows the text policy of
`api.core.text` and is stored in NFC. Errors carry `file:line`.
"""

from __future__ import annotations

import codecs
import io
import re
import string
from bisect import bisect_left
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from itertools import chain

import msgspec
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, unescape

from api.core.errors import ImportRejected, ValidationFailed
from api.core.formatting import FORMATTED_CONTEXTS
from api.core.negotiation import canonical_locale
from api.core.text import nfc, text_problem

__all__ = [
    "MAX_CATALOG_BYTES",
    "MAX_CATALOG_ENTRIES",
    "MAX_REPORTED_ERRORS",
    "MAX_TRANSLATION_CHARS",
    "CatalogEntry",
    "CatalogHeader",
    "ParsedCatalog",
    "catalog_byte_limit",
    "check_translation",
    "declares_utf8",
    "parse_catalog",
    "template_header",
]

# The floor of the caps; one catalog holds every article, so they grow with the content
# (about 600 bytes per message: a 1,000-article catalog is near 50 MB).
MAX_CATALOG_BYTES = 5_000_000
MAX_CATALOG_ENTRIES = 20_000
_BYTES_PER_MESSAGE = 1_000
_ENTRIES_PER_PART = 2_000
_ENTRY_GAP = re.compile(r"\n\n+")
MAX_REPORTED_ERRORS = 20
MAX_TRANSLATION_CHARS = 10_000  # the longest source text the content model allows
_LINE = re.compile(
    r'^(?:#.*|(?:#~\s*)?(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(?:[^"\\]|\\.)*"\s*'
    r'|(?:#~\s*)?"(?:[^"\\]|\\.)*"\s*|\s*)$'
)
_ESCAPE = re.compile(r"\\(.)")
# The line breaks of str.splitlines, and a run of lines (each with its "\n") that pass
# both checks of _check_syntax matched at C speed, without backtracking (`*+`, `++`): a
# comment, an obsolete line whose every escape is valid, a keyword or continuation line
# whose escapes are valid, a blank line; none holds a line break but "\n".
_BREAKS = "\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029"
_OTHER_BREAKS = re.compile(f"[{_BREAKS[1:]}]")
_LINE_BREAK = re.compile(f"\r\n|[{_BREAKS}]")
_MSGSTR_LINE = re.compile(f"(?:^|(?<=[{_BREAKS}]))msgstr")
_TEXT = f"[^{_BREAKS}]"
_TEXT_BUT = f'[^{_BREAKS}"\\\\]'
_BLANK = f"[^\\S{_BREAKS}]"
_STRING = rf'"{_TEXT_BUT}*+(?:\\[\\"ntr]{_TEXT_BUT}*+)*+"'
_VALID_LINES = re.compile(
    rf"(?:(?:#(?:[^~{_BREAKS}]{_TEXT}*+)?"
    rf'|#~[^{_BREAKS}\\]*+(?:(?:\\[\\"ntr]|\\(?=\n))[^{_BREAKS}\\]*+)*+'
    rf"|(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?){_BLANK}++{_STRING}{_BLANK}*+"
    rf"|{_STRING}{_BLANK}*+|{_BLANK}*+)\n)*+"
)
# The header as written: its comment lines, then the `msgid ""` entry and its strings.
_WRITTEN_HEADER = re.compile(r'(?:#[^\n]*\n)*msgid ""\nmsgstr ""\n(?:"[^\n]*"\n)*')
_VALID_ESCAPES = frozenset('\\"ntr')
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[#0\- +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
_KEYWORD_STRING = re.compile(r'^[a-z_]+\s+"((?:[^"\\]|\\.)*)"\s*$')
_CONTINUATION = re.compile(r'^"((?:[^"\\]|\\.)*)"\s*$')
# A line that begins with msgctxt (after a "\n": a literal to search for is much quicker
# than `^` in MULTILINE mode; the first line is matched alone). When it is one string free
# of escapes and no continuation line follows (nearly always), the string is group 1 and
# the line after it begins one past the match's end, as _string_at would find them.
_CONTEXT_LINE = (
    r'msgctxt(?:[ \t]+"([^"\\\n]*+)"[ \t]*+(?=\n(?!"))'
    # and, alike, the msgid line right after it (group 2), as _string_at would read it
    r'(?:\nmsgid[ \t]+"([^"\\\n]*+)"[ \t]*+(?=\n(?!")))?)?'
)
_MSGCTXT = re.compile("\n" + _CONTEXT_LINE)
_FIRST_MSGCTXT = re.compile(_CONTEXT_LINE)
# A `#.` or `#:` line (after the syntax check, comments begin the line) followed, past
# blank lines and other such lines, by a line that Babel would read as part of the entry
# it ends. Searched in the text after a "\n" (a literal to search for is much quicker
# than `^` in MULTILINE mode).
# (Blank lines and comments are among the lines that end nothing, so that no shorter run
# of them found by backtracking is taken for such a line.)
_COMMENT_INSIDE_AN_ENTRY = re.compile(
    r"\n#[.:][^\n]*+(?:\n[^\S\n]*+(?=\n)|\n#[.:][^\n]*+)*"
    r"\n(?!#(?!~)|msgctxt |msgid |#~[^\S\n]*+msgctxt |#~[^\S\n]*+msgid |[^\S\n]*+(?:\n|\Z))"
)
_UNREAD_COMMENTS = frozenset({"#.", "#:"})
_MSGID_LINE = re.compile(r"^(?:#~[^\S\n]*+)?msgid ", re.MULTILINE)
_CHARSET = re.compile(r'^"Content-Type:[^"\n]*?charset=([^\s;"\\]+)', re.IGNORECASE | re.MULTILINE)


class CatalogEntry(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One translated message of a catalog."""

    context: str
    source: str
    text: str
    fuzzy: bool
    line: int = 0
    previous: str | None = None
    comments: tuple[str, ...] = ()


def template_header(data: bytes, file: str) -> CatalogHeader:
    """The header of a template (.pot), kept so an export writes it back unchanged."""
    try:
        template = read_po(io.BytesIO(data), abort_invalid=True)
    except (PoFileError, ValueError) as exc:
        raise ValidationFailed(f"template syntax: {exc}", file=file) from exc
    return _header_of(template, data.decode("utf-8", errors="replace"), file)


def declares_utf8(header_text: str) -> bool:
    """Whether a header, as written, declares the charset UTF-8 (the only one we use)."""
    return _declared_charset(header_text) == "utf-8"


def _declared_charset(header_text: str) -> str | None:
    """The charset the header's Content-Type names, as written ("utf-8" for any spelling
    of it); None without one. Read from the text, which exports splice verbatim (Babel's
    parsed fields turn `charset=CHARSET` or no charset into utf-8)."""
    match = _CHARSET.search(header_text)
    if match is None:
        return None
    try:
        utf8 = codecs.lookup(match.group(1)).name == "utf-8"
    except LookupError:
        utf8 = False
    return "utf-8" if utf8 else match.group(1)


def _header_of(catalog: Catalog, text: str, file: str) -> CatalogHeader:
    """The header of a parsed catalog, checked: it declares UTF-8, and its text (spliced
    verbatim into exports) follows the text policy."""
    written = _WRITTEN_HEADER.match(text)
    header_text = written.group() if written else ""
    fields = tuple((str(k), str(v)) for k, v in catalog.mime_headers)
    charset = _declared_charset(header_text)
    if charset not in (None, "utf-8"):
        # (Without a charset, exports write Babel's header, which declares UTF-8.)
        raise ValidationFailed(
            f"the header declares charset {charset!r}; catalogs are UTF-8: write "
            '"Content-Type: text/plain; charset=UTF-8\\n"',
            file=file,
            line=text.count("\n", 0, text.find("Content-Type")) + 1,
        )
    # Header comments name people as `Name <email>`: the one tag-like text allowed here.
    problem = text_problem(header_text, emails=True, newlines=True)
    if problem is not None:
        raise ValidationFailed(
            f"{problem.reason} in the header",
            file=file,
            line=header_text.count("\n", 0, problem.position) + 1,
        )
    return CatalogHeader(
        comment=nfc(catalog.header_comment),
        fields=tuple((nfc(k), nfc(v)) for k, v in fields),
        fuzzy=bool(catalog.fuzzy),
        text=nfc(header_text),
    )


class CatalogHeader(msgspec.Struct, frozen=True, kw_only=True):
    """The header entry of a catalog, kept so an export writes it back unchanged."""

    comment: str
    fields: tuple[tuple[str, str], ...]
    fuzzy: bool = False
    text: str = ""
    """The header exactly as the file had it (comments and the `msgid ""` entry): Babel
    rewrites fields such as `Generated-By` when it writes, so exports splice this in."""

    def revised_at(self) -> str | None:
        """The header's `PO-Revision-Date` as RFC 3339 UTC (`2026-11-25T00:34:00Z`), or None
        when it is missing, a template's placeholder, or not a date."""
        value = dict(self.fields).get("PO-Revision-Date", "")
        try:
            when = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M%z")
        except ValueError:
            return None
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ParsedCatalog(msgspec.Struct, frozen=True, kw_only=True):
    """A validated catalog: its locale, header and translated entries."""

    locale: str
    header: CatalogHeader
    entries: tuple[CatalogEntry, ...]
    total: int
    domain: str | None = None
    """The catalog's domain (an article's slug, or `shared`: api.core.catalog_domains);
    None for a catalog of the whole locale."""


def catalog_byte_limit(known_contexts: Collection[object]) -> int:
    """The most bytes a catalog of content with these message contexts may have."""
    return max(MAX_CATALOG_BYTES, _BYTES_PER_MESSAGE * len(known_contexts))


def parse_catalog(
    data: bytes,
    file: str,
    locale: str,
    known_contexts: Collection[str],
    domain: str | None = None,
) -> ParsedCatalog:
    """Validate a .po file for `locale`; raise ValidationFailed naming `file:line`, or
    ImportRejected listing the first MAX_REPORTED_ERRORS bad entries when there are several.

    Entries whose msgid differs from the current source are kept (they are stale and
    never served); entries with an unknown msgctxt are errors. With a `domain`, the
    catalog is that domain's alone: `known_contexts` are its contexts, and a message of
    another domain names no known block of it.
    """
    max_bytes = catalog_byte_limit(known_contexts)
    max_entries = MAX_CATALOG_ENTRIES + len(known_contexts)
    if len(data) > max_bytes:
        raise ValidationFailed(f"catalog is larger than {max_bytes} bytes", file=file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationFailed("catalog is not valid UTF-8", file=file, line=line) from exc
    # The text is all that is read from here on: a caller that passes the bytes inline
    # (`parse_catalog(read_tree_file(...), ...)`) frees them now, ~45 MB of a large catalog.
    del data
    _check_syntax(text, file)
    header: CatalogHeader | None = None
    entries: list[CatalogEntry] = []
    errors: list[ValidationFailed] = _duplicate_contexts(text, file)
    count = 0
    msgstr_lines = _MsgstrLines(text)
    for offset, part in _parts(text):
        try:
            catalog = read_po(_lines_for_babel(part), locale=None, abort_invalid=True)
        except (PoFileError, ValueError) as exc:
            raise ValidationFailed(f"catalog syntax: {exc}", file=file) from exc
        if header is None:
            _check_language(catalog, file, locale)
            header = _header_of(catalog, part, file)
        for message in catalog:
            if not message.id:
                continue
            count += 1
            line = (message.lineno or 0) + offset
            if count > max_entries:
                raise ValidationFailed(f"more than {max_entries} entries", file=file, line=line)
            try:
                entry = _entry(message, file, line, msgstr_lines, known_contexts)
            except ValidationFailed as exc:
                errors.append(exc)
                continue
            if entry is not None:
                entries.append(entry)
    errors.sort(key=lambda error: error.line or 0)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        # A translator fixes a handful at a time; thousands of lines of errors help no one.
        listed = errors[:MAX_REPORTED_ERRORS]
        if len(errors) > len(listed):
            listed.append(
                ValidationFailed(f"{len(errors) - len(listed)} more errors not listed", file=file)
            )
        raise ImportRejected(listed)
    return ParsedCatalog(
        locale=locale,
        header=header or CatalogHeader(comment="", fields=(), fuzzy=False),
        entries=tuple(entries),
        total=count,
        domain=domain,
    )


def _parts(text: str) -> Iterator[tuple[int, str]]:
    """The catalog in runs of whole entries (cut at blank lines), each with the number of
    lines before it: Babel's in-memory catalog of a 50 MB file would take ~300 MB at once."""
    start = lines = 0
    for cuts, gap in enumerate(_ENTRY_GAP.finditer(text), start=1):
        if cuts % _ENTRIES_PER_PART == 0:
            part = text[start : gap.end()]
            yield lines, part
            lines += part.count("\n")
            start = gap.end()
    yield lines, text[start:]


def _lines_for_babel(part: str) -> list[str]:
    """The lines of `part` as Babel reads them, split as io.StringIO splits them (at "\n"
    only: Babel strips each line, and reads them ~5% quicker than from a StringIO).

    Its extracted comments (`#.`) and references (`#:`), two fifths of a catalog's lines,
    which nothing here reads, are given as blank lines, which Babel skips (two fifths less
    of its time), unless one is followed by a line that it would then read otherwise:
    Babel ends the entry at any comment, and the next line's `msgstr` or continuation
    would be an error; a comment, `msgctxt`, `msgid` or the end ends it alike. A reference
    can be an error itself only with a directional isolate (U+2068, U+2069) in it: with
    one, they are read. The numbers of the lines stay the same.
    """
    lines = part.split("\n")
    if (
        ("\n#." not in part and "\n#:" not in part)
        # (Without any msgid, Babel makes a header entry of comments, extracted ones too.)
        or not _MSGID_LINE.search(part)
        or _COMMENT_INSIDE_AN_ENTRY.search("\n" + part)
    ):
        return lines
    if "\u2068" in part or "\u2069" in part:
        return ["" if line[:2] == "#." else line for line in lines]
    return ["" if line[:2] in _UNREAD_COMMENTS else line for line in lines]


def _entry(
    message: Message,
    file: str,
    line: int,
    msgstr_lines: _MsgstrLines,
    known_contexts: Collection[str],
) -> CatalogEntry | None:
    if not isinstance(message.id, str) or not isinstance(message.string, str):
        raise ValidationFailed("plural messages are not used by content", file=file, line=line)
    context = message.context or ""
    if context not in known_contexts:
        raise ValidationFailed(
            f"msgctxt {context[:200]!r} names no known block", file=file, line=line, path=context
        )
    if not message.string:
        return None
    previous = message.previous_id if isinstance(message.previous_id, str) else None
    # The msgid and the old msgid come back in exports: they follow the policy too.
    problem = text_problem(message.id)
    if problem is not None:
        raise ValidationFailed(f"{problem.reason} in msgid", file=file, line=line)
    if previous and (problem := text_problem(previous)) is not None:
        raise ValidationFailed(f"{problem.reason} in previous msgid", file=file, line=line)
    comments = message.user_comments
    for comment in comments:
        problem = text_problem(comment)
        if problem is not None:
            raise ValidationFailed(f"{problem.reason} in a comment", file=file, line=line)
    try:
        _check_translation(context, message.id, message.string, file, line)
    except ValidationFailed as exc:
        # Errors point at the msgstr; finding its line is only worth doing for a bad entry.
        where = msgstr_lines.after(line)
        raise ValidationFailed(exc.detail, file=file, line=where, path=exc.path) from exc
    return CatalogEntry(
        context=context,
        source=nfc(message.id),
        text=nfc(message.string),
        fuzzy=message.fuzzy,
        line=line,
        previous=nfc(previous) if previous else None,
        comments=tuple(nfc(c) for c in comments) if comments else (),
    )


def _check_syntax(text: str, file: str) -> None:
    """Every line is a PO line (_LINE), and every escape outside comments is valid; the
    first line that is not raises. Lines are those of str.splitlines."""
    start = 0
    number = 1
    while start < len(text):
        run = _VALID_LINES.match(text, start)
        stop = run.end() if run else start
        number += text.count("\n", start, stop)
        if stop == len(text):
            return
        end = text.find("\n", stop)
        line = text[stop:] if end < 0 else text[stop:end]
        if _OTHER_BREAKS.search(line):
            # str.splitlines splits this line further: the rest goes line by line.
            for offset, each in enumerate(text[stop:].splitlines()):
                _check_line(each, file, number + offset)
            return
        _check_line(line, file, number)
        if end < 0:
            return
        start = end + 1
        number += 1


def _check_line(line: str, file: str, number: int) -> None:
    if not _LINE.match(line):
        raise ValidationFailed(f"not a valid PO line: {line[:80]!r}", file=file, line=number)
    if not line.startswith("#") or line.startswith("#~"):
        for escape in _ESCAPE.findall(line):
            if escape not in _VALID_ESCAPES:
                raise ValidationFailed(f"invalid escape \\{escape}", file=file, line=number)


def _check_language(catalog: Catalog, file: str, locale: str) -> None:
    declared = catalog.mime_headers and dict(catalog.mime_headers).get("Language")
    if not declared:
        return
    try:
        same = canonical_locale(str(declared)) == canonical_locale(locale)
    except ValueError:
        same = False
    if not same:
        raise ValidationFailed(
            f"catalog declares Language {declared!r}, expected {locale!r}", file=file, line=1
        )


class _MsgstrLines:
    """The numbers of a catalog's `msgstr` lines (as str.splitlines numbers lines), found
    in one pass at the first bad entry. Looked for entry by entry, a catalog of many bad
    entries took quadratic time: 8,000 of them (1 MB) 36 s."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._numbers: list[int] | None = None

    def after(self, msgid_line: int) -> int:
        """The line of the msgstr that follows the msgid at `msgid_line` (both 1-based)."""
        if self._numbers is None:
            self._numbers = _msgstr_numbers(self._text)
        at = bisect_left(self._numbers, msgid_line)
        return self._numbers[at] if at < len(self._numbers) else msgid_line


def _msgstr_numbers(text: str) -> list[int]:
    numbers: list[int] = []
    number, counted = 1, 0
    for found in _MSGSTR_LINE.finditer(text):
        number += len(_LINE_BREAK.findall(text, counted, found.start()))
        counted = found.start()
        numbers.append(number)
    return numbers


def check_translation(context: str, source: str, text: str) -> str:
    """One translation typed outside a .po (the workspace's entry editor, the API's entry
    edit), checked by the very code an upload's msgstr passes through (length, text
    policy, placeholders or format fields); the text in NFC, as an upload stores it.
    ValidationFailed names the field `$.text`."""
    try:
        _check_translation(context, source, text, "", 0)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, path="$.text") from exc
    return nfc(text)


def _check_translation(context: str, source: str, text: str, file: str, line: int) -> None:
    if len(text) > MAX_TRANSLATION_CHARS:
        raise ValidationFailed(
            f"msgstr is longer than {MAX_TRANSLATION_CHARS} characters", file=file, line=line
        )
    problem = text_problem(text)
    if problem is not None:
        raise ValidationFailed(f"{problem.reason} in msgstr", file=file, line=line)
    if context in FORMATTED_CONTEXTS:
        _check_format(source, text, file, line)
        return
    expected = _placeholders(source)
    found = _placeholders(text)
    if expected != found:
        raise ValidationFailed(
            f"placeholders differ: msgid has {expected or 'none'}, msgstr has {found or 'none'}",
            file=file,
            line=line,
        )


def _placeholders(text: str) -> list[str]:
    """The placeholders of `text`, sorted (each begins with `{` or `%`)."""
    return sorted(_PLACEHOLDER.findall(text)) if "{" in text or "%" in text else []


def _format_fields(text: str) -> list[str]:
    """The named fields of a format string, sorted; ValueError for anything `str.format`
    would not fill with named values alone (a stray brace, `{}`, `{0}`, `{a.b}`, `{a!r}`,
    `{a:>9}`)."""
    fields: list[str] = []
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"{{{name}}} is not a plain named field")
        fields.append(name)
    return sorted(fields)


def _check_format(source: str, text: str, file: str, line: int) -> None:
    """A phrase the server formats (`{range} per plan`) must format without error and
    show every value: a valid format string with exactly the msgid's fields."""
    try:
        expected = _format_fields(source)
    except ValueError as exc:
        raise ValidationFailed(
            f"msgid is not a valid format string: {exc}", file=file, line=line
        ) from exc
    try:
        found = _format_fields(text)
    except ValueError as exc:
        raise ValidationFailed(
            f"msgstr is not a valid format string ({exc}); keep {expected} and write a "
            "literal brace as {{ or }}",
            file=file,
            line=line,
        ) from exc
    if found != expected:
        raise ValidationFailed(
            f"placeholders differ: msgid has {expected or 'none'}, msgstr has {found or 'none'}",
            file=file,
            line=line,
        )


def _duplicate_contexts(text: str, file: str) -> list[ValidationFailed]:
    """An error for every message that appears again (obsolete `#~` entries aside): which
    entry would win depends on where it sits in the file, so neither is taken. A message
    is its msgctxt and msgid: a block keeps one entry per published text (the translation
    of version 1's words stays beside that of a correction's, so each version is served as
    it was approved), and the contexts shared by several phrases (`fact/per`) hold one per
    phrase."""
    first: dict[tuple[str, str], int] = {}
    errors: list[ValidationFailed] = []
    number = 1
    counted = 0
    at_first = _FIRST_MSGCTXT.match(text)
    for found in chain((at_first,) if at_first else (), _MSGCTXT.finditer(text)):
        start = found.start() if found.re is _FIRST_MSGCTXT else found.start() + 1
        number += text.count("\n", counted, start)
        counted = start
        context, source = found.group(1, 2)
        if source is None:
            if context is None:
                context, after = _string_at(text, start)
            else:
                after = found.end() + 1
            source = _string_at(text, after)[0] if after >= 0 else ""
        key = (context, source)
        if key in first:
            what = f"msgctxt {context[:200]!r}" + (
                f" msgid {source[:200]!r}" if context in FORMATTED_CONTEXTS else ""
            )
            errors.append(
                ValidationFailed(
                    f"{what} appears twice, at lines {first[key]} and {number}: keep one",
                    file=file,
                    line=number,
                    path=context,
                )
            )
        else:
            first[key] = number
    return errors


def _line_at(text: str, start: int) -> tuple[str, int]:
    """The line (split at "\n") that begins at `start`, and where the next begins (-1
    after the last)."""
    end = text.find("\n", start)
    return (text[start:], -1) if end < 0 else (text[start:end], end + 1)


def _string_at(text: str, start: int) -> tuple[str, int]:
    """The string of the keyword line that begins at `start` with its continuation lines,
    and where the line after them begins, -1 after the last line (the syntax check has
    passed: the lines are well formed)."""
    line, start = _line_at(text, start)
    match = _KEYWORD_STRING.match(line)
    parts = [match.group(1)] if match else []
    while start >= 0:
        line, after = _line_at(text, start)
        more = _CONTINUATION.match(line)
        if more is None:
            break
        parts.append(more.group(1))
        start = after
    return unescape('"' + "".join(parts) + '"'), start
