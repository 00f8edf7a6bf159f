"""Where a webhook URL may lead: every address its host resolves to must be public, or in a
network the operator allowed. Asked when an endpoint is saved (`api.actions.webhooks`, from
the API and the workspace alike) and again by the sender at every attempt, which sends to
the address it checked (`api.web.outbound`), so a second lookup cannot lead elsewhere."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from api.core.errors import ValidationFailed
from api.core.webhooks import address_refusal

__all__ = ["Refused", "check_destination", "checked_addresses", "host_port"]


class Refused(Exception):
    """The endpoint's host leads somewhere a sender must not go."""


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def checked_addresses(
    host: str, infos: Sequence[tuple[object, ...]], allowed: Sequence[str]
) -> list[str]:
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))  # type: ignore[index]
    for address in addresses:
        if (reason := address_refusal(address, allowed)) is not None:
            raise Refused(f"{host} resolves to {address}: {reason}")
    if not addresses:
        raise Refused(f"{host} resolves to no address")
    return addresses


def check_destination(url: str, allowed: Sequence[str]) -> None:
    """Refuse (ValidationFailed at `$.url`) a URL whose host does not resolve, or resolves
    to any address a sender must not call: checked when an endpoint is saved, and again
    at every attempt."""
    host, port = host_port(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationFailed(f"url: {host} does not resolve ({exc})", path="$.url") from None
    try:
        checked_addresses(host, infos, allowed)
    except Refused as exc:
        raise ValidationFailed(
            f"url: {exc}; the operator allows such networks with --webhook-allowed-networks",
            path="$.url",
        ) from None
