"""Webhook use cases: subscribe an endpoint, change it (switch sending off and on), remove
it, give it a new secret, and send a delivery again (authorise, validate, store, audit: see
`api.actions`). A URL is checked where it may lead (`api.destinations`) when it is saved,
from the API and the workspace alike, and again by the sender at every attempt."""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from api.core.access import Principal, may
from api.core.webhooks import check_endpoint_url
from api.destinations import check_destination
from api.store import deliveries
from api.store import webhooks as store
from api.store.deliveries import Delivery
from api.store.webhooks import DEFAULT_OVERLAP, Endpoint, EndpointSecret

__all__ = [
    "change_endpoint",
    "remove_endpoint",
    "replay_delivery",
    "rotate_endpoint_secret",
    "subscribe_endpoint",
]


def _destination(url: str, allowed_networks: Sequence[str]) -> str:
    checked = check_endpoint_url(url)
    check_destination(checked, allowed_networks)
    return checked


def subscribe_endpoint(
    db: sqlite_utils.Database,
    principal: Principal,
    url: str,
    events: Sequence[str],
    description: str | None,
    *,
    allowed_networks: Sequence[str],
) -> EndpointSecret:
    """Subscribe a URL to event types; the answer holds its secret, shown this once. A host
    that leads to a private, loopback or link-local address is refused unless the operator
    allows its network."""
    may(principal, "webhook.manage").enforce()
    checked = _destination(url, allowed_networks)
    return store.create_endpoint(db, principal, checked, events, description)


def change_endpoint(
    db: sqlite_utils.Database,
    principal: Principal,
    endpoint_id: int,
    if_match: str | None,
    *,
    allowed_networks: Sequence[str],
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> Endpoint:
    """Change an endpoint's URL, events or note, or switch sending off and on."""
    may(principal, "webhook.manage").enforce()
    checked = _destination(url, allowed_networks) if url is not None else None
    return store.update_endpoint(
        db,
        principal,
        endpoint_id,
        if_match,
        url=checked,
        events=events,
        description=description,
        enabled=enabled,
    )


def remove_endpoint(
    db: sqlite_utils.Database, principal: Principal, endpoint_id: int, if_match: str | None
) -> None:
    """Remove an endpoint, its deliveries and their log."""
    may(principal, "webhook.manage").enforce()
    store.delete_endpoint(db, principal, endpoint_id, if_match)


def rotate_endpoint_secret(
    db: sqlite_utils.Database,
    principal: Principal,
    endpoint_id: int,
    if_match: str | None,
    overlap_seconds: int = DEFAULT_OVERLAP,
) -> EndpointSecret:
    """A new secret, shown this once; the previous one signs too for `overlap_seconds`."""
    may(principal, "webhook.manage").enforce()
    return store.rotate_secret(db, principal, endpoint_id, if_match, overlap_seconds)


def replay_delivery(db: sqlite_utils.Database, principal: Principal, delivery_id: int) -> Delivery:
    """Send a delivery again now, with the same webhook-id (409 while its endpoint is off)."""
    may(principal, "webhook.manage").enforce()
    return deliveries.replay_delivery(db, principal, delivery_id)
