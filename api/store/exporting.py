"""What the database holds, as the files of record: content YAML and gettext catalogs."""

from __future__ import annotations

from importlib import resources

import msgspec
import sqlite_utils
from babel.messages.catalog import Catalog

from api.core.content import dump_yaml
from api.core.model import Article, TreatmentCatalog, content_hash
from api.core.template import build_template, render_catalog, render_template
from api.sources import CATALOG_DOMAIN, TEMPLATE_FILE
from api.store.history import history_files
from api.store.importer import mark_synced
from api.store.schema import snapshot, transaction
from api.store.translations import (
    TEMPLATE_LOCALE,
    catalog_entries,
    catalog_hash,
    catalog_header,
)
from api.store.versions import latest_version, load_article, load_treatments, published_slugs

__all__ = [
    "Export",
    "PublishedContent",
    "export_catalog",
    "export_tree",
    "published_content",
    "record_export",
]


class PublishedContent(msgspec.Struct, frozen=True, kw_only=True):
    """The current published source: latest version of each article, and the treatments."""

    articles: tuple[Article, ...]
    treatments: TreatmentCatalog


def published_content(db: sqlite_utils.Database) -> PublishedContent:
    """The latest published version of every article, and the current treatments."""
    return PublishedContent(
        articles=tuple(load_article(db, slug, n) for slug, n in published_slugs(db)),
        treatments=load_treatments(db),
    )


def _content_files(content: PublishedContent) -> dict[str, bytes]:
    files = {f"content/articles/{a.slug}.yaml": dump_yaml(a).encode() for a in content.articles}
    files["content/treatments.yaml"] = dump_yaml(content.treatments).encode()
    return files


def _template(db: sqlite_utils.Database, content: PublishedContent) -> Catalog:
    """The template `pybabel extract -F babel.cfg` makes of the exported files: the current
    content and every earlier version the history keeps (its translations are what readers
    of a pinned version get), and the fact phrases."""
    # The fact phrases are pgettext calls in code; pybabel extracts them from this file.
    code = resources.files("api.core").joinpath("formatting.py").read_bytes()
    history = {
        path: data
        for slug, _ in published_slugs(db)
        for path, data in history_files(db, slug).items()
        if path.endswith(".yaml")
    }
    return build_template(
        [
            *_content_files(content).items(),
            *history.items(),
            ("api/core/formatting.py", code),
        ],
        catalog_header(db, TEMPLATE_LOCALE),
    )


def export_catalog(
    db: sqlite_utils.Database,
    locale: str,
    content: PublishedContent,
    template: Catalog | None = None,
) -> bytes:
    """The .po a translator gets for `locale`: current source, approved translations."""
    return render_catalog(
        template or _template(db, content),
        locale,
        catalog_header(db, locale),
        catalog_entries(db, locale),
    )


class Export(msgspec.Struct, frozen=True, kw_only=True):
    """The files of record as one snapshot of the database has them, and the sync state
    to remember once they are written."""

    files: dict[str, bytes]
    synced: dict[str, str]
    """file_sync key -> content hash the written files hold."""


def export_tree(db: sqlite_utils.Database) -> Export:
    """Every file of record as the database has it, keyed by path, read in one snapshot so
    a publish meanwhile cannot slip half into it. Writes nothing: see `record_export`."""
    with snapshot(db):
        content = published_content(db)
        files = _content_files(content)
        for slug, _ in published_slugs(db):
            files.update(history_files(db, slug))
        synced = {
            f"article/{slug}": head.content_hash
            for slug, _ in published_slugs(db)
            if (head := latest_version(db, slug)) is not None
        }
        synced["treatments"] = content_hash(content.treatments)
        template = _template(db, content)
        files[f"locales/{TEMPLATE_FILE}"] = render_template(
            template, catalog_header(db, TEMPLATE_LOCALE)
        )
        locales = [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT locale FROM translations WHERE status = 'approved' ORDER BY locale"
            )
        ]
        for locale in locales:
            path = f"locales/{locale.replace('-', '_')}/LC_MESSAGES/{CATALOG_DOMAIN}.po"
            files[path] = export_catalog(db, locale, content, template)
            synced[f"catalog/{locale}"] = catalog_hash(catalog_entries(db, locale))
    return Export(files=files, synced=synced)


def record_export(db: sqlite_utils.Database, export: Export) -> None:
    """Remember that the files and the database agree on what `export` holds.

    Call only once the files are written: marked earlier, an export that never reached the
    disk would make the next import take the old files for an edit and revert the database.
    """
    with transaction(db):
        for key, digest in export.synced.items():
            mark_synced(db, key, digest, digest)
