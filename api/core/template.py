"""Gettext catalogs made from content: the template (what `pybabel extract` would write)
and a locale's catalog filled from stored translations (what `pybabel update` would write)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import write_po

from api.core.catalog import CatalogEntry, CatalogHeader, declares_utf8
from api.core.catalog_domains import domain_of
from api.core.extract import extract_content

__all__ = [
    "COMMENT_TAGS",
    "Remembered",
    "build_template",
    "memory_comment",
    "render_catalog",
    "render_template",
]

COMMENT_TAGS = ("translators:",)


def _walk_order(path: str) -> tuple[tuple[int, str], ...]:
    # os.walk, as pybabel uses it: a folder's files (sorted) before its sub-folders (sorted).
    parts = path.split("/")
    return (*((1, p) for p in parts[:-1]), (0, parts[-1]))


def build_template(
    sources: Iterable[tuple[str, bytes]], header: CatalogHeader | None = None
) -> Catalog:
    """The template of `(path, bytes)` sources (content YAML and Python using pgettext),
    under the template `header` it was last read with, if any."""
    template = _with_header(Catalog(fuzzy=False), header)
    for path, data in sorted(sources, key=lambda item: _walk_order(item[0])):
        method: Any = extract_content if path.endswith(".yaml") else "python"
        for lineno, message, comments, context in extract(
            method, io.BytesIO(data), DEFAULT_KEYWORDS, COMMENT_TAGS
        ):
            template.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return template


def _with_header(catalog: Catalog, header: CatalogHeader | None) -> Catalog:
    if header is not None:
        catalog.header_comment = header.comment
        catalog.mime_headers = list(header.fields)
        catalog.fuzzy = header.fuzzy
    # Catalogs are UTF-8 in and out, whatever a header stored before that rule declared.
    catalog.charset = "utf-8"
    return catalog


def _written(
    catalog: Catalog, header: CatalogHeader | None, previous: dict[tuple[str, str], str]
) -> bytes:
    """`catalog` as `--no-wrap` writes it, under `header` exactly as it was read.

    Babel rewrites some header fields whatever it was given (`Generated-By` names the
    running release), so the stored header text replaces the one Babel wrote: an export
    depends on what was stored, never on the installed Babel.
    """
    out = io.BytesIO()
    write_po(out, _with_header(catalog, header), width=0, include_previous=False)
    text = out.getvalue().decode("utf-8")
    if header is not None and header.text and declares_utf8(header.text):
        text = header.text + text[text.index("\n\n") + 1 :]
    if previous:
        text = _with_previous(text, previous)
    return text.encode("utf-8")


def _quoted(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\r", "\\r")
        .replace("\n", "\\n")
        .replace('"', '\\"')
    )
    return f'"{escaped}"'


def _with_previous(text: str, previous: dict[tuple[str, str], str]) -> str:
    """Each stale entry gets the `#| msgid "old source"` line that `msgmerge --previous`
    writes (Babel wraps that line without quoting the continuation, so it is written here).
    """
    lines = text.split("\n")
    # A block holds one message per published text: the line after msgctxt names which.
    wanted = {
        (f"msgctxt {_quoted(context)}", f"msgid {_quoted(msgid)}"): old
        for (context, msgid), old in previous.items()
    }
    out: list[str] = []
    for n, line in enumerate(lines):
        old = wanted.get((line, lines[n + 1] if n + 1 < len(lines) else ""))
        if old is not None:
            out.append(f"#| msgid {_quoted(old)}")
        out.append(line)
    return "\n".join(out)


def render_template(template: Catalog, header: CatalogHeader | None) -> bytes:
    """The template as `pybabel extract --no-wrap` writes it, under the header it was read
    with (so an export does not churn the creation date or the Babel release)."""
    return _written(template, header, {})


class Remembered(NamedTuple):
    """An approved translation of the same source text elsewhere (translation memory)."""

    text: str
    context: str
    """Where it was approved: its msgctxt (`<article>/…`, `treatment/…`)."""


def memory_comment(remembered: Remembered, locale: str) -> str:
    """The translator comment that marks a suggestion from translation memory and names
    where it was approved."""
    return (
        f"translation memory: approved for {domain_of(remembered.context)}/{locale} "
        f"({remembered.context}); check it and clear fuzzy"
    )


def render_catalog(
    template: Catalog,
    locale: str,
    header: CatalogHeader | None,
    translations: Iterable[CatalogEntry],
    memory: Mapping[str, Remembered] | None = None,
) -> bytes:
    """The .po of `locale`: every template message, translated where a translation exists.

    A translation whose msgid no longer equals the current source is written as fuzzy with
    the standard `#| msgid "previous source"` line, so Poedit and other editors show the
    translator what changed; untranslated messages are empty. Matching is by msgctxt, never
    by string similarity. Without a stored header the catalog gets the one `pybabel init`
    would write from the template (dated by the template, not by the clock).

    `memory` (source text -> an approved translation of that same text in another
    message) fills what is still untranslated after that: fuzzy, so never served or
    approved as it is, with a translator comment naming where it was approved.
    """
    catalog = _with_header(_new_catalog(locale, template), header)
    current: dict[tuple[str, str], CatalogEntry] = {}
    stale: dict[str, CatalogEntry] = {}
    previous_of: dict[tuple[str, str], str] = {}
    # A block keeps one message per published text (content/history). An untranslated
    # message is offered, fuzzy, a translation of the block's other words: one no version has
    # any more (stale) first, else the approved translation of another version's words (how
    # a translator meets a correction of a text they translated).
    published = {(m.context or "", str(m.id)) for m in template if m.id}
    approved: dict[str, list[CatalogEntry]] = {}
    for entry in translations:
        current[(entry.context, entry.source)] = entry
        if (entry.context, entry.source) not in published:
            stale.setdefault(entry.context, entry)
        elif entry.text and not entry.fuzzy:
            approved.setdefault(entry.context, []).append(entry)
    for message in template:
        if not message.id:
            continue
        context = message.context or ""
        found = current.get((context, str(message.id)))
        flags = set(message.flags)
        comments = list(message.auto_comments)
        previous = found.previous if found is not None and found.fuzzy else None
        remembered = None
        if found is None:
            offered = stale.get(context) or next(
                (e for e in approved.get(context, ()) if e.source != message.id), None
            )
            if offered is not None:
                found, previous = offered, offered.source
            elif memory and (remembered := memory.get(str(message.id))) is not None:
                flags.add("fuzzy")
        if (found is not None and found.fuzzy) or previous:
            flags.add("fuzzy")
        if previous and message.context:
            previous_of[(message.context, str(message.id))] = previous
        catalog.add(
            message.id,
            found.text if found else (remembered.text if remembered else ""),
            message.locations,
            flags,
            comments,
            found.comments
            if found
            else ((memory_comment(remembered, locale),) if remembered else ()),
            context=message.context,
        )
    return _written(catalog, header, previous_of)


def _new_catalog(locale: str, template: Catalog) -> Catalog:
    return Catalog(
        locale=locale.replace("-", "_"),
        project="Vetted",
        copyright_holder="Vetted",
        creation_date=template.creation_date,
        revision_date=template.creation_date,
        fuzzy=False,
    )
