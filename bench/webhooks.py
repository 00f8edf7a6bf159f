"""Webhooks in the benchmark: a second `vetted serve` on a copy of the database with an
endpoint subscribed to every event (its sender running, a receiver on loopback), whose
delivery rows stand beside the plain server's; and the publish-to-webhook latency, from
the event's timestamp (taken in the publish transaction, just before its commit) to the
moment the receiver has sent its 200, for publishes through the management API.

`python -m bench.webhooks` measures only these rows (BENCH_SECONDS, BENCH_ROUNDS,
BENCH_PUBLISHES shorten or lengthen it) and prints them."""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import msgspec
from standardwebhooks import Webhook, WebhookVerificationError

from bench.corpus import SOURCE_SLUG
from bench.editor import Editorial, create_token
from bench.servers import Server, free_port, running, vetted_command

__all__ = [
    "Latency",
    "Receiver",
    "measure_latency",
    "receiving",
    "subscribe",
    "webhook_server",
]

EVENTS = (
    "article.published",
    "article.withdrawn",
    "translation.approved",
    "review.overdue",
    "schedule.executed",
)


class Latency(msgspec.Struct, frozen=True, kw_only=True):
    """Publish commit to the receiver's 200, over `publishes` publishes (ms)."""

    publishes: int
    received: int
    p50_ms: float
    max_ms: float
    verified: bool
    """Every request verified with the Standard Webhooks library."""


class Receiver:
    """A partner's receiver on loopback, in this process: verifies each request and keeps,
    per event, the time from its payload's timestamp to its 200."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.latencies: dict[str, float] = {}
        self.refused = 0
        self.lock = threading.Lock()
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.url = f"http://127.0.0.1:{self.port}/hooks"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    assert receiver.secret is not None
                    event = Webhook(receiver.secret).verify(body, headers)
                except (WebhookVerificationError, AssertionError):
                    with receiver.lock:
                        receiver.refused += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()
                self.wfile.flush()
                answered = time.time()
                stamp = _epoch(str(event["timestamp"]))
                with receiver.lock:
                    receiver.latencies.setdefault(headers["webhook-id"], answered - stamp)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver serving in a thread until the block ends."""
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def subscribe(base_url: str, db: Path, receiver: Receiver) -> None:
    """An admin token, and an endpoint subscribed to every event at `receiver`."""
    admin = {"Authorization": f"Bearer {create_token(db, 'bench-admin', 'admin')}"}
    made = httpx.post(
        f"{base_url}/v1/manage/webhooks",
        json={"url": receiver.url, "events": list(EVENTS), "description": "benchmark"},
        headers=admin,
        timeout=30,
    )
    if made.status_code != 201:
        raise RuntimeError(f"subscribing the receiver: {made.status_code} {made.text[:500]}")
    receiver.secret = str(made.json()["secret"])


@contextmanager
def webhook_server(source_db: Path, work: Path, receiver: Receiver) -> Iterator[Server]:
    """`vetted serve` on a copy of `source_db`, loopback allowed for webhooks, with the
    receiver subscribed to every event."""
    db = work / "webhooks.db"
    # SQLite's online backup: the source is being served, its WAL holds committed pages.
    source, copy = sqlite3.connect(source_db), sqlite3.connect(db)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()
    port = free_port()
    command = [*vetted_command(db, port), "--webhook-allowed-networks", "127.0.0.1/32"]
    with running(command, port, work / "webhooks.log", ready_path="/readyz") as server:
        subscribe(server.url, db, receiver)
        yield server


def measure_latency(
    server: Server, db: Path, receiver: Receiver, publishes: int, pause: float = 0.5
) -> Latency:
    """Publish `publishes` revisions one after another and wait for each event."""
    editorial = Editorial(server.url, db, SOURCE_SLUG)
    try:
        for _ in range(publishes):
            before = len(receiver.latencies)
            editorial.publish_revision()
            deadline = time.monotonic() + 30
            while len(receiver.latencies) == before and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(pause)
    finally:
        editorial.close()
    times = sorted(ms * 1000 for ms in receiver.latencies.values())
    return Latency(
        publishes=publishes,
        received=len(times),
        p50_ms=round(statistics.median(times), 1) if times else 0.0,
        max_ms=round(times[-1], 1) if times else 0.0,
        verified=receiver.refused == 0,
    )


def _main() -> int:
    from bench.report import OURS, markdown_table
    from bench.run import ARTICLE, Bench, _get, _say, article_plans

    publishes = int(os.environ.get("BENCH_PUBLISHES", 10))
    with tempfile.TemporaryDirectory(prefix="vetted-bench-") as folder, ExitStack() as stack:
        work = Path(folder)
        bench = Bench(work)
        db = work / "real.db"
        _say("starting: vetted serve (seeding the real content)")
        port = free_port()
        ours = stack.enter_context(
            running(vetted_command(db, port), port, work / "vetted.log", ready_path="/readyz")
        )
        receiver = stack.enter_context(receiving())
        _say("starting: vetted serve with a webhook endpoint subscribed to every event")
        hooked = stack.enter_context(webhook_server(db, work, receiver))
        etag = _get(ours.url + ARTICLE).headers["etag"]
        plans = [
            *article_plans(OURS, "ours", ours.url + ARTICLE, etag),
            *webhook_plans(hooked.url, etag),
        ]
        bench.measure(plans)
        latency = measure_latency(hooked, work / "webhooks.db", receiver, publishes)
    print(f"\n{markdown_table(bench.rows)}\n")
    print(latency_line(latency))
    return 0


def webhook_plans(base: str, etag: str) -> list[Any]:
    """The delivery rows of the server with webhooks active."""
    from bench.run import ARTICLE, article_plans

    return article_plans("webhooks", "ours, webhooks active", base + ARTICLE, etag)


def latency_line(latency: Latency) -> str:
    """The latency figure as the run prints it."""
    return (
        f"publish commit -> webhook receiver's 200: median {latency.p50_ms} ms, max "
        f"{latency.max_ms} ms over {latency.received}/{latency.publishes} publishes"
        f"{'' if latency.verified else ' (a signature failed to verify)'}"
    )


if __name__ == "__main__":
    sys.exit(_main())
