"""Validating gettext catalogs (.po) before anything of them is stored.

A catalog is checked line by line for syntax, then parsed with Babel; every entry must
name a known message context and keep the msgid's placeholders, and no translation may
contain markup or control characters. Errors carry `file:line`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Iterator

import msgspec
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po

from api.core.errors import ImportRejected, ValidationFailed
from api.core.negotiation import normalize_locale

__all__ = [
    "MAX_CATALOG_BYTES",
    "MAX_CATALOG_ENTRIES",
    "MAX_REPORTED_ERRORS",
    "MAX_TRANSLATION_CHARS",
    "CatalogEntry",
    "CatalogHeader",
    "ParsedCatalog",
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
# The header as written: its comment lines, then the `msgid ""` entry and its strings.
_WRITTEN_HEADER = re.compile(r'(?:#[^\n]*\n)*msgid ""\nmsgstr ""\n(?:"[^\n]*"\n)*')
_VALID_ESCAPES = frozenset('\\"ntr')
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[#0\- +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
# Embedding/override/isolate controls can reorder text on screen (spoofing); marks are fine.
# Unicode category Cc (C0, DEL, C1) and the bidi embedding/override/isolate controls.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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
    return _header_of(template, data.decode("utf-8", errors="replace"))


def _header_of(catalog: Catalog, text: str) -> CatalogHeader:
    written = _WRITTEN_HEADER.match(text)
    return CatalogHeader(
        comment=catalog.header_comment,
        fields=tuple((str(k), str(v)) for k, v in catalog.mime_headers),
        fuzzy=bool(catalog.fuzzy),
        text=written.group() if written else "",
    )


class CatalogHeader(msgspec.Struct, frozen=True, kw_only=True):
    """The header entry of a catalog, kept so an export writes it back unchanged."""

    comment: str
    fields: tuple[tuple[str, str], ...]
    fuzzy: bool = False
    text: str = ""
    """The header exactly as the file had it (comments and the `msgid ""` entry): Babel
    rewrites fields such as `Generated-By` when it writes, so exports splice this in."""


class ParsedCatalog(msgspec.Struct, frozen=True, kw_only=True):
    """A validated catalog: its locale, header and translated entries."""

    locale: str
    header: CatalogHeader
    entries: tuple[CatalogEntry, ...]
    total: int


def parse_catalog(
    data: bytes, file: str, locale: str, known_contexts: Collection[str]
) -> ParsedCatalog:
    """Validate a .po file for `locale`; raise ValidationFailed naming `file:line`, or
    ImportRejected listing the first MAX_REPORTED_ERRORS bad entries when there are several.

    Entries whose msgid differs from the current source are kept (they are stale and
    never served); entries with an unknown msgctxt are errors.
    """
    max_bytes = max(MAX_CATALOG_BYTES, _BYTES_PER_MESSAGE * len(known_contexts))
    max_entries = MAX_CATALOG_ENTRIES + len(known_contexts)
    if len(data) > max_bytes:
        raise ValidationFailed(f"catalog is larger than {max_bytes} bytes", file=file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationFailed("catalog is not valid UTF-8", file=file, line=line) from exc
    _check_syntax(text, file)
    header: CatalogHeader | None = None
    entries: list[CatalogEntry] = []
    errors: list[ValidationFailed] = []
    count = 0
    for offset, part in _parts(text):
        try:
            catalog = read_po(io.StringIO(part), locale=None, abort_invalid=True)
        except (PoFileError, ValueError) as exc:
            raise ValidationFailed(f"catalog syntax: {exc}", file=file) from exc
        if header is None:
            _check_language(catalog, file, locale)
            header = _header_of(catalog, part)
        for message in catalog:
            if not message.id:
                continue
            count += 1
            line = (message.lineno or 0) + offset
            if count > max_entries:
                raise ValidationFailed(f"more than {max_entries} entries", file=file, line=line)
            try:
                entry = _entry(message, file, line, text, known_contexts)
            except ValidationFailed as exc:
                errors.append(exc)
                continue
            if entry is not None:
                entries.append(entry)
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


def _entry(
    message: Message, file: str, line: int, text: str, known_contexts: Collection[str]
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
    try:
        _check_translation(message.id, message.string, file, line)
    except ValidationFailed as exc:
        # Errors point at the msgstr; finding its line is only worth doing for a bad entry.
        where = _msgstr_line(text, line)
        raise ValidationFailed(exc.detail, file=file, line=where, path=exc.path) from exc
    return CatalogEntry(
        context=context,
        source=message.id,
        text=message.string,
        fuzzy=message.fuzzy,
        line=line,
        previous=message.previous_id
        if isinstance(message.previous_id, str) and message.previous_id
        else None,
        comments=tuple(message.user_comments),
    )


def _check_syntax(text: str, file: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
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
        same = normalize_locale(str(declared)) == normalize_locale(locale)
    except ValueError:
        same = False
    if not same:
        raise ValidationFailed(
            f"catalog declares Language {declared!r}, expected {locale!r}", file=file, line=1
        )


def _msgstr_line(text: str, msgid_line: int) -> int:
    """The line of the msgstr that follows the msgid at `msgid_line` (both 1-based)."""
    lines = text.splitlines()
    for number in range(msgid_line, len(lines) + 1):
        if lines[number - 1].startswith("msgstr"):
            return number
    return msgid_line


def _check_translation(source: str, text: str, file: str, line: int) -> None:
    if len(text) > MAX_TRANSLATION_CHARS:
        raise ValidationFailed(
            f"msgstr is longer than {MAX_TRANSLATION_CHARS} characters", file=file, line=line
        )
    control = _CONTROL.search(text)
    if control:
        raise ValidationFailed(
            f"control character U+{ord(control.group()):04X} in msgstr", file=file, line=line
        )
    if _MARKUP.search(text):
        raise ValidationFailed("markup in msgstr: content is plain text", file=file, line=line)
    expected = sorted(_PLACEHOLDER.findall(source))
    found = sorted(_PLACEHOLDER.findall(text))
    if expected != found:
        raise ValidationFailed(
            f"placeholders differ: msgid has {expected or 'none'}, msgstr has {found or 'none'}",
            file=file,
            line=line,
        )
