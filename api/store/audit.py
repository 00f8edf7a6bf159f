"""The append-only audit log (SQLite triggers refuse UPDATE and DELETE on it)."""

from __future__ import annotations

import msgspec
import sqlite_utils

from api.core.access import Principal
from api.store.paging import Filter, exact, newest_first
from api.store.versions import now

_COLUMNS = (
    "id",
    "at",
    "actor",
    "token",
    "role",
    "action",
    "target",
    "before_hash",
    "after_hash",
    "detail",
)

__all__ = ["AuditEntry", "AuditPage", "list_audit", "record", "record_outsider"]


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One write: who, what, on which target, when, and the state before and after."""

    id: int
    at: str
    actor: str
    """The person."""
    token: str | None = None
    """The token they used (None: the command line, the importer, or before tokens were
    recorded)."""
    role: str
    action: str
    target: str
    before_hash: str | None
    after_hash: str | None
    detail: str | None


class AuditPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of entries, newest first, with the cursor of the next page."""

    entries: tuple[AuditEntry, ...]
    next_before: int | None


def record(
    db: sqlite_utils.Database,
    actor: Principal,
    action: str,
    target: str,
    *,
    before: str | None = None,
    after: str | None = None,
    detail: str | None = None,
) -> None:
    """Append an entry (inside the write's own transaction)."""
    db.execute(
        "INSERT INTO audit (at, actor, token, role, action, target, before_hash, after_hash, "
        "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [now(), actor.name, actor.token or None, actor.role, action, target, before, after, detail],
    )


def record_outsider(
    db: sqlite_utils.Database, actor: str, action: str, target: str, detail: str | None = None
) -> None:
    """Append an entry for someone without an account (the reader of a preview link),
    named as the link names them; their role is `outsider`."""
    db.execute(
        "INSERT INTO audit (at, actor, token, role, action, target, before_hash, after_hash, "
        "detail) VALUES (?, ?, NULL, 'outsider', ?, ?, NULL, NULL, ?)",
        [now(), actor, action, target, detail],
    )


def list_audit(
    db: sqlite_utils.Database,
    *,
    limit: int = 50,
    before_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
) -> AuditPage:
    """Entries newest first; filters match exactly, `target` also matches as a prefix."""
    under = (
        Filter("(target = ? OR substr(target, 1, length(?)) = ?)", (target, *[target + "/"] * 2))
        if target
        else None
    )
    rows, next_before = newest_first(
        db,
        "audit",
        _COLUMNS,
        [exact("actor", actor), exact("action", action), under],
        limit=limit,
        before_id=before_id,
    )
    return AuditPage(
        entries=tuple(msgspec.convert(r, AuditEntry) for r in rows), next_before=next_before
    )
