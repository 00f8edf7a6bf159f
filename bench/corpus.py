"""A synthetic corpus: the real article copied N times under new slugs, with its catalogs.

Used to measure import time, memory and database size at scale, and to make imports and
publishes long enough to interrupt in crash tests. The copies keep the real wording, so
every locale's completeness matches the shipped catalogs.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

__all__ = ["SOURCE_SLUG", "copy_slug", "write_corpus"]

SOURCE_SLUG = "stem-cell-therapy-for-hair-loss"


def copy_slug(number: int) -> str:
    """The slug of copy `number`."""
    return f"{SOURCE_SLUG}-{number:04d}"


def write_corpus(source: Path, target: Path, articles: int) -> Path:
    """Write `content/` and `locales/` under `target` holding `articles` copies of the
    article in `source` (a project root) beside the original; return `target`."""
    article = (source / "content" / "articles" / f"{SOURCE_SLUG}.yaml").read_text()
    folder = target / "content" / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "content" / "treatments.yaml", target / "content" / "treatments.yaml")
    if (source / "content" / "history").is_dir():
        # The article's earlier versions (and the records beside them): the catalogs keep
        # their translations, so the corpus is valid content only with its history.
        shutil.copytree(source / "content" / "history", target / "content" / "history")
    (folder / f"{SOURCE_SLUG}.yaml").write_text(article)
    slugs = [copy_slug(n) for n in range(1, articles)]
    for slug in slugs:
        (folder / f"{slug}.yaml").write_text(
            article.replace(f"slug: {SOURCE_SLUG}\n", f"slug: {slug}\n", 1)
        )
    # The layout of today's repository: one catalog per article and locale, beside the
    # article's template (`locales/<slug>.pot`); each copy's are the article's own with its
    # slug (the shared catalog and the workspace's, and their templates, are copied as they
    # are).
    for pot in sorted((source / "locales").glob("*.pot")):
        out = target / pot.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        data = pot.read_bytes()
        out.write_bytes(data)
        if pot.stem == SOURCE_SLUG:
            for slug in slugs:
                out.with_name(f"{slug}.pot").write_bytes(_renamed(data, slug))
    for po in sorted((source / "locales").glob("*/LC_MESSAGES/*.po")):
        relative = po.relative_to(source)
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        data = po.read_bytes()
        out.write_bytes(data)
        if po.stem == SOURCE_SLUG:
            for slug in slugs:
                out.with_name(f"{slug}.po").write_bytes(_renamed(data, slug))
        elif po.stem == "content":
            out.write_bytes(_multiplied(data, slugs))
    return target


def _renamed(data: bytes, slug: str) -> bytes:
    """The article's catalog as the catalog of its copy `slug`."""
    return data.replace(f'msgctxt "{SOURCE_SLUG}/'.encode(), f'msgctxt "{slug}/'.encode())


def _multiplied(data: bytes, slugs: list[str]) -> bytes:
    """An earlier release's one catalog per locale, with every copy's entries."""
    original = read_po(io.BytesIO(data))
    catalog = Catalog(locale=original.locale, fuzzy=False)
    catalog.mime_headers = original.mime_headers
    prefix = f"{SOURCE_SLUG}/"
    for message in original:
        if not message.id:
            continue
        context = message.context or ""
        catalog.add(message.id, message.string, flags=message.flags, context=message.context)
        if context.startswith(prefix):
            for slug in slugs:
                catalog.add(
                    message.id,
                    message.string,
                    flags=message.flags,
                    context=f"{slug}/{context.removeprefix(prefix)}",
                )
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False)
    return out.getvalue()
