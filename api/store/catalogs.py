"""The translator workflow: uploaded catalogs wait as pending until a reviewer for the
locale approves them; only approved translations are served."""

from __future__ import annotations

import msgspec
import sqlite_utils

from api.core.access import Principal
from api.core.catalog import ParsedCatalog
from api.core.errors import NotFound
from api.core.workflow import check_if_match
from api.store.audit import record
from api.store.rendering import render_documents
from api.store.schema import transaction
from api.store.translations import (
    catalog_entries,
    catalog_hash,
    catalog_header,
    replace_catalog,
    store_header,
    store_translations,
)

__all__ = ["PendingCatalog", "approve_catalog", "pending_catalog", "stage_catalog"]


class PendingCatalog(msgspec.Struct, frozen=True, kw_only=True):
    """An uploaded catalog awaiting review."""

    locale: str
    entries: int
    changed: int
    uploaded_by: str
    uploaded_at: str
    etag: str


def stage_catalog(db: sqlite_utils.Database, actor: Principal, catalog: ParsedCatalog) -> None:
    """Store an uploaded, validated catalog as the locale's pending translations."""
    with transaction(db):
        before = catalog_hash(catalog_entries(db, catalog.locale, "pending"))
        replace_catalog(db, catalog, status="pending", author=actor.name)
        record(
            db,
            actor,
            "catalog.upload",
            f"catalogs/{catalog.locale}",
            before=before,
            after=catalog_hash(catalog.entries),
            detail=f"{len(catalog.entries)} entries",
        )


def pending_catalog(db: sqlite_utils.Database, locale: str) -> PendingCatalog:
    """What awaits review for a locale, with the ETag an approval must name."""
    pending = catalog_entries(db, locale, "pending")
    if not pending:
        raise NotFound(f"no pending translations for {locale!r}")
    approved = {(e.context, e.source): (e.text, e.fuzzy) for e in catalog_entries(db, locale)}
    row = db.execute(
        "SELECT author, max(updated_at) FROM translations WHERE locale = ? AND status = 'pending'",
        [locale],
    ).fetchone()
    return PendingCatalog(
        locale=locale,
        entries=len(pending),
        changed=sum(1 for e in pending if approved.get((e.context, e.source)) != (e.text, e.fuzzy)),
        uploaded_by=row[0],
        uploaded_at=row[1],
        etag=f'"{catalog_hash(pending)}"',
    )


def approve_catalog(
    db: sqlite_utils.Database, actor: Principal, locale: str, if_match: str | None
) -> PendingCatalog:
    """Merge a locale's pending translations into the approved ones and re-render."""
    with transaction(db):
        pending = pending_catalog(db, locale)
        check_if_match(if_match, pending.etag)
        before = catalog_hash(catalog_entries(db, locale))
        store_translations(
            db,
            locale,
            tuple(catalog_entries(db, locale, "pending")),
            "approved",
            pending.uploaded_by,
        )
        db.execute("DELETE FROM translations WHERE locale = ? AND status = 'pending'", [locale])
        header = catalog_header(db, locale, "pending")
        if header is not None:
            store_header(db, locale, "approved", header)
        record(
            db,
            actor,
            "catalog.approve",
            f"catalogs/{locale}",
            before=before,
            after=catalog_hash(catalog_entries(db, locale)),
            detail=f"{pending.changed} changed of {pending.entries}",
        )
        render_documents(db)
        return pending
