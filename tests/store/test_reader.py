"""The reader sees every commit of another connection or process at its next look, while
it asks SQLite only when the WAL-index says something was committed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from api.store.reader import Reader
from api.store.schema import open_database
from tests.conftest import ROOT


def _commit_elsewhere(db: Path, n: int) -> None:
    writer = open_database(db)
    writer.execute("CREATE TABLE IF NOT EXISTS scratch (n INTEGER)")
    writer.execute("INSERT INTO scratch VALUES (?)", [n])
    writer.conn.close()


def test_every_commit_of_another_connection_is_seen_at_the_next_look(db_path: Path) -> None:
    reader = Reader(db_path)
    writer = open_database(db_path)
    try:
        writer.execute("CREATE TABLE scratch (n INTEGER)")
        seen = [reader.generation()]
        for n in range(200):
            writer.execute("INSERT INTO scratch VALUES (?)", [n])
            seen.append(reader.generation())
            # Looking again without a commit changes nothing.
            assert reader.generation() == seen[-1]
        assert len(set(seen)) == len(seen)
        # The WAL restarting from its first frame after a checkpoint is a change too.
        writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = reader.generation()
        writer.execute("INSERT INTO scratch VALUES (-1)")
        assert reader.generation() != before
    finally:
        writer.conn.close()
        reader.close()


def test_a_commit_in_another_process_is_seen_at_the_next_look(db_path: Path) -> None:
    reader = Reader(db_path)
    try:
        for n in range(3):
            before = reader.generation()
            call = f"_commit_elsewhere({str(db_path)!r}, {n})"
            script = f"from tests.store.test_reader import _commit_elsewhere; {call}"
            subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)
            assert reader.generation() != before
            assert reader.db.execute("SELECT count(*) FROM scratch").fetchone()[0] == n + 1
    finally:
        reader.close()


def test_a_closed_reader_fails_instead_of_answering(db_path: Path) -> None:
    reader = Reader(db_path)
    reader.generation()
    reader.close()
    with pytest.raises(Exception, match="closed"):
        reader.generation()
