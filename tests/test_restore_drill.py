"""The restore drill: the writer, replicated by Litestream to an S3-compatible bucket (moto's
server on loopback), publishes and approves; it is SIGKILLed and its database deleted; the
replica is restored into a fresh folder with the operators' own command
(`make restore-replica`); the restored file passes the integrity check, keeps the audit
log's append-only triggers and every stored document's bytes match its ETag; it serves;
and every publish acknowledged more than the stated RPO before the kill is there. A WAL
checkpoint and `vetted backup` in between leave replication whole."""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import brotli
import httpx
import pytest

from api.store.documents import strong_etag
from bench.editor import Editorial
from bench.s3 import replica_env, s3_server
from bench.servers import ROOT, free_port, running, vetted_command
from tests.conftest import SLUG

pytestmark = [pytest.mark.process, pytest.mark.slow]

RPO_SECONDS = 2.0
"""The stated recovery point: Litestream's sync interval (1 s, deploy/litestream.yml)
plus one upload. A publish acknowledged longer ago than this survives losing the disk."""


def _make(target: str, variables: dict[str, str]) -> list[str]:
    return ["make", "--no-print-directory", "-C", str(ROOT), target] + [
        f"{name}={value}" for name, value in variables.items()
    ]


def _version(url: str) -> int:
    response = httpx.get(f"{url}/v1/articles/{SLUG}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    version: int = response.json()["version"]
    return version


def test_the_writer_survives_losing_its_disk(
    tmp_path: Path, imported_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with s3_server(tmp_path_factory.mktemp("moto-drill")) as s3:
        s3.bucket("drill")
        writer = tmp_path / "writer"
        writer.mkdir()
        db = writer / "vetted.db"
        shutil.copyfile(imported_db, db)
        env = {**replica_env(db, s3.env, "drill"), "VETTED_WORKERS": "1"}
        port = free_port()
        command = _make("serve-replicated", {"DB": str(db), "PORT": str(port)})
        acknowledged: list[tuple[int, float]] = []
        with running(command, port, tmp_path / "writer.log", ready_path="/readyz", env=env) as app:
            editorial = Editorial(app.url, db, SLUG)
            try:
                for round_ in range(6):
                    version = editorial.publish_revision()
                    acknowledged.append((version, time.monotonic()))
                    if round_ == 2:
                        # Beside Litestream: a WAL checkpoint and an online backup.
                        with sqlite3.connect(db) as conn:
                            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                        backup = tmp_path / "backup.db"
                        done = subprocess.run(
                            [
                                sys.executable,
                                "-m",
                                "api.cli",
                                "backup",
                                str(backup),
                                "--db",
                                str(db),
                            ],
                            cwd=ROOT,
                            capture_output=True,
                            text=True,
                            check=False,
                        )
                        assert done.returncode == 0, done.stderr
                # The last publishes before the kill: within the RPO, may or may not survive.
                time.sleep(RPO_SECONDS + 0.5)
                late = editorial.publish_revision()
            finally:
                editorial.close()
            killed_at = time.monotonic()
            os.killpg(app.process.pid, signal.SIGKILL)  # the machine is gone: no final sync
            app.process.wait(timeout=10)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(writer)

        fresh = tmp_path / "fresh"
        fresh.mkdir()
        restored = fresh / "vetted.db"
        started = time.monotonic()
        done = subprocess.run(
            _make("restore-replica", {"DB": str(db), "RESTORED": str(restored)}),
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        restore_seconds = time.monotonic() - started
        assert done.returncode == 0, done.stdout + done.stderr
        assert restored.exists()

        conn = sqlite3.connect(restored)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        triggers = {
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        assert {"audit_no_update", "audit_no_delete"} <= triggers
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute("UPDATE audit SET id = id")
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute("DELETE FROM audit")
        for etag, body, gz, br in conn.execute("SELECT etag, body, gzip, br FROM blobs"):
            assert strong_etag(body) == etag
            assert gz is None or gzip.decompress(gz) == body
            assert br is None or brotli.decompress(br) == body
        conn.close()

        durable = max(v for v, at in acknowledged if killed_at - at > RPO_SECONDS)
        port = free_port()
        command = vetted_command(restored, port, worker_count=1)
        with running(command, port, tmp_path / "restored.log", ready_path="/readyz") as server:
            served = _version(server.url)
        assert served >= durable, (served, durable, late)
        assert served <= late
        assert restore_seconds < 60
