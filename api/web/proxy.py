"""The origin a browser sees, when a proxy or TLS terminator stands between it and us.

`vetted serve` speaks plain HTTP, so behind a TLS terminator the app sees `http` where the
browser used `https`, and a proxy may change the port. The workspace's CSRF check and its
cookies' `Secure` flag need what the browser sees. One rule, here, decides it:

1. the configured public origin (`--public-origin`), when there is one;
2. else, for a request whose TCP peer is a configured proxy (`--trusted-proxies`), the
   scheme in its `X-Forwarded-Proto` and the host in its `X-Forwarded-Host` (or `Host`);
3. else what the request itself says: its scheme and `Host`.

A forwarded header from any other peer is ignored: it is a client's word."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection

from api.config import Settings

__all__ = ["Proxy", "is_https", "public_origin"]

# host, host:port, or [IPv6]:port, as it may appear in Host or X-Forwarded-Host.
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?")
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Proxy:
    """What the server was told about the way browsers reach it."""

    origin: str | None
    networks: tuple[_Network, ...]
    https_only: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> Proxy:
        return cls(
            origin=settings.public_origin,
            networks=tuple(ipaddress.ip_network(n) for n in settings.trusted_proxies),
            https_only=settings.hsts_max_age > 0,
        )

    def trusts(self, peer: str | None) -> bool:
        """Whether the TCP peer is one of the configured proxies."""
        if not self.networks or not peer:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


_NOTHING = Proxy(origin=None, networks=(), https_only=False)


def _first(value: str | None) -> str:
    return (value or "").split(",", 1)[0].strip()


def public_origin(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """`scheme://host[:port]` as the browser that sent this request wrote it in `Origin`."""
    proxy: Proxy = connection.app.state.get("proxy", _NOTHING)
    if proxy.origin is not None:
        return proxy.origin
    scheme = connection.url.scheme
    host = connection.url.netloc
    client = connection.client
    if proxy.trusts(client.host if client else None):
        forwarded_scheme = _first(connection.headers.get("x-forwarded-proto")).lower()
        if forwarded_scheme in ("http", "https"):
            scheme = forwarded_scheme
        forwarded_host = _first(connection.headers.get("x-forwarded-host"))
        if _HOST.fullmatch(forwarded_host):
            host = forwarded_host
    host = host.lower()
    host = host.removesuffix({"http": ":80", "https": ":443"}.get(scheme, ""))
    return f"{scheme}://{host}"


def is_https(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the browser reached us over HTTPS: then every cookie we set is `Secure`.
    Also when the server was told it is only served over HTTPS (`--hsts-max-age`)."""
    proxy: Proxy = connection.app.state.get("proxy", _NOTHING)
    return proxy.https_only or public_origin(connection).startswith("https://")
