"""Timing `vetted import` of the synthetic corpus: wall time, peak resident memory of the
import process and the database size, with a timeout so a slow import cannot hang a run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.report import ImportFigures
from bench.servers import ROOT

__all__ = ["LOCALES", "time_import"]

LOCALES = 4  # en plus the three shipped catalogs


def time_import(corpus: Path, db: Path, articles: int, timeout: float, log: Path) -> ImportFigures:
    """Import `corpus` (content/ and locales/) into `db`; killed after `timeout` seconds."""
    command = [sys.executable, "-m", "api.cli", "import", "--db", str(db)]
    command += ["--content", str(corpus / "content"), "--locales", str(corpus / "locales")]
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        # wait4 gives the resource usage of this child alone: its peak RSS in KiB.
        _, status, usage = os.wait4(process.pid, 0)
    except BaseException:
        kill()
        process.wait()
        raise
    finally:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    completed = process.returncode == 0 and not timed_out.is_set()
    if timed_out.is_set():
        note = f"stopped after the {timeout:g} s timeout"
    elif not completed:
        lines = log.read_text().strip().splitlines()
        errors = [line for line in lines if line.startswith("error:")]
        note = f"failed ({process.returncode}): " + "; ".join((errors or lines)[-3:])
    else:
        note = ""
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())
    return ImportFigures(
        articles=articles,
        locales=LOCALES,
        seconds=round(seconds, 2),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
        db_mb=round(size / 1_000_000, 1),
        completed=completed,
        note=note,
    )
