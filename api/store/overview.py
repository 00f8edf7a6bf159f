"""What the workspace dashboard summarizes: catalogs awaiting review per locale, the
translation health of every locale, and the latest published versions."""

from __future__ import annotations

import msgspec
import sqlite_utils

from api.core.health import TranslationHealth, translation_health
from api.core.messages import Message, current_messages
from api.core.negotiation import DEFAULT_LOCALE
from api.store.translations import available_locales, catalog_entries
from api.store.versions import (
    VersionRow,
    load_article,
    load_treatments,
    published_slugs,
    version_row,
)

__all__ = [
    "PendingLocale",
    "current_source_messages",
    "locale_health",
    "pending_locales",
    "recent_versions",
]


class PendingLocale(msgspec.Struct, frozen=True, kw_only=True):
    """A locale with an uploaded catalog waiting for review."""

    locale: str
    entries: int
    uploaded_by: tuple[str, ...]
    """Everyone whose upload is part of what waits (none of them may approve it)."""
    uploaded_at: str


def pending_locales(db: sqlite_utils.Database) -> list[PendingLocale]:
    """Every locale with pending translations, by locale code."""
    rows = db.execute(
        "SELECT locale, count(*), max(updated_at), group_concat(DISTINCT author) "
        "FROM translations WHERE status = 'pending' GROUP BY locale ORDER BY locale"
    ).fetchall()
    return [
        PendingLocale(
            locale=r[0],
            entries=r[1],
            uploaded_at=r[2],
            uploaded_by=tuple(sorted({n for n in (r[3] or "").split(",") if n})),
        )
        for r in rows
    ]


def current_source_messages(db: sqlite_utils.Database) -> list[Message]:
    """Every message readers get today: of each article's latest version and the records."""
    articles = [load_article(db, slug, number) for slug, number in published_slugs(db)]
    return current_messages(articles, load_treatments(db))


def locale_health(db: sqlite_utils.Database) -> list[TranslationHealth]:
    """Translation health of every locale with translations (not the source locale),
    approved or only uploaded: a brand-new language is listed from its first upload, at
    what readers get of it (nothing until a reviewer approves)."""
    current = current_source_messages(db)
    uploaded = db.execute("SELECT DISTINCT locale FROM translations").fetchall()
    locales = sorted({*available_locales(db), *(r[0] for r in uploaded)} - {DEFAULT_LOCALE})
    return [translation_health(locale, current, catalog_entries(db, locale)) for locale in locales]


def recent_versions(db: sqlite_utils.Database, limit: int = 10) -> list[VersionRow]:
    """The latest published versions of every article, newest first."""
    rows = db.execute(
        "SELECT slug, number FROM versions WHERE status = 'published' "
        "ORDER BY published_at DESC, number DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [version_row(db, slug, number) for slug, number in rows]
