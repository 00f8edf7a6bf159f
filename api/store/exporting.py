"""What the database holds, as the files of record: content YAML and gettext catalogs."""

from __future__ import annotations

import io
import zipfile
from importlib import resources
from pathlib import Path

import msgspec
import sqlite_utils
from babel.messages.catalog import Catalog

from api.core.catalog_domains import SHARED_DOMAIN
from api.core.content import dump_yaml
from api.core.errors import NotFound
from api.core.model import Article, TreatmentCatalog, content_hash
from api.core.template import build_template, render_catalog, render_template
from api.core.tmx import write_tmx
from api.sources import catalog_path, template_path
from api.store.history import history_files
from api.store.importer import mark_synced
from api.store.schema import snapshot, transaction
from api.store.translations import (
    TEMPLATE_LOCALE,
    approved_memory,
    catalog_entries,
    catalog_hash,
    catalog_header,
    translation_memory,
)
from api.store.versions import latest_version, load_article, load_treatments, published_slugs

__all__ = [
    "Export",
    "PublishedContent",
    "approved_locales",
    "catalog_domains",
    "domain_content",
    "domain_template",
    "export_catalog",
    "export_domain",
    "export_tmx",
    "export_tree",
    "locale_archive",
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


def _formatting_code() -> tuple[str, bytes]:
    # The fact phrases are pgettext calls in code; pybabel extracts them from this file.
    return "api/core/formatting.py", resources.files("api.core").joinpath(
        "formatting.py"
    ).read_bytes()


def _history(db: sqlite_utils.Database, slugs: list[str]) -> dict[str, bytes]:
    """The content files of the earlier versions the history keeps (`content/history/`)."""
    return {
        path: data
        for slug in slugs
        for path, data in history_files(db, slug).items()
        if path.endswith(".yaml")
    }


def _template(db: sqlite_utils.Database, content: PublishedContent) -> Catalog:
    """The template `pybabel extract -F babel.cfg` makes of the exported files: the current
    content and every earlier version the history keeps (its translations are what readers
    of a pinned version get), and the fact phrases."""
    history = _history(db, [slug for slug, _ in published_slugs(db)])
    return build_template(
        [*_content_files(content).items(), *history.items(), _formatting_code()],
        catalog_header(db, TEMPLATE_LOCALE),
    )


def _domain_sources(
    db: sqlite_utils.Database, content: PublishedContent, domain: str
) -> list[tuple[str, bytes]]:
    """The files `pybabel extract` reads for the template of `domain` (docs/translators):
    an article's file and its earlier versions'; for `shared`, the treatment records (and
    those published beside earlier versions) and the code of the fact phrases."""
    if domain == SHARED_DOMAIN:
        history = _history(db, [slug for slug, _ in published_slugs(db)])
        return [
            ("content/treatments.yaml", dump_yaml(content.treatments).encode()),
            *((p, d) for p, d in history.items() if p.endswith("/treatments.yaml")),
            _formatting_code(),
        ]
    history = _history(db, [domain])
    return [
        *(
            (f"content/articles/{a.slug}.yaml", dump_yaml(a).encode())
            for a in content.articles
            if a.slug == domain
        ),
        *((p, d) for p, d in history.items() if p.endswith("/article.yaml")),
    ]


def domain_content(db: sqlite_utils.Database, domain: str) -> PublishedContent:
    """What the catalog of `domain` is made from: the article's latest published version
    (NotFound without one), or the treatment records for the shared domain."""
    if domain == SHARED_DOMAIN:
        return PublishedContent(articles=(), treatments=load_treatments(db))
    row = db.execute("SELECT number FROM publications WHERE slug = ?", [domain]).fetchone()
    if row is None:
        raise NotFound(f"no published article {domain!r}: its catalog does not exist")
    return PublishedContent(
        articles=(load_article(db, domain, row[0]),), treatments=TreatmentCatalog(treatments=())
    )


def domain_template(db: sqlite_utils.Database, content: PublishedContent, domain: str) -> Catalog:
    """The template of one domain (what `pybabel extract` writes to `<domain>.pot`)."""
    return build_template(_domain_sources(db, content, domain), catalog_header(db, TEMPLATE_LOCALE))


def export_catalog(
    db: sqlite_utils.Database,
    locale: str,
    content: PublishedContent,
    template: Catalog | None = None,
    domain: str | None = None,
    *,
    memory: bool = False,
) -> bytes:
    """The .po of `locale` (the whole locale, or one domain of it): current source,
    approved translations. With `memory` (what a translator downloads, never the files of
    record), each message still untranslated is offered, fuzzy, an approved translation
    of the identical source text from any other message (translation memory)."""
    if template is None:
        template = (
            _template(db, content) if domain is None else domain_template(db, content, domain)
        )
    entries = catalog_entries(db, locale, domain=domain)
    remembered = None
    if memory:
        have = {(e.context, e.source) for e in entries}
        wanted = {str(m.id) for m in template if m.id and (m.context or "", str(m.id)) not in have}
        remembered = translation_memory(db, locale, wanted)
    return render_catalog(template, locale, catalog_header(db, locale), entries, remembered)


def export_domain(db: sqlite_utils.Database, locale: str, domain: str) -> bytes:
    """The .po of one article (or of the shared domain) in `locale`, read in one snapshot."""
    with snapshot(db):
        return export_catalog(db, locale, domain_content(db, domain), domain=domain, memory=True)


def catalog_domains(db: sqlite_utils.Database) -> list[str]:
    """Every content catalog's domain: the shared one, then each published article's."""
    return [SHARED_DOMAIN, *(slug for slug, _ in published_slugs(db))]


def approved_locales(db: sqlite_utils.Database) -> list[str]:
    """The locales with approved translations, the ones `vetted export` writes."""
    return [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT locale FROM translations WHERE status = 'approved' ORDER BY locale"
        )
    ]


def locale_archive(db: sqlite_utils.Database, locale: str) -> bytes:
    """Every catalog of `locale` and every template, as a zip of the files `vetted export`
    writes (`locales/<locale>/LC_MESSAGES/<domain>.po`, `locales/<domain>.pot`), read in
    one snapshot: for a translator who wants everything at once."""
    out = io.BytesIO()
    with snapshot(db), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        content = published_content(db)
        for domain in catalog_domains(db):
            part = _part(content, domain)
            template = domain_template(db, part, domain)
            files = {
                f"locales/{domain}.pot": render_template(
                    template, catalog_header(db, TEMPLATE_LOCALE)
                ),
                str(catalog_path(Path("locales"), locale, domain)): export_catalog(
                    db, locale, part, template, domain, memory=True
                ),
            }
            for name, data in files.items():
                # A fixed date: the same catalogs make the same archive.
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    return out.getvalue()


def export_tmx(db: sqlite_utils.Database, locale: str) -> bytes:
    """The approved translation memory of `locale` as TMX 1.4, dated by its latest
    approval (the same translations make the same file)."""
    with snapshot(db):
        latest = db.execute(
            "SELECT max(updated_at) FROM translations WHERE locale = ? AND status = 'approved'",
            [locale],
        ).fetchone()[0]
        created = (latest or "1970-01-01T00:00:00Z").replace("-", "").replace(":", "")
        return write_tmx(locale, approved_memory(db, locale), created)


def _part(content: PublishedContent, domain: str) -> PublishedContent:
    if domain == SHARED_DOMAIN:
        return PublishedContent(articles=(), treatments=content.treatments)
    return PublishedContent(
        articles=tuple(a for a in content.articles if a.slug == domain),
        treatments=TreatmentCatalog(treatments=()),
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
        header = catalog_header(db, TEMPLATE_LOCALE)
        locales = approved_locales(db)
        for domain in catalog_domains(db):
            part = _part(content, domain)
            template = domain_template(db, part, domain)
            files[str(template_path(Path("locales"), domain))] = render_template(template, header)
            for locale in locales:
                path = str(catalog_path(Path("locales"), locale, domain))
                files[path] = export_catalog(db, locale, part, template, domain)
                entries = catalog_entries(db, locale, domain=domain)
                synced[f"catalog/{locale}/{domain}"] = catalog_hash(entries)
    return Export(files=files, synced=synced)


def record_export(db: sqlite_utils.Database, export: Export) -> None:
    """Remember that the files and the database agree on what `export` holds.

    Call only once the files are written: marked earlier, an export that never reached the
    disk would make the next import take the old files for an edit and revert the database.
    """
    with transaction(db):
        for key, digest in export.synced.items():
            mark_synced(db, key, digest, digest)
