"""Importing the content of record into the database as one transaction, without ever
overwriting what was published or approved through the API since the last import/export."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import sqlite_utils

from api.core.access import Principal
from api.core.errors import Conflict
from api.core.model import content_hash
from api.sources import ContentSet
from api.store.audit import record
from api.store.rendering import render_documents
from api.store.schema import transaction
from api.store.translations import (
    TEMPLATE_LOCALE,
    catalog_entries,
    catalog_hash,
    replace_catalog,
    store_header,
)
from api.store.versions import latest_version, publish_version, save_treatments

__all__ = ["IMPORTER", "ImportReport", "import_content", "mark_synced"]

IMPORTER = Principal(name="import", role="admin")


class ImportReport(msgspec.Struct, frozen=True, kw_only=True):
    """What an import changed."""

    new_versions: dict[str, int]
    unchanged: list[str]
    treatments_changed: bool
    translations: dict[str, int]
    documents_written: int


def _synced(db: sqlite_utils.Database, key: str) -> tuple[str, str] | None:
    row = db.execute("SELECT file_hash, db_hash FROM file_sync WHERE key = ?", [key]).fetchone()
    return (row[0], row[1]) if row else None


def mark_synced(db: sqlite_utils.Database, key: str, file_hash: str, db_hash: str) -> None:
    """Remember that the files and the database agree on `key` (inside a transaction)."""
    db.table("file_sync").upsert({"key": key, "file_hash": file_hash, "db_hash": db_hash}, pk="key")


def _should_import(
    db: sqlite_utils.Database, key: str, file_hash: str, db_hash: str | None
) -> bool:
    """Import when the file changed and the database did not move on by itself since the
    last sync; refuse when both changed, so neither side's work is lost."""
    if db_hash == file_hash:
        mark_synced(db, key, file_hash, file_hash)
        return False
    synced = _synced(db, key)
    if synced is None or db_hash is None or synced[1] == db_hash:
        return True
    if synced[0] == file_hash:
        return False  # only the database changed: `vetted export` writes it back
    raise Conflict(
        f"{key} changed both in the files and in the database since the last import or "
        "export; run `vetted export` to a scratch folder and merge first; nothing was stored"
    )


def import_content(
    db: sqlite_utils.Database, content: ContentSet, progress: Callable[[str], None] | None = None
) -> ImportReport:
    """Store validated content: a new published version for each changed article, the
    treatments, the approved catalogs, and every rendered document. All or nothing.

    Files in the repository are reviewed through the repository, so imported versions
    are published directly, with `import` as author.
    """
    say = progress or (lambda _: None)
    with transaction(db):
        report = _store(db, content, say)
        # Rendering reads everything back from the database: let the parsed files go
        # first (a caller that passes them inline frees a third of a large import's memory).
        del content
        written = render_documents(db, progress=lambda slug: say(f"rendered {slug}"))
    return msgspec.structs.replace(report, documents_written=written)


def _store(
    db: sqlite_utils.Database, content: ContentSet, say: Callable[[str], None]
) -> ImportReport:
    """Store the articles, treatments and catalogs (inside the import's transaction); the
    report's documents_written is filled in once rendering has run."""
    new_versions: dict[str, int] = {}
    unchanged: list[str] = []
    translations: dict[str, int] = {}
    for article in content.articles:
        digest = content_hash(article)
        head = latest_version(db, article.slug)
        key = f"article/{article.slug}"
        if not _should_import(db, key, digest, head.content_hash if head else None):
            unchanged.append(article.slug)
            continue
        row = publish_version(
            db,
            article,
            authors=(IMPORTER.name,),
            reviewer=IMPORTER.name,
            message="import from content/",
        )
        mark_synced(db, key, digest, digest)
        record(
            db,
            IMPORTER,
            "article.import",
            f"articles/{article.slug}",
            before=head.content_hash if head else None,
            after=digest,
            detail=f"version {row.number}",
        )
        new_versions[article.slug] = row.number
        say(f"article {article.slug}: version {row.number}")
    treatments_changed = save_treatments(db, content.treatments)
    for catalog in content.catalogs:
        digest = catalog_hash(catalog.entries)
        stored = catalog_entries(db, catalog.locale)
        key = f"catalog/{catalog.locale}"
        if not _should_import(db, key, digest, catalog_hash(stored) if stored else None):
            continue
        translations[catalog.locale] = replace_catalog(
            db, catalog, status="approved", author=IMPORTER.name
        )
        mark_synced(db, key, digest, digest)
        record(
            db,
            IMPORTER,
            "catalog.import",
            f"catalogs/{catalog.locale}",
            after=digest,
            detail=f"{len(catalog.entries)} entries",
        )
        say(f"catalog {catalog.locale}: {translations[catalog.locale]} translations")
    if content.template_header is not None:
        store_header(db, TEMPLATE_LOCALE, "approved", content.template_header)
    return ImportReport(
        new_versions=new_versions,
        unchanged=unchanged,
        treatments_changed=treatments_changed,
        translations=translations,
        documents_written=0,
    )
