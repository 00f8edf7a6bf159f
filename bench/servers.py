"""The servers under test as child processes: started on 127.0.0.1, waited for, always
stopped (with every process they forked) when their block ends, even on error or Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "ROOT",
    "Server",
    "free_port",
    "granian_command",
    "running",
    "stop",
    "uvicorn_command",
    "vetted_command",
    "workers",
]

ROOT = Path(__file__).resolve().parent.parent


def workers() -> int:
    """One worker per core, as `vetted serve` chooses by default."""
    return os.cpu_count() or 1


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """A started server: its base URL and its process (the leader of its own group)."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    def pids(self) -> list[int]:
        """The process and every process in its group (granian's or nginx's workers)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # The command name may hold spaces; the fields after its ")" do not.
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:
                found.append(int(stat.parent.name))
        return sorted(found)


def vetted_command(
    db: Path, port: int, *, content: Path | None = None, worker_count: int | None = None
) -> list[str]:
    """`vetted serve` as production runs it (granian, by default one worker per core)."""
    command = [sys.executable, "-m", "api.cli", "serve", "--db", str(db), "--port", str(port)]
    if worker_count is not None:
        command += ["--workers", str(worker_count)]
    if content is not None:
        command += ["--content", str(content / "content"), "--locales", str(content / "locales")]
    return command


def granian_command(factory: str, port: int) -> list[str]:
    """Granian with the settings `vetted serve` uses, for another app factory."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers()),
        "--log-level",
        "warning",
        factory,
    ]


def uvicorn_command(factory: str, port: int) -> list[str]:
    """Uvicorn on plain asyncio and h11 (no uvloop, no httptools), one worker per core."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers()),
        "--loop",
        "asyncio",
        "--http",
        "h11",
        "--no-access-log",
        "--log-level",
        "warning",
        factory,
    ]


@contextmanager
def running(
    command: Sequence[str],
    port: int,
    log: Path,
    *,
    ready_path: str = "/",
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> Iterator[Server]:
    """Run `command` until the block ends; ready once `ready_path` answers at all."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log)
    try:
        _wait_ready(server, ready_path, timeout)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM the process group, SIGKILL it if it lingers."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
    # Workers left behind by a leader that died first are still in its group.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _wait_ready(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(server.url + path, timeout=2)
            return
        except httpx.TransportError:
            pass
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"server not ready in {timeout}s:\n{server.log.read_text()[-2000:]}")
        time.sleep(0.2)
