"""Scheduled changes hold on time even when the sweep is late: every request compares the
clock with the next scheduled change (looked up once per commit, see
`api.store.reader.Reader.seconds_to_next_change`); once it is due, the first request
carries out what is due before anything is answered, so no reader gets an embargoed
article late or a withdrawn one after its time, from the app or from the replay cache
(the commit empties it). On the way out, no `Cache-Control` lifetime outlives the next
scheduled change (`api.core.lifecycle.cap_cache_control`)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.core.lifecycle import cap_cache_control
from api.store.catch_up import run_due_schedules
from api.store.schema import open_database

__all__ = ["LifecycleGate", "catch_up"]

_log = logging.getLogger("vetted.schedules")
_RETRY_AFTER = 2
_LONGEST_LIFETIME = 31_536_000 + 300
"""No answer is cached longer than a year (pinned) or its revalidation window: a change
further ahead than this caps nothing."""


@lru_cache(maxsize=1024)
def _capped(value: bytes, seconds: int) -> bytes:
    """A Cache-Control value capped at `seconds` (a few values, each second: kept)."""
    return cap_cache_control(value.decode("latin-1"), seconds).encode("latin-1")


def catch_up(db_path: str | Path, busy_timeout: float) -> int:
    """Carry out the schedules due now on a connection of its own; return how many."""
    db = open_database(db_path, busy_timeout=busy_timeout)
    try:
        done = run_due_schedules(db)
    finally:
        db.conn.close()
    for schedule in done:
        _log.info(f"schedule {schedule.id} ({schedule.kind} {schedule.target}) carried out")
    return len(done)


class LifecycleGate:
    """ASGI middleware: carries out due schedules before answering, and caps cache
    lifetimes at the next scheduled change. While the app runs, `seconds_left` says how
    long until the next change (None: nothing scheduled) and `run_due` carries out what is
    due (blocking: run on a thread); without them requests pass untouched."""

    def __init__(self, app: ASGIApp, *, roots: frozenset[str]) -> None:
        self.app = app
        self.roots = roots
        self.seconds_left: Callable[[], float | None] | None = None
        self.run_due: Callable[[], int] | None = None
        self._running: asyncio.Future[int] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        seconds_left = self.seconds_left
        if scope["type"] != ScopeType.HTTP or seconds_left is None:
            await self.app(scope, receive, send)
            return
        try:
            left = seconds_left()
        except sqlite3.Error:
            # The app answers, and reports the database's failure its own way.
            await self.app(scope, receive, send)
            return
        if left is not None and left <= 0:
            try:
                await self._catch_up()
            except Exception:
                _log.exception("carrying out due schedules failed")
                if self._delivery(scope):
                    await _busy(send)
                    return
            left = seconds_left()
        if left is None or left >= _LONGEST_LIFETIME:
            await self.app(scope, receive, send)
            return
        seconds = max(0, int(left))

        async def send_capped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, _capped(value, seconds)) if name.lower() == b"cache-control" else pair
                    for pair in message.get("headers", ())
                    for name, value in (pair,)
                ]
            await send(message)

        await self.app(scope, receive, send_capped)

    def _delivery(self, scope: Scope) -> bool:
        parts = str(scope["path"]).split("/", 3)
        return len(parts) >= 3 and parts[1] == "v1" and parts[2] in self.roots

    async def _catch_up(self) -> None:
        """One catch-up at a time in this worker; concurrent requests wait for it."""
        run_due = self.run_due
        if run_due is None:
            return
        if self._running is None or self._running.done():
            self._running = asyncio.get_running_loop().run_in_executor(None, run_due)
        await asyncio.shield(self._running)


async def _busy(send: Send) -> None:
    body = msgspec.json.encode(
        {
            "type": "/problems/busy",
            "title": "Busy",
            "status": 503,
            "detail": "a scheduled change is due and could not be carried out yet; "
            f"try again in {_RETRY_AFTER} seconds",
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"retry-after", str(_RETRY_AFTER).encode()),
                (b"cache-control", b"no-store"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
