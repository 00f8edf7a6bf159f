"""The changes since a cursor, larger than the reader's memory budget, are kept on disk as
a bundle is (api.store.spilled): spliced in pieces byte for byte as `changes_since` writes
them, made once per cursor of the sync ledger, moved by a publish, and bounded on disk."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import brotli
import msgspec
import pytest

from api.core.errors import InvalidParameter
from api.core.sync import Changes
from api.store.documents import Document, strong_etag
from api.store.reader import Reader
from api.store.schema import open_database
from api.store.spilled import Spilled
from api.store.sync import changes_parts, changes_since, current_cursor
from tests.loops import run_on_own_loop
from tests.store.test_spilled import BUDGETS, commit_without_content, publish_a_change, read


class _Framing(msgspec.Struct, kw_only=True):
    """The wire fields of api.core.sync.Changes with every item left as its bytes."""

    locale: str
    since: int
    cursor: int
    locales: msgspec.Raw  # null when the metadata did not change
    articles: list[msgspec.Raw]
    treatments: list[msgspec.Raw]
    removed: list[msgspec.Raw]
    patches: list[msgspec.Raw] | msgspec.UnsetType = msgspec.UNSET


def test_the_pieces_are_the_changes_msgspec_writes_from_every_cursor(db_path: Path) -> None:
    publish_a_change(db_path)  # a patch to send from the cursor before it
    db = open_database(db_path)
    try:
        cursor = current_cursor(db)
        assert cursor > 1
        seen_patch = False
        for since in range(cursor + 1):
            for patches in (False, True):
                parts = list(changes_parts(db, since, "es", patches=patches))
                body = b"".join(parts)
                assert body == changes_since(db, since, "es", patches=patches)
                # Framed exactly as msgspec encodes the wire struct (field order, nulls,
                # `patches` only when asked for), and a valid Changes.
                framing = msgspec.json.decode(body, type=_Framing)
                assert msgspec.json.encode(framing) == body
                assert (framing.patches is msgspec.UNSET) is not patches
                changes = msgspec.json.decode(body, type=Changes)
                assert (changes.since, changes.cursor, changes.locale) == (since, cursor, "es")
                seen_patch |= bool(changes.patches)
        assert seen_patch
        with pytest.raises(InvalidParameter):
            changes_parts(db, cursor + 1, "es")
    finally:
        db.conn.close()


@pytest.mark.parametrize("patches", [False, True])
@pytest.mark.parametrize("budget", BUDGETS)
def test_changes_since_0_beyond_the_budget_are_kept_on_disk_with_the_bytes_memory_holds(
    db_path: Path, budget: int, patches: bool
) -> None:
    roomy, small = Reader(db_path), Reader(db_path, max_bytes=budget)
    before = set(db_path.parent.iterdir())

    async def look() -> None:
        held = await roomy.changes(0, "es", patches)
        assert isinstance(held, Document)  # within the default budget: in memory
        spilled = await small.changes(0, "es", patches)
        assert isinstance(spilled, Spilled)
        body = read(spilled.body)
        assert body == held.body == changes_since(small.db, 0, "es", patches=patches)
        assert spilled.etag == held.etag == strong_etag(body)
        assert spilled.gzip is not None and spilled.br is not None
        assert zlib.decompress(read(spilled.gzip), wbits=31) == body
        assert brotli.decompress(read(spilled.br)) == body
        # Brotli's very bytes (the window follows the size, as in memory): a cache
        # holding the answer from memory and one from disk agree on its length.
        assert read(spilled.br) == held.br
        made = small.made
        for _ in range(3):  # made once per cursor
            assert await small.changes(0, "es", patches) is spilled
        commit_without_content(db_path)  # a commit that leaves the cursor keeps it
        assert await small.changes(0, "es", patches) is spilled
        assert small.made == made
        assert small.cached_bytes == 0 and small.disk_bytes > len(body)
        assert set(db_path.parent.iterdir()) == before  # no named file left behind

    run_on_own_loop(look, roomy, small)


def test_a_publish_moves_the_changes_kept_on_disk(db_path: Path) -> None:
    reader = Reader(db_path, max_bytes=BUDGETS[0])

    async def look() -> None:
        old = await reader.changes(0, "es")
        assert isinstance(old, Spilled)
        old_body, made = read(old.body), reader.made
        publish_a_change(db_path)
        new = await reader.changes(0, "es")
        assert isinstance(new, Spilled) and new is not old
        assert reader.made == made + 1
        assert read(new.body) == changes_since(reader.db, 0, "es") != old_body
        assert new.etag != old.etag
        assert read(old.body) == old_body  # still whole for a response reading it

    run_on_own_loop(look, reader)


def test_change_answers_on_disk_are_bounded_least_recently_used_first(db_path: Path) -> None:
    publish_a_change(db_path)
    probe = Reader(db_path, max_bytes=0)
    reader: Reader | None = None

    async def sizes() -> int:
        one = await probe.changes(0, "es")
        assert isinstance(one, Spilled)
        return probe.disk_bytes

    async def look() -> None:
        assert reader is not None
        first = await reader.changes(0, "es")
        second = await reader.changes(0, "es", True)
        assert isinstance(first, Spilled) and isinstance(second, Spilled)
        assert await reader.changes(0, "es") is first  # now the most recently used
        made = reader.made
        third = await reader.changes(1, "es")  # the bound holds two: `second` goes
        assert isinstance(third, Spilled)
        assert reader.disk_bytes <= reader.max_disk_bytes
        assert await reader.changes(0, "es") is first
        assert await reader.changes(1, "es") is third
        assert reader.made == made + 1
        assert await reader.changes(0, "es", True) is not second  # made again
        assert reader.made == made + 2
        # The bundle is not counted, nor dropped by change answers.
        bundle = await reader.bundle("es")
        assert isinstance(bundle, Spilled)
        await reader.changes(1, "es", True)
        assert await reader.bundle("es") is bundle

    cost: list[int] = []

    async def measure() -> None:
        cost.append(await sizes())

    run_on_own_loop(measure, probe)
    # Room for two answers since 0 (the one since 1 is no larger), not three.
    reader = Reader(db_path, max_bytes=0, max_disk_bytes=2 * cost[0] + cost[0] // 2)
    run_on_own_loop(look, reader)


def test_an_answer_larger_than_the_disk_bound_is_served_not_kept(db_path: Path) -> None:
    reader = Reader(db_path, max_bytes=0, max_disk_bytes=1000)

    async def look() -> None:
        one = await reader.changes(0, "es")
        assert isinstance(one, Spilled)
        assert read(one.body) == changes_since(reader.db, 0, "es")
        assert reader.disk_bytes == 0
        assert await reader.changes(0, "es") is not one  # made again

    run_on_own_loop(look, reader)


def test_no_file_is_left_open_once_nothing_holds_an_answer(db_path: Path) -> None:
    reader = Reader(db_path, max_bytes=0)
    fds: list[int] = []

    async def look() -> None:
        one = await reader.changes(0, "es")
        assert isinstance(one, Spilled)
        fds.append(one.body.fd)

    run_on_own_loop(look, reader)  # closing the reader drops what it kept
    with pytest.raises(OSError):
        os.fstat(fds[0])
