"""Importing the content of record into the database as one transaction."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import sqlite_utils

from api.core.model import content_hash
from api.sources import ContentSet
from api.store.documents import render_documents
from api.store.schema import transaction
from api.store.translations import replace_catalog
from api.store.versions import create_version, latest_version, save_treatments

__all__ = ["ImportReport", "import_content"]

IMPORT_ACTOR = "import"


class ImportReport(msgspec.Struct, frozen=True, kw_only=True):
    """What an import changed."""

    new_versions: dict[str, int]
    unchanged: list[str]
    treatments_changed: bool
    translations: dict[str, int]
    documents_written: int


def import_content(
    db: sqlite_utils.Database, content: ContentSet, progress: Callable[[str], None] | None = None
) -> ImportReport:
    """Store validated content: a new published version for each changed article, the
    treatments, the approved catalogs, and every rendered document. All or nothing.

    Files in the repository are reviewed through the repository, so imported versions
    are published directly, with `import` as author.
    """
    say = progress or (lambda _: None)
    new_versions: dict[str, int] = {}
    unchanged: list[str] = []
    with transaction(db):
        for article in content.articles:
            latest = latest_version(db, article.slug)
            if latest is not None and latest.content_hash == content_hash(article):
                unchanged.append(article.slug)
                continue
            row = create_version(
                db,
                article,
                author=IMPORT_ACTOR,
                reviewer=IMPORT_ACTOR,
                message="import from content/",
                status="published",
            )
            new_versions[article.slug] = row.number
            say(f"article {article.slug}: version {row.number}")
        treatments_changed = save_treatments(db, content.treatments)
        translations = {
            catalog.locale: replace_catalog(db, catalog, status="approved", author=IMPORT_ACTOR)
            for catalog in content.catalogs
        }
        for locale, count in translations.items():
            say(f"catalog {locale}: {count} translations")
        written = render_documents(db, progress=lambda slug: say(f"rendered {slug}"))
    return ImportReport(
        new_versions=new_versions,
        unchanged=unchanged,
        treatments_changed=treatments_changed,
        translations=translations,
        documents_written=written,
    )
