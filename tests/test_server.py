"""The real server process (granian, as `vetted serve` starts it) on a free local port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT, SLUG


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_vetted_serve_seeds_and_serves_an_article(tree: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--db",
            str(tree / "served.db"),
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.2)
        response = httpx.get(f"{base}/v1/articles/{SLUG}", params={"locale": "es"})
        assert response.status_code == 200
        assert response.headers["content-language"] == "es"
        assert response.json()["sections"][0]["blocks"][0]["locale"] == "es"
        again = httpx.get(
            f"{base}/v1/articles/{SLUG}",
            params={"locale": "es"},
            headers={"If-None-Match": response.headers["etag"]},
        )
        assert again.status_code == 304
        missing = httpx.get(f"{base}/v1/articles/nope")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
