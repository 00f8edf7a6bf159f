"""A bundle larger than the response memory budget is served from disk: by the real
server with exactly the headers, codings, validators and bytes of one served from memory;
a response streaming it outlives the publish that replaces it; searches answer while it
streams."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import brotli
import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from litestar.types import Message

from api.config import Settings
from api.sources import ContentReader
from api.store.documents import strong_etag
from api.store.importer import import_content
from api.store.reader import Reader
from api.store.schema import open_database
from api.store.spilled import Spilled
from api.store.sync import bundle_body
from api.web.app import create_app
from bench.corpus import write_corpus
from bench.servers import free_port
from tests.conftest import ROOT
from tests.loops import run_on_own_loop
from tests.store.test_spilled import publish_a_change
from tests.test_server import served

_PER_REQUEST = {"date", "x-request-id", "server"}
_CODINGS = ("identity", "gzip", "br")


def _headers(response: httpx.Response, own: set[str] | None = None) -> dict[str, str]:
    left_out = _PER_REQUEST | (own or set())
    return {k: v for k, v in response.headers.items() if k not in left_out}


@pytest.mark.process
def test_a_bundle_served_from_disk_is_the_bundle_served_from_memory(
    tree: Path, db_path: Path
) -> None:
    db = open_database(db_path)
    body = bundle_body(db, "es")
    db.conn.close()
    assert body is not None
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # In memory: the app in this process with the default budget. On disk: the real
    # server with no memory budget at all, so every spliced answer is kept on disk.
    with (
        TestClient(create_app(db_path)) as memory,
        served(tree, db_path, port, {"VETTED_RESPONSE_CACHE_MB": "0"}),
    ):
        for coding in _CODINGS:
            ask = {"Accept-Encoding": coding}
            kept = memory.get("/v1/bundles/es", headers=ask)
            for _ in range(2):  # made, then served again from the same files
                disk = httpx.get(base + "/v1/bundles/es", headers=ask)
                assert disk.status_code == 200
                # The compressed forms decode to the same bytes; their own may differ.
                own = {"content-length"} if coding != "identity" else set()
                assert _headers(disk, own) == _headers(kept, own)
                assert disk.content == body  # httpx decodes gzip and br
        plain = httpx.get(base + "/v1/bundles/es", headers={"Accept-Encoding": "identity"})
        assert plain.headers["etag"] == strong_etag(body)
        assert "content-encoding" not in plain.headers
        assert plain.headers["content-length"] == str(len(body))
        for coding, decode in (
            ("gzip", lambda b: zlib.decompress(b, wbits=31)),
            ("br", brotli.decompress),
        ):
            with httpx.stream(
                "GET", base + "/v1/bundles/es", headers={"Accept-Encoding": coding}
            ) as raw:
                wire = b"".join(raw.iter_raw())
                assert raw.headers["content-encoding"] == coding
                assert raw.headers["content-length"] == str(len(wire))
                assert raw.headers["etag"] == strong_etag(body)[:-1] + f'-{coding}"'
                assert decode(wire) == body
        for tag in (plain.headers["etag"], strong_etag(body)[:-1] + '-gzip"'):
            again = httpx.get(base + "/v1/bundles/es", headers={"If-None-Match": tag})
            assert again.status_code == 304 and again.content == b""
            assert (
                again.headers["etag"]
                == memory.get("/v1/bundles/es", headers={"If-None-Match": tag}).headers["etag"]
            )
        head = httpx.head(base + "/v1/bundles/es", headers={"Accept-Encoding": "identity"})
        assert head.status_code == 200 and head.content == b""
        assert _headers(head) == _headers(plain)
        # The other answers spliced whole are served from disk alike.
        for path in ("/v1/articles?locale=es", "/v1/sitemap"):
            assert httpx.get(base + path).content == memory.get(path).content


class _Exchange:
    """One request to the app as an ASGI server makes it, whose client takes the body
    only when told to: the response waits in `send` meanwhile."""

    def __init__(self, app: Litestar, path: str, *, hold: bool = False) -> None:
        self.app, self.path = app, path
        self.status = 0
        self.body = bytearray()
        self.pieces = 0
        self.started = asyncio.Event()
        self.go_on = asyncio.Event()
        if not hold:
            self.go_on.set()

    async def _receive(self) -> Message:
        await asyncio.Event().wait()  # the client neither sends a body nor goes away
        raise AssertionError

    async def _send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.started.set()
            await self.go_on.wait()
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
            self.pieces += 1

    async def __call__(self) -> bytes:
        scope: Any = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": self.path.partition("?")[0],
            "raw_path": self.path.partition("?")[0].encode(),
            "query_string": self.path.partition("?")[2].encode(),
            "root_path": "",
            "headers": [(b"host", b"test"), (b"accept-encoding", b"identity")],
            "client": ("127.0.0.1", 40000),
            "server": ("test", 80),
            "state": {},
        }
        await self.app(scope, self._receive, self._send)
        return bytes(self.body)


@asynccontextmanager
async def _running(app: Litestar) -> AsyncIterator[None]:
    """The app's lifespan, as an ASGI server runs it."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope: Any = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
        await task


def test_a_response_streaming_a_bundle_outlives_the_publish_that_replaces_it(
    db_path: Path,
) -> None:
    app = create_app(db_path, Settings(db=str(db_path), response_cache_mb=0))
    db = open_database(db_path)
    old = bundle_body(db, "es")

    async def look() -> None:
        async with _running(app):
            assert await _Exchange(app, "/v1/bundles/es")() == old  # made, kept on disk
            streaming = _Exchange(app, "/v1/bundles/es", hold=True)
            old_response = asyncio.create_task(streaming())
            await streaming.started.wait()  # its headers are out; no byte read yet
            # Searches answer meanwhile: nothing waits for the bundle's client.
            search = _Exchange(app, "/v1/search?q=stem&locale=en")
            assert b'"slug"' in await asyncio.wait_for(search(), timeout=30)
            publish_a_change(db_path)
            new = await _Exchange(app, "/v1/bundles/es")()  # the old one is dropped
            assert new == bundle_body(db, "es") != old
            streaming.go_on.set()
            assert await old_response == old  # read from the dropped files, intact
            assert streaming.status == 200

    run_on_own_loop(look)
    db.conn.close()


@pytest.mark.slow
def test_a_bundle_of_several_megabytes_is_sent_whole_in_pieces_from_memory_and_disk(
    tmp_path: Path,
) -> None:
    tree = write_corpus(ROOT, tmp_path / "tree", 40)  # a bundle of ~1.8 MB a locale
    db_path = tree / "v.db"
    db = open_database(db_path)
    import_content(db, ContentReader(tree / "content", tree / "locales"))
    body = bundle_body(db, "es")
    db.conn.close()
    assert body is not None and len(body) > 1_500_000
    apps = [
        create_app(db_path),  # in memory
        create_app(db_path, Settings(db=str(db_path), response_cache_mb=1)),  # on disk
    ]

    async def look() -> None:
        for app in apps:
            async with _running(app):
                exchange = _Exchange(app, "/v1/bundles/es")
                assert await exchange() == body
                assert exchange.status == 200 and exchange.pieces > 1
                assert await _Exchange(app, "/v1/bundles/es")() == body
                reader: Reader = app.state.reader
                assert reader.made == 1
                kept = await reader.bundle("es")
                assert isinstance(kept, Spilled) == (app is apps[1])

    run_on_own_loop(look)
