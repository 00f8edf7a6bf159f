"""Stored translations per locale: approved ones are served, pending ones await review."""

from __future__ import annotations

from collections import defaultdict

import sqlite_utils

from api.core.catalog import ParsedCatalog
from api.core.negotiation import DEFAULT_LOCALE
from api.core.render import Catalogs
from api.store.versions import now

__all__ = ["approved_catalogs", "available_locales", "replace_catalog"]


def replace_catalog(
    db: sqlite_utils.Database, catalog: ParsedCatalog, *, status: str, author: str
) -> int:
    """Make `catalog` the locale's translations with `status` (inside a transaction)."""
    db.execute("DELETE FROM translations WHERE locale = ? AND status = ?", [catalog.locale, status])
    stamp = now()
    db.table("translations").insert_all(
        (
            {
                "locale": catalog.locale,
                "context": e.context,
                "source": e.source,
                "text": e.text,
                "fuzzy": int(e.fuzzy),
                "status": status,
                "author": author,
                "updated_at": stamp,
            }
            for e in catalog.entries
        ),
        pk=("locale", "context", "source", "status"),
    )
    return len(catalog.entries)


def approved_catalogs(db: sqlite_utils.Database) -> Catalogs:
    """Every locale's approved, non-fuzzy translations keyed by (msgctxt, msgid)."""
    out: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for locale, context, source, text in db.execute(
        "SELECT locale, context, source, text FROM translations "
        "WHERE status = 'approved' AND fuzzy = 0 AND text != ''"
    ):
        out[locale][(context, source)] = text
    return dict(out)


def available_locales(db: sqlite_utils.Database) -> list[str]:
    """The default locale and every locale with approved translations."""
    rows = db.execute("SELECT DISTINCT locale FROM translations WHERE status = 'approved'")
    return sorted({DEFAULT_LOCALE, *(r[0] for r in rows)})
