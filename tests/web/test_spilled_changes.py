"""The changes since a cursor, larger than the response memory budget, are served from disk
by the real server with exactly the headers, codings, validators and bytes of the answer
served from memory, with patches and without."""

from __future__ import annotations

import zlib
from pathlib import Path

import brotli
import httpx
import pytest
from litestar.testing import TestClient

from api.store.documents import strong_etag
from api.store.schema import open_database
from api.store.sync import changes_since
from api.web.app import create_app
from bench.servers import free_port
from tests.test_server import served
from tests.web.test_spilled_bundles import _CODINGS, _headers


@pytest.mark.process
def test_changes_served_from_disk_are_the_changes_served_from_memory(
    tree: Path, db_path: Path
) -> None:
    db = open_database(db_path)
    bodies = {patches: changes_since(db, 0, "es", patches=patches) for patches in (False, True)}
    db.conn.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        TestClient(create_app(db_path)) as memory,
        served(tree, db_path, port, {"VETTED_RESPONSE_CACHE_MB": "0"}),
    ):
        for patches, body in bodies.items():
            path = "/v1/changes?since=0&locale=es" + ("&patches=true" if patches else "")
            for coding in _CODINGS:
                ask = {"Accept-Encoding": coding}
                kept = memory.get(path, headers=ask)
                for _ in range(2):  # made, then served again from the same files
                    disk = httpx.get(base + path, headers=ask)
                    assert disk.status_code == 200
                    own = {"content-length"} if coding != "identity" else set()
                    assert _headers(disk, own) == _headers(kept, own)
                    assert disk.content == body  # httpx decodes gzip and br
            plain = httpx.get(base + path, headers={"Accept-Encoding": "identity"})
            assert plain.headers["etag"] == strong_etag(body)
            assert plain.headers["content-length"] == str(len(body))
            assert "content-encoding" not in plain.headers
            for coding, decode in (
                ("gzip", lambda b: zlib.decompress(b, wbits=31)),
                ("br", brotli.decompress),
            ):
                with httpx.stream("GET", base + path, headers={"Accept-Encoding": coding}) as raw:
                    wire = b"".join(raw.iter_raw())
                    assert raw.headers["content-encoding"] == coding
                    assert raw.headers["content-length"] == str(len(wire))
                    assert raw.headers["etag"] == strong_etag(body)[:-1] + f'-{coding}"'
                    assert decode(wire) == body
            again = httpx.get(base + path, headers={"If-None-Match": plain.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
            head = httpx.head(base + path, headers={"Accept-Encoding": "identity"})
            assert head.status_code == 200 and head.content == b""
            assert _headers(head) == _headers(plain)
        assert bodies[False] != bodies[True]
