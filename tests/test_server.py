"""The real server process (granian, as `vetted serve` starts it) on a free local port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api.store.accounts import create_token
from api.store.schema import open_database
from bench.servers import free_port
from tests.conftest import ROOT, SLUG

# Out of the fast loop (`make test-fast`): the real server process.
pytestmark = pytest.mark.process


@contextmanager
def served(
    tree: Path, db: Path, port: int, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`vetted serve` with one worker, ready to answer; stopped (if still running) after."""
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--db", str(db), "--workers", "1"],
        cwd=tree,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "VETTED_PORT": str(port),
            "VETTED_ACCESS_LOG": "on",
            **(env or {}),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.2)
        yield server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()


def test_vetted_serve_seeds_and_serves_an_article(tree: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with served(tree, tree / "served.db", port):
        response = httpx.get(f"{base}/v1/articles/{SLUG}", params={"locale": "es"})
        assert response.status_code == 200
        assert response.headers["content-language"] == "es"
        assert response.json()["sections"][0]["blocks"][0]["locale"] == "es"
        assert response.headers["x-content-type-options"] == "nosniff"
        again = httpx.get(
            f"{base}/v1/articles/{SLUG}",
            params={"locale": "es"},
            headers={"If-None-Match": response.headers["etag"], "X-Request-ID": "srv-304"},
        )
        assert again.status_code == 304 and again.headers["x-request-id"] == "srv-304"
        missing = httpx.get(f"{base}/v1/articles/nope")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")


def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(tree: Path) -> None:
    db_path = tree / "served.db"
    db = open_database(db_path)
    _, secret = create_token(db, name="ed", role="editor", locales=[])
    db.conn.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {secret}"}
    with served(tree, db_path, port) as server:
        read = httpx.get(f"{base}/v1/manage/articles/{SLUG}", headers=auth)
        head = read.json()
        first = {**head["article"], "title": "First"}
        created = httpx.post(
            f"{base}/v1/manage/articles/{SLUG}/drafts",
            headers={**auth, "If-Match": read.headers["etag"]},
            json={"article": first, "message": "first"},
        )
        assert created.status_code == 201
        second = {**head["article"], "title": "Second"}
        body = json.dumps({"article": second, "message": "in flight"}).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            # Half of a draft update is on the wire when the server is told to stop.
            sock.sendall(
                (
                    f"PUT /v1/manage/drafts/{created.json()['id']} HTTP/1.1\r\n"
                    f"Host: 127.0.0.1\r\nAuthorization: Bearer {secret}\r\n"
                    f"If-Match: {created.headers['etag']}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                ).encode()
                + body[:100]
            )
            time.sleep(0.5)
            stopped_at = time.monotonic()
            server.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            assert server.poll() is None  # still waiting for the request to finish
            sock.sendall(body[100:])
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 OK"), answer[:200]
        assert b'"revision":2' in answer
        assert server.wait(timeout=20) == 0
        assert time.monotonic() - stopped_at < 20
        with_new = socket.socket()
        assert with_new.connect_ex(("127.0.0.1", port)) != 0  # no longer listening
        with_new.close()
        log = server.stdout.read().decode() if server.stdout else ""
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert len(lines) == len(log.splitlines())  # every line on stderr is one JSON object
    puts = [entry for entry in lines if entry.get("method") == "PUT"]
    assert puts and puts[0]["status"] == 200 and puts[0]["request_id"]
    assert secret.split("_", 2)[2] not in log


def _token(db_path: Path, role: str) -> str:
    db = open_database(db_path)
    _, secret = create_token(db, name=role, role=role, locales=[])
    db.conn.close()
    return secret


def test_healthz_answers_promptly_while_a_hostile_body_is_measured(tree: Path) -> None:
    db_path = tree / "served.db"
    secret = _token(db_path, "admin")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The finding's body (`[` x65, `"`, then escaped quotes) at the 5 MB limit: hours of
    # regex backtracking on the event loop before; now measured in a thread in moments.
    hostile = b"[" * 65 + b'"' + b'\\"' * ((5_000_000 - 66) // 2)
    answers: list[httpx.Response] = []
    with served(tree, db_path, port):
        sender = threading.Thread(
            target=lambda: answers.append(
                httpx.post(
                    f"{base}/v1/manage/articles/{SLUG}/drafts",
                    content=hostile,
                    headers={
                        "Authorization": f"Bearer {secret}",
                        "Content-Type": "application/json",
                    },
                    timeout=60,
                )
            )
        )
        sender.start()
        waits = []
        while sender.is_alive() or len(waits) < 5:
            started = time.monotonic()
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
            waits.append(time.monotonic() - started)
            time.sleep(0.05)
        sender.join()
    assert max(waits) < 1, waits
    assert answers[0].status_code == 422
    assert answers[0].headers["content-type"].startswith("application/problem+json")


def test_a_body_that_does_not_arrive_in_time_is_408(tree: Path) -> None:
    db_path = tree / "served.db"
    secret = _token(db_path, "editor")
    port = free_port()
    with served(tree, db_path, port, {"VETTED_BODY_TIMEOUT": "1"}):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            started = time.monotonic()
            sock.sendall(
                (
                    f"POST /v1/manage/articles/{SLUG}/drafts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Authorization: Bearer {secret}\r\nContent-Type: application/json\r\n"
                    'Content-Length: 1000\r\nConnection: close\r\n\r\n{"article":'
                ).encode()
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
            waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"application/problem+json" in head.lower() and b"nosniff" in head.lower()
        assert json.loads(body)["type"] == "/problems/request-timeout"
        assert 0.9 < waited < 5


def test_a_server_workers_startup_objects_are_out_of_the_collectors_walks(db_path: Path) -> None:
    # What granian calls in each worker, in a fresh interpreter as a worker is.
    script = (
        "import gc; from api.web.app import create_app_from_env; "
        "app = create_app_from_env(); print(gc.get_freeze_count(), len(gc.get_objects()))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "VETTED_DB": str(db_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    frozen, walked = map(int, found.stdout.split())
    # A full collection walks only what came after: a small part of the worker's objects.
    assert frozen > 50_000 and walked < frozen / 10, (frozen, walked)


def test_vetted_serve_flags_content_that_went_overdue_while_it_was_down(
    tree: Path, db_path: Path
) -> None:
    """The documents were rendered when the article was current; it was last reviewed long
    ago. The server's start-up sweep renders it again before it serves: readers never get
    overdue content marked current."""
    db = open_database(db_path)
    db.execute("UPDATE versions SET published_at = '2024-03-01T08:00:00Z'")
    db.conn.commit()
    db.conn.close()
    port = free_port()
    with served(tree, db_path, port):
        body = httpx.get(f"http://127.0.0.1:{port}/v1/articles/{SLUG}").json()
    assert body["review"]["last_reviewed"] == "2024-03-01"
    assert body["review"]["next_review_due"] == "2025-03-01"
    assert body["review"]["review_status"] == "overdue"
