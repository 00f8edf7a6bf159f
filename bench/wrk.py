"""Running wrk against a local URL and reading its report into numbers."""

from __future__ import annotations

import re
import statistics
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import msgspec

__all__ = ["WrkResult", "WrkSettings", "median_result", "parse_wrk", "run_wrk"]

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", re.M)
_BAD_STATUS = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", re.M)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.M)


class WrkSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The load every row gets: the same threads, connections and duration."""

    threads: int = 2
    connections: int = 50
    seconds: int = 10


class WrkResult(msgspec.Struct, frozen=True, kw_only=True):
    """One wrk run: throughput, latency percentiles (ms) and failures."""

    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(text: str) -> WrkResult:
    """The numbers of a `wrk --latency` report; ValueError if it is not one."""
    rate = _RATE.search(text)
    total = _TOTAL.search(text)
    percentiles = {int(p): _ms(v, u) for p, v, u in _PERCENTILE.findall(text)}
    if rate is None or total is None or set(percentiles) != {50, 75, 90, 99}:
        raise ValueError(f"not a wrk --latency report:\n{text}")
    bad = _BAD_STATUS.search(text)
    socket = _SOCKET.search(text)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=_ms(total.group(2), total.group(3)) / 1000,
        requests_per_s=float(rate.group(1)),
        p50_ms=percentiles[50],
        p75_ms=percentiles[75],
        p90_ms=percentiles[90],
        p99_ms=percentiles[99],
        non_2xx_3xx=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def median_result(results: Sequence[WrkResult]) -> WrkResult:
    """Several runs of the same row as one: the median rate and percentiles (robust to a
    run that a neighbour's burst slowed down), the summed counts."""
    if not results:
        raise ValueError("no runs to combine")

    def median(field: str) -> float:
        values: list[float] = [float(getattr(r, field)) for r in results]
        return round(statistics.median(values), 3)

    return WrkResult(
        requests=sum(r.requests for r in results),
        seconds=round(sum(r.seconds for r in results), 2),
        requests_per_s=median("requests_per_s"),
        p50_ms=median("p50_ms"),
        p75_ms=median("p75_ms"),
        p90_ms=median("p90_ms"),
        p99_ms=median("p99_ms"),
        non_2xx_3xx=sum(r.non_2xx_3xx for r in results),
        socket_errors=sum(r.socket_errors for r in results),
    )


def run_wrk(
    url: str,
    settings: WrkSettings,
    *,
    headers: Mapping[str, str] | None = None,
    script: Path | None = None,
    script_args: Sequence[str] = (),
) -> WrkResult:
    """Load `url` (loopback only) with wrk and return its figures."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"wrk only runs against 127.0.0.1, not {url}")
    command = [
        "wrk",
        f"-t{settings.threads}",
        f"-c{settings.connections}",
        f"-d{settings.seconds}s",
        "--timeout",
        "5s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=settings.seconds + 60, check=True
    )
    return parse_wrk(done.stdout)
