"""Webhook deliveries: which are due, every attempt in the delivery log, the retry schedule
applied to each failure, `410 Gone` disabling the endpoint, and replays (the lease that
lets one sender per database send is a file lock: `api.store.sender_lease`).

A delivery stays `pending` until an attempt gets a 2xx answer and that answer is recorded:
a sender killed between the two sends it again (at least once), with the same
`webhook-id`, which receivers use to drop the repeat.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Literal

import msgspec
import sqlite_utils

from api.core.access import Principal
from api.core.errors import Conflict, NotFound
from api.core.webhooks import RETRY_SCHEDULE, EventType, next_delay
from api.store.audit import record
from api.store.paging import exact, newest_first
from api.store.schema import transaction
from api.store.versions import now
from api.store.webhooks import get_endpoint, signing_secrets

__all__ = [
    "Attempt",
    "AttemptOutcome",
    "Delivery",
    "DeliveryDetail",
    "DeliveryPage",
    "DueDelivery",
    "due_deliveries",
    "get_delivery",
    "list_deliveries",
    "next_due",
    "record_attempt",
    "replay_delivery",
]

DeliveryState = Literal["pending", "delivered", "failed"]


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """One event for one endpoint: delivered, pending (with its next attempt) or failed
    (the retry schedule ran out, or the endpoint answered `410 Gone`)."""

    id: int
    endpoint_id: int
    webhook_id: str
    """The `webhook-id` every attempt carries: receivers drop a repeat by it."""
    type: EventType
    cursor: int
    state: DeliveryState
    attempts: int
    created_at: str
    next_attempt_at: str | None = None
    finished_at: str | None = None
    last_status: int | None = None
    last_error: str | None = None


class Attempt(msgspec.Struct, frozen=True, kw_only=True):
    """One try: when, why (`scheduled` or `replay`), the receiver's status or the error."""

    id: int
    at: str
    trigger: Literal["scheduled", "replay"]
    duration_ms: int
    status: int | None = None
    error: str | None = None
    response: str | None = None
    """The start of the receiver's answer (at most 500 characters)."""


class DeliveryDetail(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery with its payload and every attempt, oldest first."""

    delivery: Delivery
    payload: str
    attempts: tuple[Attempt, ...]


class DeliveryPage(msgspec.Struct, frozen=True, kw_only=True):
    """An endpoint's deliveries, newest first, with the cursor of the next page."""

    deliveries: tuple[Delivery, ...]
    next_before: int | None = None


class DueDelivery(msgspec.Struct, frozen=True, kw_only=True):
    """What a sender needs for one attempt."""

    id: int
    endpoint_id: int
    url: str
    msg_id: str
    payload: bytes
    secrets: tuple[str, ...]
    failures: int
    replay: bool


class AttemptOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What an attempt found: the receiver's status, or the error that stopped it."""

    status: int | None = None
    error: str | None = None
    duration_ms: int = 0
    response: str | None = None
    retry_after: float | None = None


def _stamp(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    moment = datetime.fromtimestamp(epoch, UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


_DELIVERY = (
    "d.id, d.endpoint_id, e.msg_id, e.type, e.cursor, d.state, d.attempts, d.next_at, "
    "d.created_at, d.finished_at, d.last_status, d.last_error"
)


def _delivery(row: tuple[object, ...]) -> Delivery:
    ident, endpoint, msg, kind, cursor, state, attempts, next_at, made, done, status, err = row
    return msgspec.convert(
        {
            "id": ident,
            "endpoint_id": endpoint,
            "webhook_id": msg,
            "type": kind,
            "cursor": cursor,
            "state": state,
            "attempts": attempts,
            "next_attempt_at": _stamp(next_at) if state == "pending" else None,  # type: ignore[arg-type]
            "created_at": made,
            "finished_at": done,
            "last_status": status,
            "last_error": err,
        },
        Delivery,
    )


def due_deliveries(
    db: sqlite_utils.Database, at: float, limit: int = 50, skip: frozenset[int] = frozenset()
) -> list[DueDelivery]:
    """Pending deliveries of enabled endpoints whose attempt is due at `at`, oldest first
    (`skip`: those this sender has in flight)."""
    rows = db.execute(
        "SELECT d.id, d.endpoint_id, p.url, e.msg_id, e.payload, d.failures, d.next_trigger "
        "FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id "
        "JOIN webhook_endpoints p ON p.id = d.endpoint_id "
        "WHERE d.state = 'pending' AND d.next_at <= ? AND p.enabled = 1 "
        "ORDER BY d.next_at, d.id LIMIT ?",
        [at, limit + len(skip)],
    ).fetchall()
    out = []
    for ident, endpoint, url, msg_id, body, failures, trigger in rows:
        if ident in skip:
            continue
        out.append(
            DueDelivery(
                id=ident,
                endpoint_id=endpoint,
                url=url,
                msg_id=msg_id,
                payload=bytes(body),
                secrets=tuple(signing_secrets(db, endpoint, at)),
                failures=failures,
                replay=trigger == "replay",
            )
        )
    return out[:limit]


def next_due(db: sqlite_utils.Database) -> float | None:
    """When the earliest pending delivery of an enabled endpoint is due (None: none)."""
    row = db.execute(
        "SELECT min(d.next_at) FROM webhook_deliveries d JOIN webhook_endpoints p "
        "ON p.id = d.endpoint_id WHERE d.state = 'pending' AND p.enabled = 1"
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else None


def record_attempt(
    db: sqlite_utils.Database,
    due: DueDelivery,
    outcome: AttemptOutcome,
    at: float | None = None,
) -> DeliveryState:
    """Log the attempt and move the delivery on: delivered on a 2xx; on `410 Gone` failed,
    and the endpoint disabled; otherwise due again after the schedule's next delay, or
    failed when the schedule is over (and the endpoint disabled when nothing reached it
    since the delivery began)."""
    when = time.time() if at is None else at
    stamp = now()
    with transaction(db):
        row = db.execute(
            "SELECT state, created_at FROM webhook_deliveries WHERE id = ?", [due.id]
        ).fetchone()
        if row is None:  # the endpoint was deleted meanwhile
            return "failed"
        db.execute(
            "INSERT INTO webhook_attempts (delivery_id, at, trigger, status, error, "
            "duration_ms, response) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                due.id,
                stamp,
                "replay" if due.replay else "scheduled",
                outcome.status,
                outcome.error,
                outcome.duration_ms,
                outcome.response,
            ],
        )
        status = outcome.status
        state: DeliveryState
        next_at: float | None = None
        failures = due.failures
        if status is not None and 200 <= status < 300:
            state = "delivered"
        elif status == 410:
            state = "failed"
            _disable(db, due.endpoint_id, "the receiver answered 410 Gone")
        else:
            failures += 1
            delay = next_delay(failures, outcome.retry_after)
            state = "pending" if delay is not None else "failed"
            next_at = when + delay if delay is not None else None
            if state == "failed" and not _reached_since(db, due.endpoint_id, row[1]):
                _disable(
                    db,
                    due.endpoint_id,
                    f"every attempt failed for {len(RETRY_SCHEDULE) + 1} tries since {row[1]}",
                )
        db.execute(
            "UPDATE webhook_deliveries SET state = ?, failures = ?, attempts = attempts + 1, "
            "next_at = ?, next_trigger = 'scheduled', finished_at = ?, last_status = ?, "
            "last_error = ? WHERE id = ?",
            [
                state,
                failures,
                next_at,
                stamp if state != "pending" else None,
                status,
                outcome.error,
                due.id,
            ],
        )
        return state


def _reached_since(db: sqlite_utils.Database, endpoint_id: int, since: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id "
        "WHERE d.endpoint_id = ? AND a.at >= ? AND a.status BETWEEN 200 AND 299 LIMIT 1",
        [endpoint_id, since],
    ).fetchone()
    return row is not None


def _disable(db: sqlite_utils.Database, endpoint_id: int, reason: str) -> None:
    db.execute(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, revision = revision + 1, "
        "updated_at = ? WHERE id = ? AND enabled = 1",
        [reason, now(), endpoint_id],
    )


def list_deliveries(
    db: sqlite_utils.Database, endpoint_id: int, *, limit: int = 50, before_id: int | None = None
) -> DeliveryPage:
    """An endpoint's deliveries, newest first."""
    get_endpoint(db, endpoint_id)
    ids, next_before = newest_first(
        db,
        "webhook_deliveries",
        ("id",),
        [exact("endpoint_id", endpoint_id)],
        limit=limit,
        before_id=before_id,
    )
    deliveries = tuple(_one(db, int(r["id"])) for r in ids)
    return DeliveryPage(deliveries=deliveries, next_before=next_before)


def _one(db: sqlite_utils.Database, delivery_id: int) -> Delivery:
    row = db.execute(
        f"SELECT {_DELIVERY} FROM webhook_deliveries d JOIN webhook_events e "
        "ON e.id = d.event_id WHERE d.id = ?",
        [delivery_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    return _delivery(row)


def get_delivery(db: sqlite_utils.Database, delivery_id: int) -> DeliveryDetail:
    """A delivery, its payload and its attempts."""
    delivery = _one(db, delivery_id)
    body = db.execute(
        "SELECT e.payload FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id "
        "WHERE d.id = ?",
        [delivery_id],
    ).fetchone()[0]
    attempts = tuple(
        msgspec.convert(
            dict(
                zip(
                    ("id", "at", "trigger", "status", "error", "duration_ms", "response"),
                    row,
                    strict=True,
                )
            ),
            Attempt,
        )
        for row in db.execute(
            "SELECT id, at, trigger, status, error, duration_ms, response FROM webhook_attempts "
            "WHERE delivery_id = ? ORDER BY id",
            [delivery_id],
        )
    )
    return DeliveryDetail(delivery=delivery, payload=bytes(body).decode(), attempts=attempts)


def replay_delivery(db: sqlite_utils.Database, actor: Principal, delivery_id: int) -> Delivery:
    """Send a delivery again now, with the same `webhook-id` and payload (a new timestamp
    and signature), and the whole retry schedule again should it fail. Refused (409) while
    its endpoint is disabled."""
    with transaction(db):
        delivery = _one(db, delivery_id)
        endpoint = get_endpoint(db, delivery.endpoint_id)
        if not endpoint.enabled:
            raise Conflict(
                f"webhook endpoint {endpoint.id} is disabled ({endpoint.disabled_reason}): "
                "enable it before replaying its deliveries"
            )
        db.execute(
            "UPDATE webhook_deliveries SET state = 'pending', failures = 0, next_at = ?, "
            "next_trigger = 'replay', finished_at = NULL WHERE id = ?",
            [time.time(), delivery_id],
        )
        record(
            db,
            actor,
            "webhook.replay",
            f"webhooks/{endpoint.id}/deliveries/{delivery_id}",
            detail=delivery.webhook_id,
        )
        return _one(db, delivery_id)
