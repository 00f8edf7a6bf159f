"""Answering repeated delivery requests from memory: the app's own response to an identical
request, replayed until the database next changes.

Published content is final bytes, so a delivery response is a function of the request's
method, path, query string and the few headers the delivery routes read, and of the
database. The first such request runs the whole app (routing, validation, negotiation,
security and CORS headers); identical requests until the next commit get the stored
status, headers and body. There is one code path for what a response contains: the app.

Only public delivery routes (the roots of routes tagged `delivery`) are replayed, only GET
and HEAD, only 200 and 304, and only requests whose every header is one the key holds or
one the delivery routes ignore: a cookie, `Authorization` or any header not listed
bypasses the cache. Any commit by another connection (a publish, a rollback, a catalog
approval, in any worker) changes SQLite's `data_version`, checked on every replayed
request, and empties the cache before the request is answered.

Memory: an entry is counted at what it holds, its key included (path, query string and
the raw keyed headers, which a client chooses), plus what Python spends on the tuples,
lists and bytes objects that hold it. A request whose keyed header is longer than
`MAX_KEYED_HEADER` bytes, or whose path and query are longer than `MAX_KEYED_TARGET`,
is answered by the app and neither looked up nor stored: no honest client sends one, and
a key is the one part of an entry an anonymous client sizes. The entries are bounded both
in counted bytes (`max_bytes`) and in number (one per `BYTES_PER_ENTRY` of `max_bytes`)."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

__all__ = [
    "BYTES_PER_ENTRY",
    "IGNORED_HEADERS",
    "KEYED_HEADERS",
    "MAX_KEYED_HEADER",
    "MAX_KEYED_TARGET",
    "ResponseCache",
    "delivery_roots",
    "entry_size",
]

DELIVERY_TAG = "delivery"
# Request headers that change a delivery response: part of the key (raw values).
KEYED_HEADERS = (b"accept-language", b"accept-encoding", b"if-none-match", b"origin")
# Request headers no delivery route reads (X-Request-ID is answered outside the cache).
IGNORED_HEADERS = frozenset(
    {
        b"host",
        b"user-agent",
        b"accept",
        b"connection",
        b"keep-alive",
        b"x-request-id",
        b"referer",
        b"cache-control",
        b"pragma",
        b"dnt",
        b"priority",
        b"upgrade-insecure-requests",
        b"sec-fetch-site",
        b"sec-fetch-mode",
        b"sec-fetch-dest",
        b"sec-fetch-user",
        b"sec-ch-ua",
        b"sec-ch-ua-mobile",
        b"sec-ch-ua-platform",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-real-ip",
        b"via",
    }
)
_KEYED_INDEX = {name: index for index, name in enumerate(KEYED_HEADERS)}
_REPLAYED_STATUSES = frozenset({200, 304})
# The longest keyed header value a replayed request may carry: browsers send an
# `Accept-Language` of a few dozen bytes, an `If-None-Match` of one or two 34-byte ETags.
MAX_KEYED_HEADER = 256
# The longest path plus query string a replayed request may carry (the longest delivery
# path, an article's slug and a nested section's id, is about 400 bytes).
MAX_KEYED_TARGET = 2048
# What an entry costs beyond the bytes of its key, headers and body: the key and entry
# tuples, the header list and pairs, the bytes and str objects' own headers and the
# OrderedDict's node (measured with sys.getsizeof: about 900 bytes for a 304 with eight
# response headers, about 60 more for each further header; tests/web/test_replay.py checks
# the count covers it): a fixed part and a part per response header.
_ENTRY_OVERHEAD = 512
_HEADER_OVERHEAD = 64
# The entries are also bounded in number: one per this many bytes of the bound.
BYTES_PER_ENTRY = 4096

_Key = tuple[str, str, bytes, bytes | None, bytes | None, bytes | None, bytes | None]
_Entry = tuple[int, list[tuple[bytes, bytes]], bytes, int]


def delivery_roots(app: Litestar) -> frozenset[str]:
    """The `/v1/<root>` path segments under which every GET route is tagged `delivery`
    (a root shared with any other route is left out)."""
    delivery: set[str] = set()
    other: set[str] = set()
    for route in app.routes:
        parts = route.path.split("/", 3)
        if len(parts) < 3 or parts[1] != "v1" or "{" in parts[2]:
            continue
        for handler in getattr(route, "route_handlers", ()):
            methods = getattr(handler, "http_methods", {"GET"})
            if methods == {"OPTIONS"}:
                continue  # the preflight handler Litestar adds to every path
            tags = handler.resolve_tags() if hasattr(handler, "resolve_tags") else ()
            (delivery if DELIVERY_TAG in tags and methods <= {"GET", "HEAD"} else other).add(
                parts[2]
            )
    return frozenset(delivery - other)


class ResponseCache:
    """ASGI middleware replaying stored delivery responses; at most `max_bytes` of them,
    keys included, and at most `max_entries` (least recently used dropped first; one
    response over a sixteenth of the bytes is never stored). While the app runs,
    `generation` returns a number that changes whenever the database does (the
    reader's); without it every request goes to the app."""

    def __init__(self, app: ASGIApp, *, roots: frozenset[str], max_bytes: int) -> None:
        self.app = app
        self.roots = roots
        self.generation: Callable[[], int] | None = None
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // 16
        self.max_entries = max(64, max_bytes // BYTES_PER_ENTRY)
        self.size = 0
        self.hits = 0
        self.seen_generation: int | None = None
        self.entries: OrderedDict[_Key, _Entry] = OrderedDict()

    def clear(self) -> None:
        """Forget every stored response."""
        self.entries.clear()
        self.size = 0

    def _key(self, scope: HTTPScope) -> _Key | None:
        method: str = scope["method"]
        if method != "GET" and method != "HEAD":
            return None
        path: str = scope["path"]
        parts = path.split("/", 3)
        if len(parts) < 3 or parts[1] != "v1" or parts[2] not in self.roots:
            return None
        query: bytes = scope["query_string"]
        if len(path) + len(query) > MAX_KEYED_TARGET:
            return None
        found: list[bytes | None] = [None, None, None, None]
        for name, value in scope["headers"]:
            index = _KEYED_INDEX.get(name)
            if index is None:
                if name not in IGNORED_HEADERS:
                    return None
            elif found[index] is not None or len(value) > MAX_KEYED_HEADER:
                # A repeated header (its combined meaning is the app's to read), or one
                # too long to be worth keeping: the app answers, nothing is stored.
                return None
            else:
                found[index] = value
        return (method, path, query, found[0], found[1], found[2], found[3])

    def _generation(self) -> int | None:
        if self.generation is None:
            return None
        try:
            return self.generation()
        except sqlite3.Error:
            return None  # the app answers, and reports the database's failure its own way

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        generation = self._generation()
        if generation is None:
            await self.app(scope, receive, send)
            return
        if generation != self.seen_generation:
            self.clear()
            self.seen_generation = generation
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            self.hits += 1
            status, headers, body, _ = entry
            await send({"type": "http.response.start", "status": status, "headers": [*headers]})
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        await self._answer_and_store(key, generation, scope, receive, send)

    async def _answer_and_store(
        self, key: _Key, generation: int, scope: Scope, receive: Receive, send: Send
    ) -> None:
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        held = 0
        complete = False

        async def keep(message: Message) -> None:
            nonlocal status, headers, complete, held
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                held += len(body)
                # A body too large to store is not held either: a bundle streamed from
                # disk goes by a piece at a time.
                if held <= self.max_entry:
                    chunks.append(body)
                else:
                    chunks.clear()
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, keep)
        # Stored only if nothing committed while the app answered: the bytes are then
        # those of `generation`, whatever the handler read and when.
        if (
            complete
            and status in _REPLAYED_STATUSES
            and self._generation() == generation == self.seen_generation
            and held <= self.max_entry
            and _replayable(headers)
        ):
            body = b"".join(chunks)
            size = entry_size(key, headers, body)
            if size <= self.max_entry:
                replaced = self.entries.pop(key, None)  # two misses of one key in flight
                if replaced is not None:
                    self.size -= replaced[3]
                self.entries[key] = (status, headers, body, size)
                self.size += size
                while self.size > self.max_bytes or len(self.entries) > self.max_entries:
                    _, (_, _, _, dropped) = self.entries.popitem(last=False)
                    self.size -= dropped


def entry_size(key: _Key, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """The bytes an entry is counted at: its key, its response headers and body, and the
    objects holding them."""
    keyed = len(key[0]) + len(key[1]) + sum(len(part) for part in key[2:] if part is not None)
    held = sum(len(k) + len(v) + _HEADER_OVERHEAD for k, v in headers)
    return keyed + len(body) + _ENTRY_OVERHEAD + held


def _replayable(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"set-cookie":
            return False
        if lowered == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
    return True
