"""Workspace sessions in SQLite: only a hash kept, idle and absolute expiry, revocation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from api.core.access import Principal
from api.store.accounts import create_token, revoke_token
from api.store.schema import open_database
from api.store.sessions import SessionLimits, end_session, find_session, open_session

LIMITS = SessionLimits(idle=100, lifetime=1000)
ANA = Principal(name="ana", role="editor", token="ana", token_created_by="operator")


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_database(tmp_path / "s.db")
    create_token(database, name="ana", role="editor", locales=[])
    yield database
    database.conn.close()


def test_a_session_is_found_by_its_id_and_stored_as_a_hash(db: sqlite_utils.Database) -> None:
    sid = open_session(db, ANA, now=0, limits=LIMITS)
    found = find_session(db, sid, now=50, limits=LIMITS)
    assert found is not None and found.principal == ANA and found.expires_at == 100
    assert [r[0] for r in db.execute("SELECT id_hash FROM sessions")] != [sid]
    assert find_session(db, sid + "x", now=50, limits=LIMITS) is None


@pytest.mark.parametrize(
    ("times", "alive"),
    [
        ([99], True),  # within the idle limit
        ([100], False),  # idle too long
        ([90, 180, 270], True),  # kept alive by use (each look-up more than a minute apart)
        ([90, 180, 270, 360, 450, 540, 630, 720, 810, 900, 990, 1000], False),  # lifetime
    ],
)
def test_idle_and_absolute_expiry(db: sqlite_utils.Database, times: list[int], alive: bool) -> None:
    sid = open_session(db, ANA, now=0, limits=LIMITS)
    found = None
    for moment in times:
        found = find_session(db, sid, now=moment, limits=LIMITS)
    assert (found is not None) is alive


def test_sign_out_and_revocation_end_sessions(db: sqlite_utils.Database) -> None:
    first = open_session(db, ANA, now=0, limits=LIMITS)
    second = open_session(db, ANA, now=0, limits=LIMITS)
    end_session(db, first)
    assert find_session(db, first, now=1, limits=LIMITS) is None
    assert find_session(db, second, now=1, limits=LIMITS) is not None
    revoke_token(db, "ana")
    assert find_session(db, second, now=1, limits=LIMITS) is None
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
