"""The reviewed history of each article as the repository keeps it (`content/history/`),
read back from the database: every earlier version whole, beside the treatment records it
was published with, and the log naming who wrote and reviewed each version, when and why.

A version the repository's log brought in keeps that log's entry word for word (its reason
and references per block). A version published in the workspace or through the API gets
the entry its draft gives (`api.core.history.derived_entry`). An export writes the history
of every article with more than one version, so the files it writes import again under the
same rules (`api.core.history.check_history`)."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import sqlite_utils

from api.core.catalog_domains import SHARED_DOMAIN
from api.core.content import dump_yaml
from api.core.history import HistoryLog, LoggedVersion, derived_entry
from api.core.messages import current_messages, known_contexts
from api.core.model import Article, TreatmentCatalog
from api.store.versions import (
    load_article,
    load_treatments,
    published_slugs,
    published_versions,
)

__all__ = [
    "catalog_contexts",
    "earlier_messages",
    "history_files",
    "logged_versions",
    "record_logged_version",
]

_entry = msgspec.json.Decoder(LoggedVersion)


def record_logged_version(db: sqlite_utils.Database, slug: str, entry: LoggedVersion) -> None:
    """Keep what the repository's log says of version `entry.number` of `slug` (inside the
    import's transaction)."""
    db.table("version_logs").upsert(
        {"slug": slug, "number": entry.number, "entry": msgspec.json.encode(entry).decode()},
        pk=("slug", "number"),
    )


def logged_versions(db: sqlite_utils.Database, slug: str) -> tuple[LoggedVersion, ...]:
    """The log of every published version of `slug`, in order: as the repository's log
    gave it, or as its draft did."""
    kept = {
        number: _entry.decode(entry)
        for number, entry in db.execute(
            "SELECT number, entry FROM version_logs WHERE slug = ?", [slug]
        )
    }
    out: list[LoggedVersion] = []
    previous = None
    for row in published_versions(db, slug):
        article = load_article(db, slug, row.number)
        entry = kept.get(row.number)
        if entry is None:
            entry = derived_entry(
                number=row.number,
                authors=row.authors or (row.author,),
                reviewer=row.reviewer or "",
                published=row.published_at or row.created_at,
                message=row.message,
                old=previous,
                new=article,
            )
        out.append(entry)
        previous = article
    return tuple(out)


def history_files(db: sqlite_utils.Database, slug: str) -> dict[str, bytes]:
    """`content/history/<slug>/…` as the database has it: empty for an article with one
    version and no logged history (its article file says everything)."""
    versions = published_versions(db, slug)
    logged = db.execute("SELECT 1 FROM version_logs WHERE slug = ? LIMIT 1", [slug]).fetchone()
    if len(versions) < 2 and logged is None:
        return {}
    folder = f"content/history/{slug}"
    files: dict[str, bytes] = {}
    for row in versions[:-1]:
        files[f"{folder}/{row.number}/article.yaml"] = dump_yaml(
            load_article(db, slug, row.number)
        ).encode()
        files[f"{folder}/{row.number}/treatments.yaml"] = dump_yaml(
            load_treatments(db, row.treatments or None)
        ).encode()
    log = HistoryLog(history=slug, versions=logged_versions(db, slug))
    files[f"{folder}/log.yaml"] = dump_yaml(log).encode()
    return files


def _articles(db: sqlite_utils.Database, domain: str | None) -> list[tuple[str, int]]:
    """The published articles whose messages can be in the catalog `domain`: one article's
    catalog holds its own alone; the shared catalog (records beside any version) and the
    whole locale (None) hold every article's."""
    published = published_slugs(db)
    if domain is None or domain == SHARED_DOMAIN:
        return published
    return [(slug, number) for slug, number in published if slug == domain]


def _earlier_versions(
    db: sqlite_utils.Database, current: TreatmentCatalog, domain: str | None = None
) -> Iterator[tuple[Article, TreatmentCatalog]]:
    """Every earlier version the history keeps (of the articles of the catalog `domain`),
    with the records published beside it."""
    for slug, _ in _articles(db, domain):
        for row in published_versions(db, slug)[:-1]:
            records = load_treatments(db, row.treatments) if row.treatments else current
            yield load_article(db, slug, row.number), records


def catalog_contexts(db: sqlite_utils.Database, domain: str | None = None) -> frozenset[str]:
    """Every msgctxt a catalog may translate: the current content's, and those of every
    earlier version the history keeps (readers of a pinned version get its translations),
    as `vetted import` reads them from the files. `domain`: of one catalog (an article's
    reads that article's versions alone; callers keep the contexts of the domain)."""
    current = load_treatments(db)
    out: set[str] = set()
    for article, records in _earlier_versions(db, current, domain):
        out |= known_contexts([article], records)
    latest = [load_article(db, slug, number) for slug, number in _articles(db, domain)]
    return frozenset(out | known_contexts(latest, current))


def earlier_messages(
    db: sqlite_utils.Database, domain: str | None = None
) -> frozenset[tuple[str, str]]:
    """`(msgctxt, msgid)` of every message of an earlier version the history keeps (with
    the records published beside it): their approved translations are what readers of
    that pinned version get, so a catalog that restates them is not out of date.
    `domain`: of one catalog (as `catalog_contexts`)."""
    return frozenset(
        (m.context, m.source)
        for article, records in _earlier_versions(db, load_treatments(db), domain)
        for m in current_messages([article], records)
    )
