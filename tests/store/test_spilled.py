"""A bundle larger than the reader's memory budget is kept on disk: made once per cursor
of the sync ledger, byte for byte the bundle memory would hold, its files gone once the
reader and the last response reading them let go."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import zlib
from pathlib import Path

import brotli
import msgspec
import pytest

from api.core.model import Article
from api.store.documents import Document, strong_etag
from api.store.reader import Reader
from api.store.schema import open_database
from api.store.spilled import Part, Spilled
from api.store.sync import bundle_body, current_cursor
from api.store.versions import latest_version, load_article
from tests.conftest import SLUG
from tests.editing import publish_change
from tests.loops import run_on_own_loop

# The test bundle of `es` is ~46 KB (~65 KB with its compressed forms): 20 KB spills it as
# it is spliced; 50 KB holds the spliced bytes, which spill once compressed.
BUDGETS = (20_000, 50_000)


def read(part: Part) -> bytes:
    """Every byte of one form of a spilled document."""
    return os.pread(part.fd, part.size + 1, 0)


def publish_a_change(db_path: Path) -> None:
    """A new version of the article, published by an editor and a reviewer (the cursor
    of the sync ledger moves)."""
    db = open_database(db_path)
    try:
        head = latest_version(db, SLUG)
        assert head is not None
        body = msgspec.json.encode(load_article(db, SLUG, head.number))
        old = b"Not everyone experiences the same degree of transformation."
        assert body.count(old) == 1
        changed = body.replace(old, b"Not everyone sees the same degree of change.")
        publish_change(db, msgspec.json.decode(changed, type=Article))
    finally:
        db.conn.close()


def commit_without_content(db_path: Path) -> None:
    """A commit that changes no content (as a webhook attempt recorded)."""
    db = open_database(db_path)
    db.execute("CREATE TABLE IF NOT EXISTS scratch (n INTEGER)")
    db.execute("INSERT INTO scratch VALUES (1)")
    db.conn.close()


@pytest.mark.parametrize("budget", BUDGETS)
def test_a_bundle_beyond_the_budget_is_kept_on_disk_with_the_bytes_memory_holds(
    db_path: Path, budget: int
) -> None:
    roomy, small = Reader(db_path), Reader(db_path, max_bytes=budget)
    before = set(db_path.parent.iterdir())

    async def look() -> None:
        held = await roomy.bundle("es")
        assert isinstance(held, Document)  # within the default budget: in memory
        spilled = await small.bundle("es")
        assert isinstance(spilled, Spilled)
        body = read(spilled.body)
        assert body == held.body == bundle_body(small.db, "es")
        assert spilled.etag == held.etag == strong_etag(body)
        assert spilled.gzip is not None and spilled.br is not None
        assert zlib.decompress(read(spilled.gzip), wbits=31) == body
        assert brotli.decompress(read(spilled.br)) == body
        # Made once: later requests are answered from the same files.
        made = small.made
        for _ in range(3):
            assert await small.bundle("es") is spilled
        assert small.made == made
        # In the database's folder, with no name: nothing to leave behind.
        for part in (spilled.body, spilled.gzip, spilled.br):
            link = os.readlink(f"/proc/self/fd/{part.fd}")
            assert link.startswith(str(db_path.parent)) and link.endswith("(deleted)")
        assert set(db_path.parent.iterdir()) == before
        assert small.cached_bytes == 0  # nothing of it in memory

    run_on_own_loop(look, roomy, small)


def test_a_publish_drops_the_bundle_whose_files_close_when_the_last_holder_lets_go(
    db_path: Path,
) -> None:
    reader = Reader(db_path, max_bytes=BUDGETS[0])

    async def look() -> None:
        old = await reader.bundle("es")
        assert isinstance(old, Spilled)
        old_body = read(old.body)
        fd = old.body.fd
        publish_a_change(db_path)
        new = await reader.bundle("es")
        assert isinstance(new, Spilled) and new is not old
        assert read(new.body) == bundle_body(reader.db, "es") != old_body
        assert new.etag != old.etag
        # A response still reading the old bundle holds it: its bytes are all there.
        assert read(old.body) == old_body
        del old
        gc.collect()
        with pytest.raises(OSError):  # closed (nothing opened a file since)
            os.fstat(fd)

    run_on_own_loop(look, reader)


@pytest.mark.parametrize("budget", [64_000_000, BUDGETS[0]])
def test_a_commit_that_leaves_the_cursor_keeps_the_bundle(db_path: Path, budget: int) -> None:
    reader = Reader(db_path, max_bytes=budget)

    async def look() -> None:
        first = await reader.bundle("es")
        cursor, made = current_cursor(reader.db), reader.made
        generation = reader.generation()
        commit_without_content(db_path)
        assert reader.generation() != generation
        assert current_cursor(reader.db) == cursor
        assert await reader.bundle("es") is first
        assert reader.made == made

    run_on_own_loop(look, reader)


def test_a_bundle_made_across_a_commit_without_content_is_kept(db_path: Path) -> None:
    reader = Reader(db_path, max_bytes=BUDGETS[0])
    busy = threading.Event()

    async def look() -> None:
        reader.generation()
        reader._splicer.submit(busy.wait)  # the splicing thread is busy with an earlier one
        first = asyncio.create_task(reader.bundle("es"))
        await asyncio.sleep(0.05)
        commit_without_content(db_path)
        reader.generation()  # the commit is seen while the bundle waits to be made
        second = asyncio.create_task(reader.bundle("es"))
        await asyncio.sleep(0.05)
        busy.set()
        made = await first
        assert await second is made  # the same making: the cursor did not move
        assert await reader.bundle("es") is made  # and kept
        assert reader.made == 1

    run_on_own_loop(look, reader)


def test_a_search_does_not_wait_for_a_bundle_being_made(db_path: Path) -> None:
    reader = Reader(db_path, max_bytes=BUDGETS[0])
    busy = threading.Event()

    async def look() -> None:
        reader._splicer.submit(busy.wait)  # a bundle is being made, for as long as it takes
        bundle = asyncio.create_task(reader.bundle("es"))
        found = await asyncio.wait_for(reader.search("stem", "en", 5), timeout=30)
        assert b'"slug"' in found.body
        assert not bundle.done()
        busy.set()
        assert isinstance(await bundle, Spilled)

    try:
        run_on_own_loop(look, reader)
    finally:
        busy.set()
