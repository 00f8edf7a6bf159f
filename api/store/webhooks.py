"""Webhook endpoints and the outbox: the endpoints admins subscribe (each with its signing
secret, and the previous one while a rotation overlaps), and the events written in the
same transaction as the change they announce, with one delivery per subscribed endpoint.

`enqueue_event` is what a write calls inside its transaction: when the transaction rolls
back the event goes with it, and when it commits the event is there for the sender
(`api.web.webhook_sender`) however the process ends afterwards.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec
import sqlite_utils

from api.core.access import Principal
from api.core.errors import NotFound, ValidationFailed
from api.core.text import checked_text
from api.core.webhooks import (
    EventData,
    EventType,
    check_endpoint_url,
    check_events,
    event_type,
    payload,
)
from api.core.workflow import check_if_match
from api.store.audit import record
from api.store.schema import transaction
from api.store.sync import current_cursor
from api.store.versions import now

__all__ = [
    "DEFAULT_OVERLAP",
    "Endpoint",
    "EndpointSecret",
    "create_endpoint",
    "delete_endpoint",
    "endpoint_etag",
    "enqueue_event",
    "get_endpoint",
    "list_endpoints",
    "rotate_secret",
    "signing_secrets",
    "update_endpoint",
]

DEFAULT_OVERLAP = 24 * 3600
"""How long the previous secret still signs after a rotation, unless the admin says."""


class Endpoint(msgspec.Struct, frozen=True, kw_only=True):
    """A subscribed URL (never its secret: that is shown once, when made or rotated)."""

    id: int
    url: str
    events: tuple[EventType, ...]
    enabled: bool
    created_by: str
    created_at: str
    updated_at: str
    etag: str
    """What a change must send as If-Match."""
    description: str | None = None
    disabled_reason: str | None = None
    """Why it stopped receiving (`410 Gone` from the receiver, an admin, failures)."""
    previous_secret_until: str | None = None
    """While a rotation overlaps: until when the previous secret signs too."""


class EndpointSecret(msgspec.Struct, frozen=True, kw_only=True):
    """An endpoint with its signing secret: shown this once, never again."""

    endpoint: Endpoint
    secret: str
    """The `whsec_…` secret receivers verify signatures with (Standard Webhooks)."""


_COLUMNS = (
    "id, url, events, description, enabled, disabled_reason, previous_until, created_by, "
    "created_at, updated_at, revision"
)


def endpoint_etag(endpoint_id: int, revision: int) -> str:
    """The strong ETag of an endpoint's state."""
    return f'"webhook-{endpoint_id}-{revision}"'


def _stamp(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


def _endpoint(row: tuple[object, ...]) -> Endpoint:
    (ident, url, events, description, enabled, reason, until, by, created, updated, rev) = row
    assert isinstance(ident, int) and isinstance(rev, int)
    rotating = isinstance(until, float) and until > time.time()
    return Endpoint(
        id=ident,
        url=str(url),
        events=tuple(json.loads(str(events))),
        description=description if isinstance(description, str) else None,
        enabled=bool(enabled),
        disabled_reason=reason if isinstance(reason, str) and not enabled else None,
        previous_secret_until=_stamp(until) if rotating and isinstance(until, float) else None,
        created_by=str(by),
        created_at=str(created),
        updated_at=str(updated),
        etag=endpoint_etag(ident, rev),
    )


def _new_secret() -> str:
    # 32 random bytes: the specification asks for 24 to 64, base64 behind `whsec_`.
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def list_endpoints(db: sqlite_utils.Database) -> list[Endpoint]:
    """Every endpoint, oldest first."""
    rows = db.execute(f"SELECT {_COLUMNS} FROM webhook_endpoints ORDER BY id").fetchall()
    return [_endpoint(row) for row in rows]


def get_endpoint(db: sqlite_utils.Database, endpoint_id: int) -> Endpoint:
    """One endpoint, or NotFound."""
    row = db.execute(
        f"SELECT {_COLUMNS} FROM webhook_endpoints WHERE id = ?", [endpoint_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    return _endpoint(row)


def _description(text: str | None) -> str | None:
    if text is None:
        return None
    text = checked_text(text, "$.description").strip()
    if len(text) > 200:
        raise ValidationFailed("description: at most 200 characters", path="$.description")
    return text or None


def create_endpoint(
    db: sqlite_utils.Database,
    actor: Principal,
    url: str,
    events: Sequence[str],
    description: str | None = None,
) -> EndpointSecret:
    """Subscribe `url` to `events`; its new secret is returned this once. Where the URL
    leads is the caller's to check first (see `api.web.outbound`)."""
    url = check_endpoint_url(url)
    chosen = check_events(events)
    text = _description(description)
    secret = _new_secret()
    stamp = now()
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO webhook_endpoints (url, events, description, secret, enabled, "
            "revision, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1, ?, ?, ?)",
            [url, json.dumps(chosen), text, secret, actor.name, stamp, stamp],
        )
        ident = int(cursor.lastrowid or 0)
        record(db, actor, "webhook.create", f"webhooks/{ident}", detail=f"{url} {' '.join(chosen)}")
        return EndpointSecret(endpoint=get_endpoint(db, ident), secret=secret)


def update_endpoint(
    db: sqlite_utils.Database,
    actor: Principal,
    endpoint_id: int,
    if_match: str | None,
    *,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> Endpoint:
    """Change what is given of an endpoint (If-Match: its ETag). Enabling it again sends
    what waited meanwhile."""
    with transaction(db):
        current = get_endpoint(db, endpoint_id)
        check_if_match(if_match, current.etag)
        changes: dict[str, object] = {}
        if url is not None:
            changes["url"] = check_endpoint_url(url)
        if events is not None:
            changes["events"] = json.dumps(check_events(events))
        if description is not None:
            changes["description"] = _description(description)
        if enabled is not None:
            changes["enabled"] = int(enabled)
            changes["disabled_reason"] = None if enabled else f"disabled by {actor.name}"
        assignments = ", ".join(f"{column} = ?" for column in changes)
        db.execute(
            f"UPDATE webhook_endpoints SET {assignments}{', ' if changes else ''}"
            "revision = revision + 1, updated_at = ? WHERE id = ?",
            [*changes.values(), now(), endpoint_id],
        )
        if enabled:  # what waited while it was off goes now
            db.execute(
                "UPDATE webhook_deliveries SET next_at = ? WHERE endpoint_id = ? "
                "AND state = 'pending'",
                [time.time(), endpoint_id],
            )
        record(
            db,
            actor,
            "webhook.update",
            f"webhooks/{endpoint_id}",
            detail=", ".join(sorted(changes)) or "nothing",
        )
        return get_endpoint(db, endpoint_id)


def delete_endpoint(
    db: sqlite_utils.Database, actor: Principal, endpoint_id: int, if_match: str | None
) -> None:
    """Remove an endpoint with its deliveries and their attempts (If-Match: its ETag)."""
    with transaction(db):
        current = get_endpoint(db, endpoint_id)
        check_if_match(if_match, current.etag)
        db.execute("DELETE FROM webhook_endpoints WHERE id = ?", [endpoint_id])
        record(db, actor, "webhook.delete", f"webhooks/{endpoint_id}", detail=current.url)


def rotate_secret(
    db: sqlite_utils.Database,
    actor: Principal,
    endpoint_id: int,
    if_match: str | None,
    overlap_seconds: int = DEFAULT_OVERLAP,
) -> EndpointSecret:
    """Give the endpoint a new secret, returned this once; for `overlap_seconds` every
    attempt is signed with the previous secret too (the specification sends one signature
    per secret), so the receiver can switch without losing a delivery."""
    secret = _new_secret()
    with transaction(db):
        current = get_endpoint(db, endpoint_id)
        check_if_match(if_match, current.etag)
        db.execute(
            "UPDATE webhook_endpoints SET previous_secret = secret, previous_until = ?, "
            "secret = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
            [time.time() + overlap_seconds, secret, now(), endpoint_id],
        )
        record(
            db,
            actor,
            "webhook.rotate",
            f"webhooks/{endpoint_id}",
            detail=f"the previous secret signs too for {overlap_seconds} s",
        )
        return EndpointSecret(endpoint=get_endpoint(db, endpoint_id), secret=secret)


def signing_secrets(db: sqlite_utils.Database, endpoint_id: int, at: float) -> list[str]:
    """The secrets an attempt at `at` is signed with: the current one, and the previous one
    while the rotation overlaps."""
    row = db.execute(
        "SELECT secret, previous_secret, previous_until FROM webhook_endpoints WHERE id = ?",
        [endpoint_id],
    ).fetchone()
    if row is None:
        return []
    current, previous, until = row
    return [current, previous] if previous and until and until > at else [current]


def enqueue_event(db: sqlite_utils.Database, data: EventData) -> int | None:
    """Write the event to the outbox, with a delivery for each enabled endpoint subscribed
    to its type, carrying the sync cursor as it stands now. Call it inside the transaction
    of the change it announces, after the change is rendered (so the cursor includes it).
    Returns the event's id, or None when no endpoint wants it (nothing is written)."""
    kind = event_type(data)
    subscribed = [
        ident
        for ident, events in db.execute(
            "SELECT id, events FROM webhook_endpoints WHERE enabled = 1"
        ).fetchall()
        if kind in json.loads(events)
    ]
    if not subscribed:
        return None
    cursor = current_cursor(db)
    at = datetime.now(UTC)
    stamp = now()
    # The webhook-id: the same for every attempt and replay, so receivers drop repeats.
    msg_id = f"msg_{secrets.token_urlsafe(18)}"
    created = db.execute(
        "INSERT INTO webhook_events (msg_id, type, payload, cursor, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [msg_id, kind, payload(data, cursor, at), cursor, stamp],
    )
    event_id = int(created.lastrowid or 0)
    due = at.timestamp()
    db.conn.executemany(
        "INSERT INTO webhook_deliveries (event_id, endpoint_id, state, failures, attempts, "
        "next_at, next_trigger, created_at) VALUES (?, ?, 'pending', 0, 0, ?, 'scheduled', ?)",
        [(event_id, ident, due, stamp) for ident in subscribed],
    )
    return event_id
