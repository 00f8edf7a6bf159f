"""Carrying out the scheduled changes that are due: run by the sweep in every serving
process, by `vetted serve` before it serves and `vetted review sweep`, and by the first
read after a change's time when the sweep is late. Each change was reviewed when it was
scheduled; one that no longer fits what is published fails, is recorded as failed (with
why) and is shown to editors, instead of publishing what nobody reviewed."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

import sqlite_utils

from api.core.errors import VettedError
from api.core.webhooks import ScheduleExecuted
from api.store.audit import record
from api.store.drafts import publish_scheduled
from api.store.schedules import Schedule, due_schedules, finish_schedule, reviewer_principal
from api.store.schema import transaction
from api.store.webhooks import enqueue_event
from api.store.withdrawals import carry_out_withdrawal

__all__ = ["run_due_schedules"]

_log = logging.getLogger("vetted.schedules")


def run_due_schedules(db: sqlite_utils.Database, at: datetime | None = None) -> list[Schedule]:
    """Carry out every schedule due at `at` (default now), oldest first, in one
    transaction; return them as they were found. Cheap when none is due: one indexed
    lookup. A second process running it at the same time waits for the write lock and
    then finds nothing due."""
    when = at or datetime.now(UTC)
    if not due_schedules(db, when):
        return []  # no write lock taken, nothing committed: caches stay as they are
    with transaction(db):
        due = due_schedules(db, when)
        for schedule in due:
            _carry_out(db, schedule, when)
    return due


def _carry_out(db: sqlite_utils.Database, schedule: Schedule, at: datetime) -> None:
    reviewer = reviewer_principal(db, schedule.approved_by)
    version: int | None
    try:
        with transaction(db):  # a savepoint: a failed change leaves nothing behind
            if schedule.kind == "publish":
                assert schedule.draft_id is not None and schedule.etag is not None
                row = publish_scheduled(db, reviewer, schedule.draft_id, schedule.etag)
                detail, version = f"version {row.number} published", row.number
            else:
                assert schedule.withdrawal_id is not None
                done = carry_out_withdrawal(db, reviewer, schedule.withdrawal_id, at)
                detail = f"withdrawal {schedule.withdrawal_id} carried out"
                version = done.through_version
            finish_schedule(db, schedule.id, "done", detail)
            record(
                db,
                reviewer,
                "schedule.executed",
                schedule.target,
                detail=f"schedule {schedule.id} ({schedule.kind}, due {schedule.due_at}): "
                + detail,
            )
            kind, _, item = schedule.target.partition("/")
            if kind == "articles" and version is not None:
                # Webhooks carry articles only: a record's withdrawal has no event type yet.
                enqueue_event(
                    db, ScheduleExecuted(slug=item, action=schedule.kind, version=version)
                )
    except sqlite3.OperationalError:
        raise  # the database is busy: the whole catch-up is tried again
    except Exception as exc:
        if not isinstance(exc, VettedError):
            # A defect, not a refusal: logged, and the change stops pending rather than
            # hold every read behind it.
            _log.exception(f"schedule {schedule.id} failed")
            exc = VettedError(f"unexpected error ({type(exc).__name__}); see the server log")
        finish_schedule(db, schedule.id, "failed", str(exc))
        if schedule.draft_id is not None:
            # Back to review: a reviewer decides again on what stands now.
            db.execute(
                "UPDATE drafts SET status = 'in_review' WHERE id = ? AND status = 'scheduled'",
                [schedule.draft_id],
            )
        record(
            db,
            reviewer,
            "schedule.failed",
            schedule.target,
            detail=f"schedule {schedule.id} ({schedule.kind}, due {schedule.due_at}): {exc}",
        )
