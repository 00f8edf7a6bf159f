"""The append-only audit log (SQLite triggers refuse UPDATE and DELETE on it)."""

from __future__ import annotations

import msgspec
import sqlite_utils

from api.core.access import Principal
from api.store.versions import now

__all__ = ["AuditEntry", "AuditPage", "list_audit", "record"]


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One write: who, what, on which target, when, and the state before and after."""

    id: int
    at: str
    actor: str
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
        "INSERT INTO audit (at, actor, role, action, target, before_hash, after_hash, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [now(), actor.name, actor.role, action, target, before, after, detail],
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
    where: list[str] = ["1 = 1"]
    params: list[object] = []
    if before_id is not None:
        where.append("id < ?")
        params.append(before_id)
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if action:
        where.append("action = ?")
        params.append(action)
    if target:
        where.append("(target = ? OR substr(target, 1, length(?)) = ?)")
        params.extend([target, target + "/", target + "/"])
    rows = db.execute(
        f"SELECT id, at, actor, role, action, target, before_hash, after_hash, detail "
        f"FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
        [*params, limit + 1],
    ).fetchall()
    entries = tuple(
        AuditEntry(
            id=r[0],
            at=r[1],
            actor=r[2],
            role=r[3],
            action=r[4],
            target=r[5],
            before_hash=r[6],
            after_hash=r[7],
            detail=r[8],
        )
        for r in rows[:limit]
    )
    return AuditPage(entries=entries, next_before=entries[-1].id if len(rows) > limit else None)
