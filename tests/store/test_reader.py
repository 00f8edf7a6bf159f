"""The reader sees every commit of another connection or process at its next look, while
it asks SQLite only when the WAL-index says something was committed; what it keeps is
bounded in bytes, and slow queries run on its own thread, off the event loop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from api.core.errors import Busy
from api.store.documents import Document
from api.store.reader import Reader
from api.store.schema import open_database
from tests.conftest import ROOT, SLUG
from tests.loops import run_on_own_loop


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


def test_what_is_kept_stays_within_its_bytes_least_recently_used_dropped_first(
    db_path: Path,
) -> None:
    keys = [row[0] for row in open_database(db_path).execute("SELECT key FROM documents")]
    reader = Reader(db_path, max_bytes=200_000)
    try:
        first = reader.document(keys[0])
        assert first is not None
        total = 0
        for key in keys[1:]:
            reader.document(keys[0])  # used again and again: never the one dropped
            document = reader.document(key)
            assert document is not None
            total += len(document.body)
            assert 0 < reader.cached_bytes <= 200_000
        assert total > 200_000  # more than the bound went through
        assert reader.document(keys[0]) is first
        # A document larger than the bound is answered, not kept.
        small = Reader(db_path, max_bytes=1_000)
        assert small.document(keys[0]) == first and small.cached_bytes == 0
        small.close()
    finally:
        reader.close()


def test_a_search_runs_on_the_readers_thread_while_the_loop_answers(db_path: Path) -> None:
    reader = Reader(db_path)
    busy = threading.Event()

    async def look() -> None:
        reader._slow.submit(busy.wait)  # the reader's thread is busy with an earlier query
        search = asyncio.create_task(reader.search("stem", "en", 5))
        await asyncio.sleep(0.05)
        assert not search.done()  # waiting for that thread, not run on the event loop
        assert reader.latest_article(SLUG, "en") is not None  # the loop answers meanwhile
        busy.set()
        found = await search
        assert b'"slug"' in found.body
        assert await reader.search("stem", "en", 5) is found  # kept until the next commit

    run_on_own_loop(look, reader, timeout=60, release=busy.set)


def test_an_answer_made_while_another_connection_committed_is_not_kept(db_path: Path) -> None:
    reader = Reader(db_path)
    busy = threading.Event()

    async def look() -> None:
        reader.generation()
        reader._slow.submit(busy.wait)
        search = asyncio.create_task(reader.search("stem", "en", 5))
        await asyncio.sleep(0.05)
        _commit_elsewhere(db_path, 1)  # made after this, the answer may be of either state
        busy.set()
        await search
        assert reader.cached_bytes == 0
        again = await reader.search("stem", "en", 5)
        assert reader.cached_bytes > len(again.body)  # kept now: nothing committed meanwhile

    run_on_own_loop(look, reader, timeout=60, release=busy.set)


def test_identical_searches_wait_for_one_answer_but_never_across_a_commit(db_path: Path) -> None:
    reader = Reader(db_path)
    busy = threading.Event()

    async def look() -> None:
        reader.generation()
        reader._slow.submit(busy.wait)
        first, second = (asyncio.create_task(reader.search("stem", "en", 5)) for _ in "ab")
        await asyncio.sleep(0.05)
        _commit_elsewhere(db_path, 1)
        reader.generation()  # the commit is seen: what is asked now is asked again
        third = asyncio.create_task(reader.search("stem", "en", 5))
        await asyncio.sleep(0.05)
        busy.set()
        assert await first is await second  # made once for both
        assert await third is not await first  # made again, from after the commit
        # A client that goes away does not cancel the answer another one waits for.
        reader._slow.submit(busy.clear)
        reader._slow.submit(busy.wait)
        leaving, staying = (asyncio.create_task(reader.search("cells", "en", 5)) for _ in "ab")
        await asyncio.sleep(0.05)
        leaving.cancel()
        busy.set()
        assert b'"query":"cells"' in (await staying).body

    run_on_own_loop(look, reader, timeout=60, release=busy.set)


def test_answers_beyond_the_bound_are_refused_not_queued(db_path: Path) -> None:
    reader = Reader(db_path, max_waiting=2)
    busy = threading.Event()

    async def look() -> None:
        reader._slow.submit(busy.wait)
        waiting = [asyncio.create_task(reader.search(q, "en", 5)) for q in ("stem", "cells")]
        again = asyncio.create_task(reader.search("stem", "en", 5))  # shares one: no place
        await asyncio.sleep(0.05)
        with pytest.raises(Busy) as refused:
            await reader.changes(0, "en")
        assert refused.value.retry_after >= 1
        assert not any(task.done() for task in (*waiting, again))  # nothing else refused
        busy.set()
        first, second, third = await asyncio.gather(*waiting, again)
        assert first is third and b'"query":"cells"' in second.body
        freed = await reader.changes(0, "en")  # places free again
        assert isinstance(freed, Document) and b'"cursor"' in freed.body

    run_on_own_loop(look, reader, timeout=60, release=busy.set)
