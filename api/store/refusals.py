"""Refused management requests, kept for admins: who tried what and why it was refused.

Bounded, so a flood cannot grow the database without limit: each minute itemizes its
first `ITEMIZED_PER_MINUTE` refusals; later ones in that minute only add to a count per
status. At most `KEPT` rows are kept; older rows give way to new ones (unlike the audit
log of writes, which is append-only).
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import sqlite_utils

from api.store.paging import exact, newest_first, prefix
from api.store.schema import open_database, transaction
from api.store.versions import now

__all__ = [
    "ITEMIZED_PER_MINUTE",
    "KEPT",
    "Refusal",
    "RefusalEntry",
    "RefusalPage",
    "list_refusals",
    "record_refusal",
    "record_refusal_at",
]

ITEMIZED_PER_MINUTE = 30
KEPT = 100_000
COUNTED = "*"
"""`method` and `path` of a row that counts a minute's refusals beyond the itemized ones."""


class Refusal(msgspec.Struct, frozen=True, kw_only=True):
    """One refused request, as the web layer saw it (never a token or secret)."""

    actor: str | None
    role: str | None
    method: str
    path: str
    operation: str | None
    status: int
    problem: str
    detail: str


class RefusalEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A refused request; or, with `method` and `path` `*`, the count (`repeats`) of
    refusals with this status beyond the itemized ones in that minute."""

    id: int
    at: str
    actor: str | None
    role: str | None
    method: str
    path: str
    operation: str | None
    status: int
    problem: str
    detail: str
    repeats: int


class RefusalPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of refusals, newest first, with the cursor of the next page."""

    entries: tuple[RefusalEntry, ...]
    next_before: int | None


def record_refusal_at(db_path: str | Path, refusal: Refusal) -> None:
    """Keep one refusal on a connection of its own (the request's may be mid-transaction,
    or rolled back), without syncing to disk: a refusal lost in a power cut is acceptable,
    an fsync for each 401 of a flood is not."""
    db = open_database(db_path)
    try:
        db.execute("PRAGMA synchronous=NORMAL")
        record_refusal(db, refusal)
    finally:
        db.conn.close()


def record_refusal(db: sqlite_utils.Database, refusal: Refusal) -> None:
    """Keep one refusal, in a transaction of its own (the refused write has rolled back)."""
    at = now()
    minute = at[:16]
    with transaction(db):
        itemized = db.execute(
            "SELECT count(*) FROM refusals WHERE minute = ? AND method != ?", [minute, COUNTED]
        ).fetchone()[0]
        if itemized < ITEMIZED_PER_MINUTE:
            db.table("refusals").insert(
                {**msgspec.to_builtins(refusal), "at": at, "minute": minute, "repeats": 1}
            )
        else:
            counted = db.execute(
                "UPDATE refusals SET repeats = repeats + 1, at = ? "
                "WHERE minute = ? AND status = ? AND method = ?",
                [at, minute, refusal.status, COUNTED],
            )
            if counted.rowcount == 0:
                db.table("refusals").insert(
                    {
                        "at": at,
                        "minute": minute,
                        "method": COUNTED,
                        "path": COUNTED,
                        "status": refusal.status,
                        "problem": refusal.problem,
                        "detail": f"more refusals in this minute than the "
                        f"{ITEMIZED_PER_MINUTE} itemized: counted, not itemized",
                        "repeats": 1,
                    }
                )
        db.execute("DELETE FROM refusals WHERE id <= (SELECT max(id) FROM refusals) - ?", [KEPT])


_COLUMNS = (
    "id",
    "at",
    "actor",
    "role",
    "method",
    "path",
    "operation",
    "status",
    "problem",
    "detail",
    "repeats",
)


def list_refusals(
    db: sqlite_utils.Database,
    *,
    limit: int = 50,
    before_id: int | None = None,
    actor: str | None = None,
    status: int | None = None,
    path: str | None = None,
) -> RefusalPage:
    """Refusals newest first; `actor` and `status` match exactly, `path` as a prefix."""
    rows, next_before = newest_first(
        db,
        "refusals",
        _COLUMNS,
        [exact("actor", actor), exact("status", status), prefix("path", path)],
        limit=limit,
        before_id=before_id,
    )
    return RefusalPage(
        entries=tuple(msgspec.convert(r, RefusalEntry) for r in rows), next_before=next_before
    )
