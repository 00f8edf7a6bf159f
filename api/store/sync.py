"""The sync ledger: one row per item a client can hold (an article or a treatment in one
locale, and the locale metadata), with the cursor at which it last changed or was withdrawn.

A bundle and a changes answer are both spliced from the stored documents the ledger names
(rendered once, at publish time), so neither ever renders content.

When an article or a treatment record changes, the ledger also stores a JSON Patch from
the document clients held to the new one (`sync_patches`, made here, at publish time), so
that a client already holding the item can be sent the change instead of the item
(`changes_since(..., patches=True)`). The bytes clients hold are kept under a `sync/<key>`
document (the same blob as the item's own document, so nothing is stored twice): the
next rendering replaces the item's own document before the ledger compares, and the patch
must start from what clients hold.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Collection, Iterable, Iterator
from typing import Any, get_args

import msgspec
import sqlite_utils

from api.core.delta import json_patch
from api.core.errors import InvalidParameter
from api.core.sync import ItemKind, Removed
from api.store.documents import article_key
from api.store.figures import figures_token, locales_body
from api.store.versions import load_treatments, published_among, published_slugs
from api.store.withdrawals import withdrawn_records

__all__ = [
    "bundle_body",
    "bundle_parts",
    "changes_parts",
    "changes_since",
    "current_cursor",
    "track_changes",
]

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


class _ChangesHead(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of api.core.sync.Changes before its articles, in wire order (see
    `changes_parts`): `locales` is null when the metadata did not change."""

    locale: str
    since: int
    cursor: int
    locales: msgspec.Raw | None


class _PatchBytes(msgspec.Struct, frozen=True):
    # Field order is the wire order of api.core.sync.Patch.
    kind: str
    id: str
    sha256: str
    ops: msgspec.Raw


_PATCHED: tuple[ItemKind, ...] = ("article", "treatment")
"""The kinds of item sent as patches (the locale metadata is small: it is sent whole)."""
_PIN = "sync/"
"""The prefix of the documents holding the bytes clients hold of each item."""
_PART_BYTES = 1 << 20
"""The size from which a piece of a bundle is handed on (`bundle_parts`)."""


def current_cursor(db: sqlite_utils.Database) -> int:
    """The newest cursor: 0 before anything was published."""
    row = db.execute("SELECT coalesce(max(seq), 0) FROM sync_items").fetchone()
    return int(row[0])


def _members(
    db: sqlite_utils.Database, locales: Iterable[str], slugs: Collection[str] | None
) -> dict[str, _Member]:
    codes = list(locales)
    members = {"locales": _Member("locales", "locales", None, "locales")}
    # Some articles: looked up alone, not found among every publication.
    published = published_slugs(db) if slugs is None else published_among(db, slugs)
    for slug, number in published:
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
    codes = list(locales)
    members = _members(db, codes, slugs)
    held: dict[str, tuple[_Member, str | None]] = {}
    seqs: dict[str, int] = {}
    for key, kind, item, locale, doc_key, etag, seq in _held(db, slugs):
        held[key] = (_Member(kind, item, locale, doc_key), etag)
        seqs[key] = seq
    seq = current_cursor(db) + 1
    rows: list[tuple[str, str, str, str | None, str | None, str | None, int]] = []
    for key, member in members.items():
        if member.kind == "locales":
            # Spliced from rows when asked for: told changed by the figures' version.
            now: str | None = figures_token(db, codes)
        else:
            found = db.execute("SELECT etag FROM documents WHERE key = ?", [member.doc_key])
            now = (found.fetchone() or [None])[0]
        if now is not None and held.get(key) != (member, now):
            rows.append((key, member.kind, member.item, member.locale, member.doc_key, now, seq))
    for key, (gone, etag) in held.items():
        if key not in members and etag is not None:
            rows.append((key, gone.kind, gone.item, gone.locale, None, None, seq))
    _record_patches(db, rows, {key: (etag, seqs.get(key, 0)) for key, (_, etag) in held.items()})
    db.conn.executemany(
        "INSERT INTO sync_items (key, kind, item, locale, doc_key, etag, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET doc_key = excluded.doc_key, "
        "etag = excluded.etag, seq = excluded.seq",
        rows,
    )
    return bool(rows)


def _held(db: sqlite_utils.Database, slugs: Collection[str] | None) -> list[tuple[Any, ...]]:
    """The ledger's rows of every item, or (`slugs`) of every item but the other articles':
    each kind by its index and each article by its key range, not a scan of the ledger
    (one row per article and locale)."""
    columns = "SELECT key, kind, item, locale, doc_key, etag, seq FROM sync_items"
    if slugs is None:
        return db.execute(columns).fetchall()
    rows = []
    for kind in get_args(ItemKind):
        if kind != "article":
            rows += db.execute(f"{columns} WHERE kind = ?", [kind]).fetchall()
    for slug in sorted(slugs):
        rows += db.execute(
            f"{columns} WHERE key >= ? AND key < ?", [f"article/{slug}/", f"article/{slug}0"]
        ).fetchall()
    return rows


def _record_patches(
    db: sqlite_utils.Database,
    rows: list[tuple[str, str, str, str | None, str | None, str | None, int]],
    held: dict[str, tuple[str | None, int]],
) -> None:
    """For each changed article and record: the patch from the bytes clients held to the
    new ones (when clients held any, and the patch is smaller than the new bytes), and
    the `sync/` document moved to the new bytes. A removed item loses its patches and
    its `sync/` document: nothing withdrawn stays behind for a later answer."""
    patches: list[tuple[str, int, int, bytes, str]] = []
    pins: list[tuple[str, str]] = []
    unpinned: list[str] = []
    gone: set[str] = set()
    for key, kind, _, _, _, etag, seq in rows:
        if kind not in _PATCHED:
            continue
        old, base_seq = held.get(key, (None, 0))
        if old is not None:
            gone.add(old)
        if etag is None:
            unpinned.append(key)
            continue
        pins.append((_PIN + key, etag))
        if old is None:
            continue
        patch = _patch(db, old, etag)
        if patch is not None:
            patches.append((key, seq, base_seq, *patch))
    db.conn.executemany("DELETE FROM sync_patches WHERE key = ?", [(key,) for key in unpinned])
    db.conn.executemany("DELETE FROM documents WHERE key = ?", [(_PIN + k,) for k in unpinned])
    db.conn.executemany(
        "INSERT INTO documents (key, etag) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET etag = excluded.etag",
        pins,
    )
    db.conn.executemany(
        "INSERT OR REPLACE INTO sync_patches (key, seq, base_seq, ops, sha256) "
        "VALUES (?, ?, ?, ?, ?)",
        patches,
    )
    # The bytes clients held are garbage once no document holds them (the writer's rule).
    db.conn.executemany(
        "DELETE FROM blobs WHERE etag = ? AND NOT EXISTS (SELECT 1 FROM documents WHERE etag = ?)",
        [(etag, etag) for etag in gone],
    )
    for key, *_ in patches:
        _prune(db, key)


def _patch(db: sqlite_utils.Database, old: str, new: str) -> tuple[bytes, str] | None:
    """The JSON Patch (as JSON) from the bytes `old` to the bytes `new`, with the new
    bytes' SHA-256; None when the old bytes are gone (a database from before patches) or
    the patch would not be smaller than the new bytes."""
    bodies = dict(db.execute("SELECT etag, body FROM blobs WHERE etag IN (?, ?)", [old, new]))
    if old not in bodies or new not in bodies:
        return None
    ops = json_patch(msgspec.json.decode(bodies[old]), msgspec.json.decode(bodies[new]))
    if ops is None:
        return None
    return _encode(ops), hashlib.sha256(bodies[new]).hexdigest()


def _prune(db: sqlite_utils.Database, key: str) -> None:
    """Drop the patches of `key` no client will be sent: a chain of patches reaching back
    to them is no smaller than the item itself."""
    size = db.execute(
        "SELECT length(b.body) FROM documents d JOIN blobs b ON b.etag = d.etag WHERE d.key = ?",
        [_PIN + key],
    ).fetchone()
    total = 0
    for seq, length in db.execute(
        "SELECT seq, length(ops) FROM sync_patches WHERE key = ? ORDER BY seq DESC", [key]
    ).fetchall():
        total += length
        if size is None or total >= size[0]:
            db.execute("DELETE FROM sync_patches WHERE key = ? AND seq <= ?", [key, seq])
            return


def _locales(db: sqlite_utils.Database) -> msgspec.Raw:
    """The locale metadata, spliced from its rows (`api.store.figures`)."""
    return msgspec.Raw(locales_body(db))


def bundle_body(db: sqlite_utils.Database, locale: str) -> bytes | None:
    """A locale's bundle (an api.core.sync.Bundle, as msgspec writes one), spliced from the
    stored documents the sync ledger names: articles sorted by slug, treatment records by
    id, so that a client applying `/v1/changes` in the same order holds the same bytes.
    None before anything is published. Nothing is rendered: publishing stores the
    articles' documents once, and the bundle is put together from them when asked for
    (storing it at publish time rewrote ~30 MB per locale for 1,000 articles on every
    publish; docs/decisions/spliced-bundles.md)."""
    parts = bundle_parts(db, locale)
    return None if parts is None else b"".join(parts)


def bundle_parts(db: sqlite_utils.Database, locale: str) -> Iterator[bytes] | None:
    """The bytes of `bundle_body`, in pieces of about `_PART_BYTES` (whole stored
    documents), read as they are asked for: a bundle larger than memory should hold
    (~460 MB a locale at 10,000 articles) is written out piece by piece. Read them all
    inside one transaction (the pieces come from one state of the database)."""
    cursor = current_cursor(db)
    if cursor == 0:
        return None
    head = _encode(_BundleHead(locale=locale, cursor=cursor, locales=_locales(db)))
    return _bundle_parts(db, locale, head[:-1])  # the head without its closing brace


def _bundle_parts(db: sqlite_utils.Database, locale: str, head: bytes) -> Iterator[bytes]:
    out = bytearray(head)
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
            if len(out) >= _PART_BYTES:
                yield bytes(out)
                out.clear()
    out += b"]}"
    yield bytes(out)


def changes_since(
    db: sqlite_utils.Database, since: int, locale: str, *, patches: bool = False
) -> bytes:
    """Everything a client of `locale` holding cursor `since` must apply, as final JSON
    (an api.core.sync.Changes, as msgspec writes one).

    `patches`: an article or record the client holds comes as the patches stored since
    `since` (chained, when it changed more than once), when they are smaller than it."""
    return b"".join(changes_parts(db, since, locale, patches=patches))


def changes_parts(
    db: sqlite_utils.Database, since: int, locale: str, *, patches: bool = False
) -> Iterator[bytes]:
    """The bytes of `changes_since`, in pieces of about `_PART_BYTES` (whole stored
    documents), read as they are asked for, as `bundle_parts` are: the changes since an
    old cursor are as large as the bundle (~460 MB a locale at 10,000 articles). Read them
    all inside one transaction. A cursor ahead of the ledger's is refused at once."""
    cursor = current_cursor(db)
    if since > cursor:
        raise InvalidParameter(
            "since",
            f"cursor {since} is ahead of the current cursor {cursor}; fetch the bundle again",
        )
    changed = db.execute(
        "SELECT 1 FROM sync_items WHERE kind = 'locales' AND seq > ?", [since]
    ).fetchone()
    head = _encode(
        _ChangesHead(
            locale=locale,
            since=since,
            cursor=cursor,
            locales=None if changed is None else _locales(db),
        )
    )
    patched = _patched(db, since, locale) if patches else {}
    return _changes_parts(db, since, locale, head[:-1], patched, patches=patches)


def _patched(db: sqlite_utils.Database, since: int, locale: str) -> dict[str, str]:
    """The items changed since `since` that go as patches (`_chain`), each with the
    kind it is: decided first, from the lengths of the stored bodies and patches, so the
    lists of whole documents can be read in one pass without holding the patches."""
    patched: dict[str, str] = {}
    for kind in _PATCHED:
        rows = db.execute(
            "SELECT s.key, s.seq, length(b.body) FROM sync_items s JOIN documents d "
            "ON d.key = s.doc_key JOIN blobs b ON b.etag = d.etag "
            "WHERE s.kind = ? AND s.locale = ? AND s.seq > ? ORDER BY s.item",
            [kind, locale, since],
        )
        for key, seq, size in rows:
            if _chain(db, key, since, seq, size, lengths_only=True) is not None:
                patched[key] = kind
    return patched


def _changes_parts(
    db: sqlite_utils.Database,
    since: int,
    locale: str,
    head: bytes,
    patched: dict[str, str],
    *,
    patches: bool,
) -> Iterator[bytes]:
    out = bytearray(head)
    changed = (
        "FROM sync_items s LEFT JOIN documents d ON d.key = s.doc_key "
        "LEFT JOIN blobs b ON b.etag = d.etag "
        "WHERE s.kind = ? AND s.locale = ? AND s.seq > ?"
    )
    for kind, opening in (("article", b',"articles":['), ("treatment", b'],"treatments":[')):
        out += opening
        rows = db.execute(
            f"SELECT s.key, b.body {changed} AND b.body IS NOT NULL ORDER BY s.item",
            [kind, locale, since],
        )
        n = 0
        for key, body in rows:
            if key in patched:
                continue
            if n:
                out += b","
            n += 1
            out += body
            if len(out) >= _PART_BYTES:
                yield bytes(out)
                out.clear()
    out += b'],"removed":['
    n = 0
    for kind in _PATCHED:
        rows = db.execute(
            f"SELECT s.item {changed} AND b.body IS NULL ORDER BY s.item", [kind, locale, since]
        )
        for (item,) in rows:
            if n:
                out += b","
            n += 1
            out += _encode(Removed(kind=kind, id=item))
    out += b"]"
    if patches:
        out += b',"patches":['
        n = 0
        for kind in _PATCHED:
            rows = db.execute(
                f"SELECT s.key, s.item, s.seq, length(b.body) {changed} "
                "AND b.body IS NOT NULL ORDER BY s.item",
                [kind, locale, since],
            )
            for key, item, seq, size in rows:
                if patched.get(key) != kind:
                    continue
                chain = _chain(db, key, since, seq, size)
                assert chain is not None  # decided in this same snapshot
                if n:
                    out += b","
                n += 1
                out += _encode(_PatchBytes(kind, item, *chain))
                if len(out) >= _PART_BYTES:
                    yield bytes(out)
                    out.clear()
        out += b"]"
    out += b"}"
    yield bytes(out)


def _chain(
    db: sqlite_utils.Database,
    key: str,
    since: int,
    seq: int,
    size: int,
    *,
    lengths_only: bool = False,
) -> tuple[str, msgspec.Raw] | None:
    """The patches of `key` from the bytes held at `since` to those of `seq` (its latest
    change), as one list of operations with the result's SHA-256; None when there is no
    unbroken chain from `since` (the client did not hold the item then, or it was removed
    and published again since) or the chain is no smaller than the item (`size` bytes).

    `lengths_only`: decide from the lengths of the stored lists, without reading them (the
    operations returned are then empty)."""
    ops_column = "length(ops)" if lengths_only else "ops"
    links = db.execute(
        f"SELECT seq, base_seq, {ops_column}, sha256 FROM sync_patches WHERE key = ? "
        "AND seq > ? ORDER BY seq",
        [key, since],
    ).fetchall()
    if not links or links[0][1] > since or links[-1][0] != seq:
        return None
    for (before, *_), (_, base, *_) in itertools.pairwise(links):
        if base != before:
            return None
    if lengths_only:
        # The length of the splice below: its brackets, each non-empty list's inside, the
        # commas between them.
        inner = [length - 2 for _, _, length, _ in links if length > 2]
        if 2 + sum(inner) + max(len(inner) - 1, 0) >= size:
            return None
        return links[-1][3], msgspec.Raw(b"")
    # Splice the stored operation lists into one: each is a JSON array.
    ops = b"[" + b",".join(o[1:-1] for _, _, o, _ in links if o != b"[]") + b"]"
    if len(ops) >= size:
        return None
    return links[-1][3], msgspec.Raw(ops)
