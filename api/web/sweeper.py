"""The sweeps of a serving process: just after each UTC midnight, articles whose review
status moved on (due soon, overdue) are rendered again, so what readers get says so (see
`api.store.reviews`); and scheduled publications and withdrawals are carried out when they
are due (see `api.store.catch_up`). `vetted serve` runs both once before the workers start,
so what fell due while the server was down is done before anything is served."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.store.reviews import sweep_review_status
from api.store.schema import open_database

__all__ = ["daily_review_sweep", "schedule_sweep", "seconds_to_next_sweep"]

SCHEDULE_POLL_SECONDS = 30.0
"""The longest the schedule sweep sleeps: a change scheduled by another process is noticed
within this (and the first read after its time carries it out anyway)."""

_log = logging.getLogger("vetted.reviews")
_AFTER_MIDNIGHT = timedelta(minutes=1)


def seconds_to_next_sweep(now: datetime) -> float:
    """Seconds from `now` (UTC) to one minute past the next UTC midnight."""
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    return (midnight + _AFTER_MIDNIGHT - now).total_seconds()


def _sweep(db_path: str | Path, busy_timeout: float) -> list[str]:
    db = open_database(db_path, busy_timeout=busy_timeout)
    try:
        return sweep_review_status(db)
    finally:
        db.conn.close()


async def daily_review_sweep(db_path: str | Path, busy_timeout: float) -> None:
    """Sweep every day until cancelled. Workers of one server each run it: a sweep renders
    only what its own transaction finds out of date, so the second one renders nothing."""
    while True:
        await asyncio.sleep(seconds_to_next_sweep(datetime.now(UTC)))
        try:
            moved = await asyncio.to_thread(_sweep, db_path, busy_timeout)
        except Exception:  # a failed sweep is logged and tried again tomorrow
            _log.exception("review sweep failed")
            continue
        if moved:
            _log.info(f"review status changed for {len(moved)} article(s): {', '.join(moved)}")


async def schedule_sweep(
    seconds_left: Callable[[], float | None], run_due: Callable[[], int]
) -> None:
    """Carry out scheduled changes as they fall due, until cancelled: `seconds_left` says
    how long until the next (the reader's cheap clock comparison), `run_due` carries out
    what is due (on a thread). Every worker runs it: the first to take the write lock
    carries a change out, the others then find nothing due."""
    while True:
        try:
            left = seconds_left()
            await asyncio.sleep(
                SCHEDULE_POLL_SECONDS if left is None else min(SCHEDULE_POLL_SECONDS, left)
            )
            left = seconds_left()
            if left is not None and left <= 0:
                await asyncio.to_thread(run_due)
        except asyncio.CancelledError:
            raise
        except Exception:  # logged; the next round (or a read) tries again
            _log.exception("schedule sweep failed")
            await asyncio.sleep(SCHEDULE_POLL_SECONDS)
