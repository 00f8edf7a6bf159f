"""The daily review sweep in a serving process: just after each UTC midnight, articles whose
review status moved on (due soon, overdue) are rendered again, so what readers get says so
(see `api.store.reviews`). `vetted serve` sweeps once before the workers start."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.store.reviews import sweep_review_status
from api.store.schema import open_database

__all__ = ["daily_review_sweep", "seconds_to_next_sweep"]

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
