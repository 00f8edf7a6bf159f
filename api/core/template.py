"""Gettext catalogs made from content: the template (what `pybabel extract` would write)
and a locale's catalog filled from stored translations (what `pybabel update` would write)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import write_po

from api.core.catalog import CatalogEntry, CatalogHeader
from api.core.extract import extract_content

__all__ = ["COMMENT_TAGS", "build_template", "render_catalog", "render_template"]

COMMENT_TAGS = ("translators:",)


def _walk_order(path: str) -> tuple[tuple[int, str], ...]:
    # os.walk, as pybabel uses it: a folder's files (sorted) before its sub-folders (sorted).
    parts = path.split("/")
    return (*((1, p) for p in parts[:-1]), (0, parts[-1]))


def build_template(sources: Iterable[tuple[str, bytes]]) -> Catalog:
    """The template of `(path, bytes)` sources: content YAML and Python using pgettext."""
    template = Catalog(fuzzy=False)
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
    return catalog


def render_template(template: Catalog, header: CatalogHeader | None) -> bytes:
    """The template as `pybabel extract --no-wrap` writes it, under the header it was read
    with (so an export does not churn the creation date)."""
    out = io.BytesIO()
    write_po(out, _with_header(template, header), width=0)
    return out.getvalue()


def render_catalog(
    template: Catalog,
    locale: str,
    header: CatalogHeader | None,
    translations: Iterable[CatalogEntry],
) -> bytes:
    """The .po of `locale`: every template message, translated where a translation exists.

    A translation whose msgid no longer equals the current source is written as fuzzy, with
    an extracted comment quoting the old source, so the translator sees what changed (not as
    `#|`: Babel wraps those lines unquoted); untranslated messages are empty. Matching is by
    msgctxt, never by string similarity.
    """
    catalog = _with_header(
        Catalog(locale=locale.replace("-", "_"), project="Vetted", fuzzy=False), header
    )
    current: dict[tuple[str, str], CatalogEntry] = {}
    stale: dict[str, CatalogEntry] = {}
    for entry in translations:
        current[(entry.context, entry.source)] = entry
        stale.setdefault(entry.context, entry)
    for message in template:
        if not message.id:
            continue
        context = message.context or ""
        found = current.get((context, str(message.id)))
        flags = set(message.flags)
        comments = list(message.auto_comments)
        previous = found.previous if found is not None and found.fuzzy else None
        if found is None and context in stale:
            found = stale[context]
            previous = found.source
            comments.append(f"Stale: the source changed. Previous source: {previous}")
        if (found is not None and found.fuzzy) or previous:
            flags.add("fuzzy")
        catalog.add(
            message.id,
            found.text if found else "",
            message.locations,
            flags,
            comments,
            found.comments if found else (),
            previous or (),
            context=message.context,
        )
    out = io.BytesIO()
    write_po(out, catalog, width=0, include_previous=False)
    return out.getvalue()
