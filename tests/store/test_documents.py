"""Rendered bytes are stored once per content: keys point at blobs, identical bytes share
one blob and one compression, and bytes no key holds any more are deleted."""

from __future__ import annotations

import gzip
import random
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import brotli
import pytest
import sqlite_utils
from msgspec.structs import replace

from api.core.model import Paragraph
from api.sources import catalog_path, read_content
from api.store.catalogs import approve_catalog, pending_review
from api.store.documents import (
    BROTLI_MIN_BYTES,
    COMPRESS_MIN_BYTES,
    DocumentWriter,
    compressed,
    get_document,
    put_bytes,
    strong_etag,
)
from api.store.importer import import_content
from api.store.schema import open_database, transaction
from api.store.versions import latest_version, load_article
from tests.conftest import EDITOR, REVIEWER, SLUG
from tests.editing import publish_change, roll_back

BIG = b'{"text":"' + b"x" * BROTLI_MIN_BYTES + b'"}'


@contextmanager
def compressions() -> Iterator[list[int]]:
    """Counts gzip compressions of a body (every compressed blob has a gzip form), the
    expensive part of storing a document (in this thread and the writer's threads)."""
    calls: list[int] = []

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        code = frame.f_code
        if event == "call" and code.co_name == "_gzip" and "documents" in code.co_filename:
            calls.append(1)

    sys.setprofile(profile)
    threading.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]


def _keys(db: sqlite_utils.Database) -> dict[str, str]:
    return dict(db.execute("SELECT key, etag FROM documents").fetchall())


def _blobs(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.execute("SELECT etag, rowid FROM blobs").fetchall())


def _assert_no_orphans(db: sqlite_utils.Database) -> None:
    assert set(_blobs(db)) == set(_keys(db).values())
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_identical_bytes_under_two_keys_are_stored_and_compressed_once(tmp_path: Path) -> None:
    db = open_database(tmp_path / "v.db")
    with transaction(db), compressions() as calls:
        assert put_bytes(db, "a", BIG) and put_bytes(db, "b", BIG)
        assert not put_bytes(db, "a", BIG)  # already there: nothing written
    assert len(calls) == 1
    assert _keys(db) == {"a": strong_etag(BIG), "b": strong_etag(BIG)}
    assert len(_blobs(db)) == 1
    first, second = get_document(db, "a"), get_document(db, "b")
    assert first == second and first is not None and first.br is not None
    assert first.body == BIG


@pytest.mark.parametrize("threads", [0, 2])
def test_each_body_gets_the_forms_its_size_gains_from(tmp_path: Path, threads: int) -> None:
    db = open_database(tmp_path / "v.db")
    sizes = {
        "tiny": COMPRESS_MIN_BYTES - 1,
        "small": COMPRESS_MIN_BYTES,
        "medium": BROTLI_MIN_BYTES - 1,
        "large": BROTLI_MIN_BYTES,
    }
    bodies = {key: b'"' + b"a" * (size - 2) + b'"' for key, size in sizes.items()}
    with transaction(db), DocumentWriter(db, threads=threads) as out:
        out.put_all_bytes(list(bodies.items()))
    for key, body in bodies.items():
        document = get_document(db, key)
        assert document is not None and len(document.body) == sizes[key]
        # The same rule for responses compressed when asked for (search, changes).
        assert compressed(body) == document
        big, bigger = sizes[key] >= COMPRESS_MIN_BYTES, sizes[key] >= BROTLI_MIN_BYTES
        assert (document.gzip is not None, document.br is not None) == (big, bigger), key
        assert document.gzip is None or gzip.decompress(document.gzip) == body
        assert document.br is None or brotli.decompress(document.br) == body


@pytest.mark.parametrize("threads", [0, 2])
def test_a_coding_is_stored_only_when_smaller_than_what_it_replaces(
    tmp_path: Path, threads: int
) -> None:
    # Noise no coding makes smaller; JSON text that gzip halves and brotli makes smaller
    # still: each form is kept only when smaller than what a client that cannot take it
    # gets instead (the bytes, or the gzip form).
    noise = random.Random(27).randbytes(2 * BROTLI_MIN_BYTES)
    text = b'{"text":"' + b" ".join(b"word%d" % (n % 97) for n in range(3000)) + b'"}'
    db = open_database(tmp_path / "v.db")
    with transaction(db), DocumentWriter(db, threads=threads) as out:
        out.put_all_bytes([("noise", noise), ("text", text)])
    stored_noise, stored_text = get_document(db, "noise"), get_document(db, "text")
    assert stored_noise == compressed(noise) and stored_text == compressed(text)
    assert stored_noise is not None and (stored_noise.gzip, stored_noise.br) == (None, None)
    assert stored_text is not None and stored_text.gzip is not None and stored_text.br is not None
    assert len(stored_text.br) < len(stored_text.gzip) < len(text)
    assert gzip.decompress(stored_text.gzip) == brotli.decompress(stored_text.br) == text


def test_a_blob_goes_with_the_last_key_that_holds_it(tmp_path: Path) -> None:
    db = open_database(tmp_path / "v.db")
    other = BIG.replace(b"x", b"y")
    with transaction(db):
        put_bytes(db, "a", BIG)
        put_bytes(db, "b", BIG)
        put_bytes(db, "a", other)
    # "b" still holds the old bytes: they stay.
    assert set(_blobs(db)) == {strong_etag(BIG), strong_etag(other)}
    with transaction(db):
        put_bytes(db, "b", other)
    assert set(_blobs(db)) == {strong_etag(other)}
    _assert_no_orphans(db)


def test_publishes_and_rollbacks_leave_no_bytes_behind(db_path: Path) -> None:
    db = open_database(db_path)
    _assert_no_orphans(db)
    blobs = len(_blobs(db))
    article = load_article(db, SLUG, 1)
    for n in range(3):
        publish_change(db, replace(article, title=f"{article.title} ({n})"))
    roll_back(db, SLUG, 1)
    # Every publish replaces the lists, the locale metadata and the four bundles; what they
    # held before is gone, so the store grows by the new versions' own documents only.
    _assert_no_orphans(db)
    head = latest_version(db, SLUG)
    assert head is not None and head.number == 5
    per_version = sum(1 for key in _keys(db) if key.startswith(f"article/{SLUG}/1/")) + sum(
        1 for key in _keys(db) if key.startswith(f"section/{SLUG}/1/")
    )
    assert len(_blobs(db)) == blobs + 4 * per_version


def test_a_catalog_approval_stores_and_compresses_only_what_it_changes(tree: Path) -> None:
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    po = catalog_path(tree / "locales", "es", SLUG)
    po.write_text(po.read_text().replace("Las células madre", "Las celulas madre", 1))
    import_content(db, read_content(tree / "content", tree / "locales"), author=EDITOR)
    # A second version, so the approval renders two versions of the article again.
    article = load_article(db, SLUG, 1)
    section = article.sections[0]
    first = section.blocks[0]
    assert isinstance(first, Paragraph)
    changed = replace(first, text=first.text.replace("a revolutionary", "an"))
    blocks = (changed, *section.blocks[1:])
    publish_change(
        db, replace(article, sections=(replace(section, blocks=blocks), *article.sections[1:]))
    )
    keys, blobs = _keys(db), _blobs(db)

    with compressions() as calls:
        approve_catalog(db, replace(REVIEWER, locales=("es",)), "es", pending_review(db, "es").etag)

    after = _keys(db)
    moved = {key for key in after if keys.get(key) != after[key]}
    # Both versions are rendered again; only Spanish documents (and what lists them) change.
    assert any(key.startswith(f"section/{SLUG}/1/es/") for key in moved)
    assert any(key.startswith(f"section/{SLUG}/2/es/") for key in moved)
    assert not any("/en/" in key or "/fr/" in key or "/ar/" in key for key in moved)
    new = {after[key] for key in moved} - set(blobs)
    # Only bodies from COMPRESS_MIN_BYTES get a compressed form (a small list may not).
    sizes = dict(db.execute("SELECT etag, length(body) FROM blobs").fetchall())
    assert len(calls) == sum(1 for etag in new if sizes[etag] >= COMPRESS_MIN_BYTES)
    # Every unchanged document still points at the very row it did: nothing rewritten.
    kept = _blobs(db)
    assert all(kept[etag] == blobs[etag] for key, etag in after.items() if key not in moved)
    _assert_no_orphans(db)


SLOW = b'{"text":"' + random.Random(7).randbytes(200_000).hex().encode() + b'"}'


def _big(n: int) -> bytes:
    return BIG.replace(b"x", str(n % 10).encode()) + b" " * n


@pytest.mark.parametrize("together", [False, True], ids=["one by one", "put_all"])
@pytest.mark.parametrize(("window", "batch"), [(1, 1), (256, 3), (256, 64)])
def test_a_writer_stores_what_one_put_at_a_time_stores(
    tmp_path: Path, window: int, batch: int, together: bool
) -> None:
    """The writer compresses on threads and writes later, in batches; the result must be
    the same as storing each document in turn, including bytes a key gives up in one batch
    while another key, still pending, takes them in a later one."""
    one, many = open_database(tmp_path / "one.db"), open_database(tmp_path / "many.db")
    steps = [
        [("a", BIG), ("b", _big(1))],
        # "a" gives up BIG; "c" takes it (stored: not compressed) behind "d", which takes
        # a while to compress, so "a" is written in a batch before "c" is.
        [("a", b"{}"), ("d", SLOW), ("c", BIG), ("b", _big(1)), ("e", _big(2))],
        # A key pending twice in one pass, and bytes only a pending document holds.
        [("c", _big(3)), ("c", _big(4)), ("f", _big(3)), ("a", BIG)],
    ]
    for step in steps:
        with transaction(one):
            expected = [put_bytes(one, key, body) for key, body in step]
        writer = DocumentWriter(many, window=window, batch=batch)
        with transaction(many), compressions() as calls, writer as out:
            if together:
                assert out.put_all_bytes(step) == sum(expected)
            else:
                assert [out.put_bytes(key, body) for key, body in step] == expected
        assert len(calls) <= len(set(_keys(many).values()))
        assert _keys(many) == _keys(one)
        for key in _keys(one):
            assert get_document(many, key) == get_document(one, key)
        _assert_no_orphans(many)


def test_a_writer_that_fails_stores_nothing(tmp_path: Path) -> None:
    db = open_database(tmp_path / "v.db")
    with pytest.raises(RuntimeError), transaction(db), DocumentWriter(db) as out:
        out.put_bytes("a", _big(5))
        raise RuntimeError("rendering failed")
    assert _keys(db) == {} and _blobs(db) == {}
