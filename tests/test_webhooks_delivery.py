"""Webhooks end to end, with real processes: `vetted serve` (its sender beside the workers)
and a partner's receiver that verifies every signature with the Standard Webhooks library.
Every event arrives, and exactly once after de-duplication by `webhook-id`, through a
SIGKILL of the whole server with an attempt in flight and a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.store.accounts import create_token
from api.store.schema import open_database, transaction
from api.store.sender_lease import lease_holder
from bench.servers import free_port
from tests.conftest import ROOT, SLUG
from tests.webhook_receiver import received, unique_events

pytestmark = pytest.mark.process

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _wait(what: str, check: Callable[[], Any], seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.02)


@contextmanager
def receiver(folder: Path, secrets: list[str]) -> Iterator[str]:
    """The partner's receiver on a free loopback port; its URL."""
    folder.mkdir(exist_ok=True)
    (folder / "secrets.json").write_text(json.dumps(secrets))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.webhook_receiver", str(port), str(folder)],
        cwd=ROOT,
        env=ENV,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait("the receiver", lambda: (folder / "ready").exists())
        yield f"http://127.0.0.1:{port}/hooks/vetted"
    finally:
        (folder / "hold").unlink(missing_ok=True)
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def serving(db_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`vetted serve` (two workers, loopback allowed for webhooks explicitly)."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--db",
            str(db_path),
            "--port",
            str(port),
            "--workers",
            "2",
            "--webhook-allowed-networks",
            "127.0.0.1/32",
            # A worker still starting when SIGTERM comes is killed after this, not 30 s.
            "--shutdown-timeout",
            "5",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            assert server.poll() is None, "the server exited"
            try:
                return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        _wait("the server", ready, 60)
        yield base, server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def _publish(base: str, tokens: dict[str, str], title: str) -> int:
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    read = httpx.get(f"{base}/v1/manage/articles/{SLUG}", headers=editor)
    article = read.json()["article"]
    article["title"] = title
    created = httpx.post(
        f"{base}/v1/manage/articles/{SLUG}/drafts",
        json={"article": article, "message": title},
        headers={**editor, "If-Match": read.headers["etag"]},
    )
    assert created.status_code == 201, created.text
    submitted = httpx.post(
        f"{base}/v1/manage/drafts/{created.json()['id']}/submit",
        headers={**editor, "If-Match": created.headers["etag"]},
    )
    published = httpx.post(
        f"{base}/v1/manage/drafts/{created.json()['id']}/publish",
        headers={
            "Authorization": f"Bearer {tokens['reviewer']}",
            "If-Match": submitted.headers["etag"],
        },
        timeout=60,
    )
    assert published.status_code == 200, published.text
    version: int = published.json()["number"]
    return version


def _withdraw(base: str, tokens: dict[str, str]) -> None:
    """An editor asks, a reviewer approves: the article is withdrawn at once."""
    asked = httpx.post(
        f"{base}/v1/manage/withdrawals",
        json={"kind": "article", "item": SLUG, "reason": "A safety review of the protocol."},
        headers={"Authorization": f"Bearer {tokens['editor']}"},
    )
    assert asked.status_code == 201, asked.text
    approved = httpx.post(
        f"{base}/v1/manage/withdrawals/{asked.json()['id']}/approve",
        headers={
            "Authorization": f"Bearer {tokens['reviewer']}",
            "If-Match": asked.json()["etag"],
        },
        timeout=60,
    )
    assert approved.status_code == 200, approved.text


def _server_group_alive(server: subprocess.Popen[bytes]) -> bool:
    try:
        os.killpg(server.pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_every_event_arrives_once_after_deduplication_through_a_sigkill(
    db_path: Path, tmp_path: Path
) -> None:
    db = open_database(db_path)
    with transaction(db):
        tokens = {
            role: create_token(db, name=role, role=role, locales=[])[1]
            for role in ("admin", "editor", "reviewer")
        }
    db.conn.close()
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    folder = tmp_path / "receiver"
    with receiver(folder, []) as url, serving(db_path) as (base, server):
        made = httpx.post(
            f"{base}/v1/manage/webhooks",
            json={"url": url, "events": ["article.published", "article.withdrawn"]},
            headers=admin,
        )
        assert made.status_code == 201, made.text
        (folder / "secrets.json").write_text(json.dumps([made.json()["secret"]]))
        endpoint = made.json()["endpoint"]
        versions = [_publish(base, tokens, "First announced title")]
        _wait("the first event", lambda: len(unique_events(folder)) == 1)

        # An attempt in flight when the whole server is killed: the receiver has the
        # event (and processes it), the sender never hears its 200.
        (folder / "hold").write_text("1")
        versions.append(_publish(base, tokens, "Second announced title"))
        _wait("the second event", lambda: len(received(folder)) == 2)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        _wait("the server's processes to go", lambda: not _server_group_alive(server))
        (folder / "hold").unlink()

        with serving(db_path) as (base, _):
            # The restarted sender sends the unconfirmed attempt again, same webhook-id.
            _wait("the second event again", lambda: len(received(folder)) == 3)
            versions.append(_publish(base, tokens, "Third announced title"))
            _wait("the third event", lambda: len(unique_events(folder)) == 3)
            _withdraw(base, tokens)
            _wait("the withdrawal", lambda: len(unique_events(folder)) == 4)

            def delivered() -> Any:
                page = httpx.get(
                    f"{base}/v1/manage/webhooks/{endpoint['id']}/deliveries", headers=admin
                ).json()
                done = all(d["state"] == "delivered" for d in page["deliveries"])
                return page if done else None

            log = _wait("every delivery recorded", delivered)
        time.sleep(0.5)  # nothing else comes late

    entries = received(folder)
    assert all(entry["verified_by"] == 0 for entry in entries), entries
    ids = [entry["webhook_id"] for entry in entries]
    assert ids[1] == ids[2] and len(set(ids)) == 4  # one repeat, dropped by its webhook-id
    events = list(unique_events(folder).values())
    kinds = [e["payload"]["type"] for e in events]
    assert kinds == ["article.published"] * 3 + ["article.withdrawn"]
    assert [e["payload"]["data"]["version"] for e in events] == [*versions, versions[-1]]
    assert all(e["payload"]["data"]["slug"] == SLUG for e in events)
    cursors = [e["payload"]["data"]["cursor"] for e in events]
    assert cursors == sorted(cursors) and len(set(cursors)) == 4
    assert [d["state"] for d in log["deliveries"]] == ["delivered"] * 4
    assert {d["webhook_id"] for d in log["deliveries"]} == set(ids)


def test_a_rotation_signs_with_both_secrets_while_it_overlaps(
    db_path: Path, tmp_path: Path
) -> None:
    db = open_database(db_path)
    with transaction(db):
        tokens = {
            role: create_token(db, name=role, role=role, locales=[])[1]
            for role in ("admin", "editor", "reviewer")
        }
    db.conn.close()
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    folder = tmp_path / "receiver"
    with receiver(folder, []) as url, serving(db_path) as (base, _):
        made = httpx.post(
            f"{base}/v1/manage/webhooks",
            json={"url": url, "events": ["article.published"], "description": "kiosks"},
            headers=admin,
        )
        assert made.status_code == 201, made.text
        old = made.json()["secret"]
        rotated = httpx.post(
            f"{base}/v1/manage/webhooks/{made.json()['endpoint']['id']}/rotate-secret",
            params={"overlap_seconds": 600},
            headers={**admin, "If-Match": made.headers["etag"]},
        )
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["secret"]
        assert new != old and rotated.json()["endpoint"]["previous_secret_until"]
        (folder / "secrets.json").write_text(json.dumps([old]))  # not switched yet
        _publish(base, tokens, "Signed twice")
        _wait("the event", lambda: len(received(folder)) == 1)
        (folder / "secrets.json").write_text(json.dumps([new]))  # switched
        _publish(base, tokens, "Signed twice again")
        _wait("the second event", lambda: len(received(folder)) == 2)
    entries = received(folder)
    assert [(e["verified_by"], e["signatures"]) for e in entries] == [(0, 2), (0, 2)]


def test_the_sender_runs_beside_the_workers_once(db_path: Path) -> None:
    with serving(db_path) as (_, server):
        holder = _wait("the sender's lease", lambda: _holder(db_path))
        pids = _group(server.pid)
        senders = [pid for pid in pids if b"api.web.webhook_sender" in _cmdline(pid)]
        assert len(senders) == 1, pids
        assert holder.split("/")[1] == str(senders[0])
    assert not Path(f"/proc/{senders[0]}").exists() or _zombie(senders[0])


def _holder(db_path: Path) -> str | None:
    return lease_holder(db_path)


_IDLE_SECONDS = 8.0
"""Longer than two renewal periods of the lease the sender used to renew with a commit to
the database (every 3.3 s)."""


def test_an_idle_server_commits_nothing(db_path: Path) -> None:
    """With the sender holding its lease and readers reading, nothing commits to the
    database: `PRAGMA data_version`, on which every reader cache is keyed, stays put."""
    with serving(db_path) as (base, _):
        _wait("the sender's lease", lambda: _holder(db_path))
        db = open_database(db_path)
        try:
            seen = db.execute("PRAGMA data_version").fetchone()[0]
            deadline = time.monotonic() + _IDLE_SECONDS
            while time.monotonic() < deadline:
                for path in (
                    "/v1/articles",
                    f"/v1/articles/{SLUG}",
                    "/v1/search?q=hair",
                    "/v1/locales",
                    "/v1/sitemap",
                    "/readyz",
                ):
                    answer = httpx.get(f"{base}{path}", timeout=30)
                    assert answer.status_code == 200, (path, answer.text)
                time.sleep(0.5)
            assert db.execute("PRAGMA data_version").fetchone()[0] == seen
        finally:
            db.conn.close()


def test_a_second_servers_sender_takes_over_from_a_killed_one(db_path: Path) -> None:
    """Two servers on one database: one sender holds the lease, the other waits; when the
    holder's whole server is killed with SIGKILL, the other takes the lease at once."""
    with serving(db_path) as (_, first):
        holder = _wait("the first sender's lease", lambda: _holder(db_path))
        [first_sender] = _senders(first.pid)
        assert holder.split("/")[1] == str(first_sender)
        with serving(db_path) as (_, second):
            [second_sender] = _wait("the second sender", lambda: _senders(second.pid))
            time.sleep(1.0)  # it tries for the lease every few milliseconds meanwhile
            assert _holder(db_path) == holder
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            _wait("the first server's processes to go", lambda: not _server_group_alive(first))
            taken = _wait("the lease taken over", lambda: (_holder(db_path) or holder) != holder, 5)
            assert taken and str(_holder(db_path)).split("/")[1] == str(second_sender)


def _senders(leader: int) -> list[int]:
    return [pid for pid in _group(leader) if b"api.web.webhook_sender" in _cmdline(pid)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def _group(leader: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == leader:
            found.append(int(stat.parent.name))
    return found
