"""The webhook sender: one process beside the server's workers that sends what the outbox
holds, under a lease (a file lock beside the database) so that one sender per database
sends.

Why a process of its own, started and watched by `vetted serve`, and not a task in each
worker: granian forks its workers from the main process, so a thread sending there would
be copied (with whatever locks it held) into every worker and every respawn; in a worker it
would share an event loop with readers, and a slow receiver or a DNS lookup would cost them
latency. Why a lease as well: two servers on one database (a restart overlapping the old
one, or a second `vetted serve`) must not both send, and a server killed with SIGKILL must
not hold sending up: the kernel lets its lock go with the process, and its successor, which
tries for the lease every few milliseconds, takes it at once (`api.store.sender_lease`
says why a lock and not a row renewed by a commit: no commit while nothing happens).

It notices new deliveries by `PRAGMA data_version` (it changes when another connection
commits), checked every few milliseconds, which costs a read of shared memory. While
nothing is due it only reads: every commit it makes records an attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import httpx

from api.config import SETTINGS_ENV, Settings, decode_settings, load_settings
from api.logs import configure_logging
from api.store.deliveries import DueDelivery, due_deliveries, next_due, record_attempt
from api.store.schema import open_database
from api.store.sender_lease import SenderLease
from api.web.outbound import send_attempt

__all__ = ["SenderProcess", "run_sender"]

_log = logging.getLogger("vetted.webhooks")

_POLL = 0.01
_IN_FLIGHT = 16
_Result = TypeVar("_Result")


class _Sender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = open_database(settings.db, busy_timeout=settings.busy_timeout)
        self.holder = f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(4)}"
        self.lease = SenderLease(settings.db, self.holder)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-db")
        self.in_flight: set[int] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.limit = asyncio.Semaphore(_IN_FLIGHT)
        self.scan = True

    async def _db(self, work: Callable[[], _Result]) -> _Result:
        """Every use of the one connection, one at a time, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, work)

    async def run(self, stop: asyncio.Event, parent: int | None) -> None:
        wake, seen = 0.0, -1
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
            while not stop.is_set():
                if parent is not None and os.getppid() != parent:
                    _log.warning("the server is gone: the webhook sender stops")
                    break
                now = time.time()
                if not self.lease.held and self.lease.acquire():
                    _log.info(f"webhook sender {self.holder} holds the lease")
                    self.scan = True
                if self.lease.held:
                    version = await self._db(
                        lambda: self.db.execute("PRAGMA data_version").fetchone()[0]
                    )
                    if self.scan or version != seen or now >= wake:
                        self.scan, seen = False, version
                        wake = await self._start_due(client, now)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), _POLL)
            if self.tasks:
                await asyncio.wait(self.tasks, timeout=self.settings.webhook_timeout)
        self.lease.release()

    async def _start_due(self, client: httpx.AsyncClient, now: float) -> float:
        """Start an attempt for each due delivery; when the next one falls due."""
        skip = frozenset(self.in_flight)
        due = await self._db(lambda: due_deliveries(self.db, now, limit=_IN_FLIGHT, skip=skip))
        for delivery in due:
            self.in_flight.add(delivery.id)
            task = asyncio.create_task(self._attempt(client, delivery))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        upcoming = await self._db(lambda: next_due(self.db))
        return upcoming if upcoming is not None else now + 3600

    async def _attempt(self, client: httpx.AsyncClient, due: DueDelivery) -> None:
        try:
            async with self.limit:
                outcome = await send_attempt(
                    client,
                    due,
                    self.settings.webhook_allowed_networks,
                    self.settings.webhook_timeout,
                )
            state = await self._db(lambda: record_attempt(self.db, due, outcome))
            _log.info(
                f"webhook delivery {due.id} ({due.msg_id}) to endpoint {due.endpoint_id}: "
                f"{outcome.status or outcome.error}, {state}"
            )
        except Exception:  # logged; the delivery stays pending and is tried again
            _log.exception(f"webhook delivery {due.id} failed unexpectedly")
        finally:
            self.in_flight.discard(due.id)
            self.scan = True

    def close(self) -> None:
        self.lease.release()
        self.pool.shutdown()
        self.db.conn.close()


async def run_sender(settings: Settings, stop: asyncio.Event, parent: int | None = None) -> None:
    """Send webhooks until `stop` is set (or the process `parent` is gone)."""
    sender = _Sender(settings)
    try:
        await sender.run(stop, parent)
    finally:
        sender.close()


def _main() -> None:
    """`python -m api.web.webhook_sender`: the sender process `vetted serve` starts, with
    the settings it validated (in `VETTED_SETTINGS`)."""
    encoded = os.environ.get(SETTINGS_ENV)
    settings = decode_settings(encoded) if encoded else load_settings({}, os.environ)
    configure_logging("debug" if settings.debug else settings.log_level)
    parent = os.getppid()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_sender(settings, stop, parent)

    asyncio.run(main())


class SenderProcess:
    """The sender process of one `vetted serve`: started before the workers, started again
    if it dies, stopped with the server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.watcher = threading.Thread(target=self._watch, name="webhook-sender", daemon=True)

    def start(self) -> None:
        """Start the process, and a thread that starts it again should it exit."""
        self.process = self._spawn()
        self.watcher.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        from api.config import encode_settings

        env = {**os.environ, SETTINGS_ENV: encode_settings(self.settings)}
        return subprocess.Popen([sys.executable, "-m", "api.web.webhook_sender"], env=env)

    def _watch(self) -> None:
        while True:
            with self.lock:
                process = self.process
            assert process is not None
            code = process.wait()
            # A signal to the whole group (Ctrl-C, SIGTERM) stops it as it stops the server.
            if self.stopping.wait(1.0) or code in (0, -signal.SIGTERM, -signal.SIGINT):
                return
            with self.lock:
                if self.stopping.is_set():
                    return
                _log.error(f"the webhook sender exited ({code}): starting it again")
                self.process = self._spawn()

    def stop(self) -> None:
        """Ask the process to finish its attempts in flight, then make sure it is gone."""
        with self.lock:
            self.stopping.set()
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(self.settings.webhook_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    _main()
