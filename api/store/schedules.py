"""Scheduled changes: a reviewed draft to be published, or an approved withdrawal to be
carried out, at a set time. The review happened when the change was scheduled; the sweep
(`run_due_schedules`) carries it out, and so does the first read after its time when the
sweep is late (see `api.web.lifecycle_gate`)."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import sqlite_utils

from api.core.access import Principal, stored_principal
from api.core.lifecycle import ScheduleKind, ScheduleState, instant, parse_instant
from api.store.audit import record
from api.store.versions import now

__all__ = [
    "OVERDUE_AFTER_SECONDS",
    "Schedule",
    "add_schedule",
    "cancel_schedules",
    "due_schedules",
    "finish_schedule",
    "list_schedules",
    "next_change_at",
    "reviewer_principal",
]

OVERDUE_AFTER_SECONDS = 60
"""A pending change this long past its time is shown to editors as overdue: the sweep (or
a read) should have carried it out by then."""

_COLUMNS = (
    "id, kind, target, draft_id, withdrawal_id, due_at, state, approved_by, etag, created_at, "
    "done_at, detail"
)


class Schedule(msgspec.Struct, frozen=True, kw_only=True):
    """One scheduled change and where it stands."""

    id: int
    kind: ScheduleKind
    target: str
    """`articles/<slug>` or `treatments/<id>`."""
    draft_id: int | None = None
    """For `publish`: the draft approved to be published."""
    withdrawal_id: int | None = None
    """For `withdraw`: the approved withdrawal."""
    due_at: str
    state: ScheduleState
    approved_by: str
    etag: str | None = None
    """For `publish`: the draft's ETag when it was approved."""
    created_at: str
    done_at: str | None = None
    detail: str | None = None
    """Why a schedule failed, or was cancelled."""
    overdue: bool = False
    """Pending, and more than a minute past its time: the sweep is late or failing."""


def _row(values: tuple[object, ...], at: datetime) -> Schedule:
    fields = dict(zip(_COLUMNS.split(", "), values, strict=True))
    due = parse_instant(str(fields["due_at"]))
    fields["overdue"] = (
        fields["state"] == "pending" and (at - due).total_seconds() > OVERDUE_AFTER_SECONDS
    )
    return msgspec.convert(fields, Schedule)


def add_schedule(
    db: sqlite_utils.Database,
    *,
    kind: ScheduleKind,
    target: str,
    due_at: str,
    approved_by: str,
    draft_id: int | None = None,
    withdrawal_id: int | None = None,
    etag: str | None = None,
) -> int:
    """Record a change to carry out at `due_at` (inside the approving transaction)."""
    cursor = db.execute(
        "INSERT INTO schedules (kind, target, draft_id, withdrawal_id, due_at, state, "
        "approved_by, etag, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
        [kind, target, draft_id, withdrawal_id, due_at, approved_by, etag, now()],
    )
    return int(cursor.lastrowid or 0)


def cancel_schedules(
    db: sqlite_utils.Database,
    actor: Principal,
    *,
    draft_id: int | None = None,
    withdrawal_id: int | None = None,
) -> None:
    """Cancel the pending schedules of a draft or a withdrawal (inside its transaction)."""
    column, value = (
        ("draft_id", draft_id) if draft_id is not None else ("withdrawal_id", withdrawal_id)
    )
    rows = db.execute(
        f"SELECT id, target FROM schedules WHERE {column} = ? AND state = 'pending'", [value]
    ).fetchall()
    for schedule_id, target in rows:
        db.execute(
            "UPDATE schedules SET state = 'cancelled', done_at = ?, detail = ? WHERE id = ?",
            [now(), f"cancelled by {actor.name}", schedule_id],
        )
        record(db, actor, "schedule.cancel", target, detail=f"schedule {schedule_id}")


def list_schedules(
    db: sqlite_utils.Database, state: ScheduleState | None = None, at: datetime | None = None
) -> list[Schedule]:
    """Schedules, the next due first (pending ones before the rest)."""
    when = at or datetime.now(UTC)
    where, params = (" WHERE state = ?", [state]) if state else ("", [])
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM schedules{where} ORDER BY state != 'pending', due_at, id",
        params,
    ).fetchall()
    return [_row(r, when) for r in rows]


def next_change_at(db: sqlite_utils.Database) -> float | None:
    """When the next pending change is due (seconds since the epoch), or None: what every
    read compares its clock with. One indexed lookup, done once per commit."""
    row = db.execute("SELECT min(due_at) FROM schedules WHERE state = 'pending'").fetchone()
    return parse_instant(row[0]).timestamp() if row and row[0] else None


def reviewer_principal(db: sqlite_utils.Database, name: str) -> Principal:
    """The person who approved a schedule, as the record of carrying it out names them
    (their role as stored; they need no active token for their approval to stand)."""
    row = db.execute("SELECT role, locales FROM people WHERE name = ?", [name]).fetchone()
    if row is None:
        return Principal(name=name, role="reviewer")
    return stored_principal(name, row[0], row[1])


def due_schedules(db: sqlite_utils.Database, at: datetime) -> list[Schedule]:
    """The pending schedules due at `at`, oldest first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM schedules WHERE state = 'pending' AND due_at <= ? "
        "ORDER BY due_at, id",
        [instant(at)],
    ).fetchall()
    return [_row(r, at) for r in rows]


def finish_schedule(
    db: sqlite_utils.Database, schedule_id: int, state: ScheduleState, detail: str | None
) -> None:
    """Record that a schedule was carried out (`done`) or could not be (`failed`)."""
    db.execute(
        "UPDATE schedules SET state = ?, done_at = ?, detail = ? WHERE id = ?",
        [state, now(), detail, schedule_id],
    )
