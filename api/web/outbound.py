"""Requests this server makes to partners' webhook endpoints: where a URL may lead (every
address its host resolves to must be public, or in a network the operator allowed), and one
signed attempt, sent to the address that was checked so a second lookup cannot lead
elsewhere (DNS rebinding)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from litestar import Request
from standardwebhooks import Webhook

from api.destinations import Refused, checked_addresses, host_port
from api.store.deliveries import AttemptOutcome, DueDelivery

__all__ = [
    "USER_AGENT",
    "allowed_networks",
    "send_attempt",
    "sign",
]

USER_AGENT = "Vetted-Webhooks/1"
_RESPONSE_KEPT = 500


def allowed_networks(request: Request[Any, Any, Any]) -> tuple[str, ...]:
    """The networks the operator lets endpoints lead to (`--webhook-allowed-networks`)."""
    networks: tuple[str, ...] = request.app.state.webhook_allowed_networks
    return networks


def sign(msg_id: str, at: datetime, body: bytes, secrets: Sequence[str]) -> str:
    """The `webhook-signature` header: one `v1,` signature per secret, space-separated (a
    rotation that overlaps signs with both), made by the specification's own library."""
    return " ".join(Webhook(secret).sign(msg_id, at, body) for secret in secrets)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


async def send_attempt(
    client: httpx.AsyncClient, due: DueDelivery, allowed: Sequence[str], timeout: float
) -> AttemptOutcome:
    """POST the delivery's payload, signed now, to its endpoint; what happened. Redirects
    are not followed (a `3xx` is a failure, as the specification says)."""
    started = time.monotonic()
    host, port = host_port(due.url)

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        address = checked_addresses(host, infos, allowed)[0]
    except (OSError, UnicodeError) as exc:
        return AttemptOutcome(error=f"{host} does not resolve: {exc}", duration_ms=took())
    except Refused as exc:
        return AttemptOutcome(error=f"refused: {exc}", duration_ms=took())
    parts = urlsplit(due.url)
    pinned = f"[{address}]" if ":" in address else address
    target = urlunsplit((parts.scheme, f"{pinned}:{port}", parts.path or "/", parts.query, ""))
    at = datetime.now(UTC)
    headers = {
        "host": parts.netloc.rpartition("@")[2],
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": due.msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": sign(due.msg_id, at, due.payload, due.secrets),
    }
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    try:
        request = client.build_request(
            "POST",
            target,
            content=due.payload,
            headers=headers,
            extensions={**extensions, "timeout": httpx.Timeout(timeout).as_dict()},
        )
        async with asyncio.timeout(timeout):
            response = await client.send(request, stream=True)
            try:
                kept = b""
                async for chunk in response.aiter_bytes():
                    kept += chunk
                    if len(kept) >= _RESPONSE_KEPT:
                        break
            finally:
                await response.aclose()
    except TimeoutError:
        return AttemptOutcome(error=f"no answer within {timeout:g} s", duration_ms=took())
    except httpx.HTTPError as exc:
        return AttemptOutcome(error=f"{type(exc).__name__}: {exc}"[:300], duration_ms=took())
    return AttemptOutcome(
        status=response.status_code,
        duration_ms=took(),
        response=kept[:_RESPONSE_KEPT].decode("utf-8", "replace") or None,
        retry_after=_retry_after(response.headers.get("retry-after")),
    )
