"""Readiness: 503 until the database is migrated and holds published content."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from litestar.testing import TestClient

from api.sources import ContentSet
from api.store.importer import import_content
from api.store.schema import SCHEMA_VERSION, open_database


def _unmigrated(path: Path) -> None:
    path.write_bytes(b"")


def _schema_claimed_but_missing(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.close()


def _newer_schema(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


@pytest.mark.parametrize("make", [_unmigrated, _schema_claimed_but_missing, _newer_schema])
def test_not_ready_until_migrated_and_loaded(
    tmp_path: Path, content: ContentSet, make: Callable[[Path], None]
) -> None:
    from api.web.app import create_app

    path = tmp_path / "v.db"
    make(path)
    assert path.exists()
    with TestClient(create_app(path)) as app:
        ready = app.get("/readyz")
        assert ready.status_code == 503 and ready.json() == {"status": "not-ready"}
        assert app.get("/healthz").status_code == 200
    if make is _unmigrated:
        # The same file, once imported into, is ready without restarting anything.
        with TestClient(create_app(path)) as app:
            assert app.get("/readyz").status_code == 503
            db = open_database(path)
            import_content(db, content)
            db.conn.close()
            assert app.get("/readyz").status_code == 200
