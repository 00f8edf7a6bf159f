"""What one anonymous or refused request can cost a real server process (granian, as
`vetted serve` starts it): the security probe of 2026-12-07, D1 and D14, sent as the probe
sent them."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from pathlib import Path

import httpx

from api.store.accounts import create_token
from api.store.schema import open_database
from bench.memory import rss_mb
from bench.servers import free_port
from tests.conftest import SLUG
from tests.test_server import served

SECTION = f"/v1/articles/{SLUG}/sections/introduction"
CACHE_MB = 8
# What the worker may grow by under the flood: the cache's own bound, and as much again
# for the allocator's slack (measured growth after the fix: a few MB; before it, 2,000
# requests grew the worker by over 100 MB).
GROWTH_BOUND_MB = 2 * CACHE_MB + 8


def _workers(server_pid: int) -> list[int]:
    """granian's worker processes: the children of the server process that
    multiprocessing spawned (not the webhook sender, nor multiprocessing's resource
    tracker, which `vetted serve` also runs)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == server_pid and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


def _flood(
    port: int, etag: str, first: int, count: int, statuses: list[int], filler: int = 120_000
) -> None:
    """The probe's D1 request, `count` times, each with its own `If-None-Match` (120 KB
    by default) holding the section's ETag (so each answer is a small 304 the cache
    would keep)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for n in range(first, first + count):
            unique = f'"B{n:08d}{"x" * filler}", {etag}'
            response = client.get(
                SECTION, headers={"Accept-Encoding": "gzip", "If-None-Match": unique}
            )
            statuses.append(response.status_code)


def test_a_flood_of_unique_huge_conditional_headers_does_not_grow_the_worker(
    tree: Path, imported_db: Path
) -> None:
    db = tree / "served.db"
    shutil.copyfile(imported_db, db)
    port = free_port()
    env = {"VETTED_RESPONSE_CACHE_MB": str(CACHE_MB), "VETTED_ACCESS_LOG": "off"}
    with served(tree, db, port, env) as server:
        first = httpx.get(f"http://127.0.0.1:{port}{SECTION}", headers={"Accept-Encoding": "gzip"})
        assert first.status_code == 200
        etag = first.headers["etag"]
        workers = _workers(server.pid)
        assert len(workers) == 1
        statuses: list[int] = []
        _flood(port, etag, 0, 200, statuses)  # the worker's buffers and pools warm up
        before = rss_mb(workers)
        threads = [
            threading.Thread(target=_flood, args=(port, etag, 1_000 + 1_000 * t, 500, statuses))
            for t in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after = rss_mb(workers)
        assert statuses == [304] * 2_200
        assert after - before <= GROWTH_BOUND_MB, (before, after)
        # Keys just under the cap are stored, 3,000 of them: more than the cache may keep
        # (one entry per 4 KB of its 8 MB), so it stays full and within its bound.
        threads = [
            threading.Thread(
                target=_flood, args=(port, etag, 10_000 + 1_000 * t, 1_000, statuses, 200)
            )
            for t in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        full = rss_mb(workers)
    assert statuses == [304] * 5_200
    assert full - before <= GROWTH_BOUND_MB, (before, after, full)


def _response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response read off `sock`: status, headers (lower-cased), body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection without an answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection inside an answer"
        body += chunk
    return status, headers, body[:length]


def _closed(sock: socket.socket) -> bool:
    """Whether the server closed its side (no more bytes will come)."""
    sock.settimeout(10)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def _post(path: str, token: str, body: bytes, length: int | None = None) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length or len(body)}\r\n\r\n"
    ).encode() + body


HEALTH = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def test_a_body_refused_unread_never_breaks_the_connection_silently(
    tree: Path, imported_db: Path
) -> None:
    db_path = tree / "served.db"
    shutil.copyfile(imported_db, db_path)
    db = open_database(db_path)
    _, translator = create_token(db, name="lucia", role="translator", locales=["es"])
    _, editor = create_token(db, name="ana", role="editor", locales=[])
    db.conn.close()
    port = free_port()
    drafts = f"/v1/manage/articles/{SLUG}/drafts"
    big = json.dumps({"message": "x" * 65_000}).encode()[:65_536].ljust(65_536, b" ")
    with served(tree, db_path, port):
        # The probe's D14: a translator's 64 KB draft is refused (403) before it is read,
        # and so is any 64 KB body without a valid token (401); the next request on the
        # connection was then refused with a broken pipe.
        for token, refused in ((translator, 403), ("not-a-token", 401)):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(_post(drafts, token, big))
                status, headers, body = _response(sock)
                assert status == refused
                assert headers["content-type"].startswith("application/problem+json")
                # A body this small is read and dropped: the connection stays open.
                assert headers.get("connection", "keep-alive").lower() != "close"
                sock.sendall(HEALTH)
                assert _response(sock)[0] == 200
        # A body over the limit: 413 problem+json, then the connection is closed, saying so.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(_post(drafts, editor, b"x" * 65_536, length=6_000_000))
            status, headers, body = _response(sock)
            assert status == 413
            assert headers["content-type"].startswith("application/problem+json")
            assert json.loads(body)["status"] == 413
            assert headers["connection"].lower() == "close"
            assert _closed(sock)
        # A body refused after the first megabyte of a slow upload: closed, saying so.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(_post(drafts, translator, b"x" * 1_000_000, length=3_000_000))
            status, headers, _ = _response(sock)
            assert status == 403
            assert headers["connection"].lower() == "close"
            assert _closed(sock)
