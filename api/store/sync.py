"""The sync ledger: one row per item a client can hold (an article or a treatment in one
locale, and the locale metadata), with the cursor at which it last changed or was withdrawn.

A bundle and a changes answer are both spliced from the stored documents the ledger names
(rendered once, at publish time), so neither ever renders content.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import msgspec
import sqlite_utils

from api.core.errors import InvalidParameter
from api.core.sync import ItemKind, Removed
from api.store.documents import article_key
from api.store.versions import load_treatments, published_slugs
from api.store.withdrawals import withdrawn_records

__all__ = ["bundle_body", "changes_since", "current_cursor", "track_changes"]

_encode = msgspec.json.Encoder().encode


class _Member(msgspec.Struct, frozen=True):
    kind: ItemKind
    item: str
    locale: str | None
    doc_key: str | None


class _BundleHead(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of api.core.sync.Bundle before its articles, in wire order (see _bundle)."""

    locale: str
    cursor: int
    locales: msgspec.Raw


class _ChangesBytes(msgspec.Struct, frozen=True):
    # Field order is the wire order of api.core.sync.Changes.
    locale: str
    since: int
    cursor: int
    locales: msgspec.Raw | None
    articles: list[msgspec.Raw]
    treatments: list[msgspec.Raw]
    removed: list[Removed]


def current_cursor(db: sqlite_utils.Database) -> int:
    """The newest cursor: 0 before anything was published."""
    row = db.execute("SELECT coalesce(max(seq), 0) FROM sync_items").fetchone()
    return int(row[0])


def _members(
    db: sqlite_utils.Database, locales: Iterable[str], slugs: Collection[str] | None
) -> dict[str, _Member]:
    codes = list(locales)
    members = {"locales": _Member("locales", "locales", None, "locales")}
    for slug, number in published_slugs(db):
        if slugs is not None and slug not in slugs:
            continue
        for locale in codes:
            key = f"article/{slug}/{locale}"
            members[key] = _Member("article", slug, locale, article_key(slug, number, locale))
    withdrawn = withdrawn_records(db)
    for treatment in load_treatments(db).treatments:
        if treatment.id in withdrawn:
            continue
        for locale in codes:
            key = f"treatment/{treatment.id}/{locale}"
            members[key] = _Member("treatment", treatment.id, locale, key)
    return members


def track_changes(
    db: sqlite_utils.Database, locales: Iterable[str], slugs: Collection[str] | None = None
) -> bool:
    """Record, under one new cursor, every item whose document changed or that is no longer
    published (inside the rendering transaction). Return True when anything changed.

    `slugs`: only these articles can have changed (a publish), so the others' rows are not
    compared at all: the cost follows the change, not the catalogue. Default: every item."""
    members = _members(db, locales, slugs)
    query = "SELECT key, kind, item, locale, doc_key, etag FROM sync_items"
    if slugs is not None:
        chosen = sorted(slugs)
        marks = ", ".join("?" * len(chosen))
        query += f" WHERE kind != 'article' OR item IN ({marks})"
    held = {
        key: (_Member(kind, item, locale, doc_key), etag)
        for key, kind, item, locale, doc_key, etag in db.execute(
            query, chosen if slugs is not None else []
        )
    }
    seq = current_cursor(db) + 1
    rows: list[tuple[str, str, str, str | None, str | None, str | None, int]] = []
    for key, member in members.items():
        found = db.execute("SELECT etag FROM documents WHERE key = ?", [member.doc_key])
        etag = (found.fetchone() or [None])[0]
        if etag is not None and held.get(key) != (member, etag):
            rows.append((key, member.kind, member.item, member.locale, member.doc_key, etag, seq))
    for key, (gone, etag) in held.items():
        if key not in members and etag is not None:
            rows.append((key, gone.kind, gone.item, gone.locale, None, None, seq))
    db.conn.executemany(
        "INSERT INTO sync_items (key, kind, item, locale, doc_key, etag, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET doc_key = excluded.doc_key, "
        "etag = excluded.etag, seq = excluded.seq",
        rows,
    )
    return bool(rows)


def _body(db: sqlite_utils.Database, key: str) -> msgspec.Raw:
    row = db.execute(
        "SELECT b.body FROM documents d JOIN blobs b ON b.etag = d.etag WHERE d.key = ?", [key]
    ).fetchone()
    return msgspec.Raw(row[0] if row else b"null")


def bundle_body(db: sqlite_utils.Database, locale: str) -> bytes | None:
    """A locale's bundle (an api.core.sync.Bundle, as msgspec writes one), spliced from the
    stored documents the sync ledger names: articles sorted by slug, treatment records by
    id, so that a client applying `/v1/changes` in the same order holds the same bytes.
    None before anything is published. Nothing is rendered: publishing stores the
    articles' documents once, and the bundle is put together from them when asked for
    (storing it at publish time rewrote ~30 MB per locale for 1,000 articles on every
    publish; docs/decisions/spliced-bundles.md)."""
    cursor = current_cursor(db)
    if cursor == 0:
        return None
    head = _encode(_BundleHead(locale=locale, cursor=cursor, locales=_body(db, "locales")))
    out = bytearray(head[:-1])  # without its closing brace
    for kind, opening in (("article", b',"articles":['), ("treatment", b'],"treatments":[')):
        out += opening
        rows = db.execute(
            "SELECT b.body FROM sync_items s JOIN documents d ON d.key = s.doc_key "
            "JOIN blobs b ON b.etag = d.etag "
            "WHERE s.kind = ? AND s.locale = ? ORDER BY s.item",
            [kind, locale],
        )
        for n, (body,) in enumerate(rows):
            if n:
                out += b","
            out += body
    out += b"]}"
    return bytes(out)


def changes_since(db: sqlite_utils.Database, since: int, locale: str) -> bytes:
    """Everything a client of `locale` holding cursor `since` must apply, as final JSON."""
    cursor = current_cursor(db)
    if since > cursor:
        raise InvalidParameter(
            "since",
            f"cursor {since} is ahead of the current cursor {cursor}; fetch the bundle again",
        )
    articles: list[msgspec.Raw] = []
    treatments: list[msgspec.Raw] = []
    removed: list[Removed] = []
    locales: msgspec.Raw | None = None
    rows = db.execute(
        "SELECT s.kind, s.item, b.body FROM sync_items s LEFT JOIN documents d "
        "ON d.key = s.doc_key LEFT JOIN blobs b ON b.etag = d.etag "
        "WHERE s.seq > ? AND (s.locale = ? OR s.locale IS NULL) "
        "ORDER BY s.kind, s.item",
        [since, locale],
    )
    for kind, item, body in rows:
        if body is None:
            removed.append(Removed(kind=kind, id=item))
        elif kind == "article":
            articles.append(msgspec.Raw(body))
        elif kind == "treatment":
            treatments.append(msgspec.Raw(body))
        else:
            locales = msgspec.Raw(body)
    changes = _ChangesBytes(
        locale=locale,
        since=since,
        cursor=cursor,
        locales=locales,
        articles=articles,
        treatments=treatments,
        removed=removed,
    )
    return _encode(changes)
