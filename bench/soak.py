"""`make soak`: a bounded load run against `vetted serve` while articles are published.

wrk (bench/soak.lua) mixes article reads in four locales, revalidations of the latest and
of a pinned version, and searches when that route exists; meanwhile an editor and a
reviewer publish a new version every few seconds through the management API, and the
server's resident memory (granian's main process and workers) is sampled every second;
its growth is counted from the first publish, once the load has warmed the server up.
SOAK_SECONDS (default 60) and SOAK_PUBLISH_EVERY (seconds, default 5) set the pace.
Results go under `soak` in `bench/results.json`."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec

from bench.corpus import SOURCE_SLUG
from bench.editor import Editorial
from bench.memory import rss_mb
from bench.run import RESULTS
from bench.servers import ROOT, Server, free_port, running, stop, vetted_command, workers
from bench.wrk import WrkResult, WrkSettings, parse_wrk

__all__ = ["RSS_GROWTH_BOUND_MB", "SoakResult", "main"]

RSS_GROWTH_BOUND_MB = 50.0
SCRIPT = Path(__file__).with_name("soak.lua")
LOCALES = ("en", "es", "fr", "ar")


class SoakResult(msgspec.Struct, frozen=True, kw_only=True):
    """What the soak run saw, and whether it held."""

    date: str
    seconds: int
    server_workers: int
    requests: int
    requests_per_s: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int
    publishes: int
    publish_errors: list[str]
    rss_load_start_mb: float
    rss_start_mb: float
    rss_end_mb: float
    rss_max_mb: float
    rss_growth_mb: float
    rss_growth_bound_mb: float
    rss_samples_mb: list[float]
    mix: list[str]
    passed: bool


def request_mix(base: str) -> list[str]:
    """The soak's requests (path, or path|ETag for a revalidation) read from the server."""
    article = f"/v1/articles/{SOURCE_SLUG}"
    mix = [f"{article}?locale={locale}" for locale in LOCALES]
    for path in (f"{article}?locale=es", f"{article}?locale=fr&version=1"):
        mix.append(f"{path}|{httpx.get(base + path, timeout=10).headers['etag']}")
    for query in ("celulas&locale=es", "cells&locale=en"):
        path = f"/v1/search?q={query}"
        if httpx.get(base + path, timeout=10).status_code != 404:
            mix.append(path)
    return mix


def soak(server: Server, db: Path, seconds: int, publish_every: float) -> SoakResult:
    """Load the server for `seconds` while publishing; sample memory once a second."""
    mix = request_mix(server.url)
    editorial = Editorial(server.url, db, SOURCE_SLUG)
    settings = WrkSettings(seconds=seconds)
    command = ["wrk", f"-t{settings.threads}", f"-c{settings.connections}"]
    command += [f"-d{seconds}s", "--timeout", "5s", "--latency", "-s", str(SCRIPT)]
    command += [server.url, "--", *mix]
    samples: list[float] = []
    warm = 0  # samples taken before the first publish: the server's caches warm up
    errors: list[str] = []
    load = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        started = time.monotonic()
        next_publish = started + publish_every
        while load.poll() is None and time.monotonic() - started < seconds + 30:
            samples.append(round(rss_mb(server.pids()), 1))
            if time.monotonic() >= next_publish:
                warm = warm or len(samples)
                next_publish += publish_every
                try:
                    editorial.publish_revision()
                except (RuntimeError, httpx.HTTPError) as exc:
                    errors.append(str(exc)[:300])
            time.sleep(max(0.0, 1 - (time.monotonic() - started) % 1))
        output, _ = load.communicate(timeout=30)
    finally:
        stop(load)
        editorial.close()
    result: WrkResult = parse_wrk(output)
    # Growth is measured from the last sample before the first publish (load running,
    # caches warm) to the last one.
    start, end = samples[max(warm, 1) - 1], samples[-1]
    growth = round(end - start, 1)
    return SoakResult(
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        seconds=seconds,
        server_workers=workers(),
        requests=result.requests,
        requests_per_s=result.requests_per_s,
        p99_ms=result.p99_ms,
        non_2xx_3xx=result.non_2xx_3xx,
        socket_errors=result.socket_errors,
        publishes=editorial.published - len(errors),
        publish_errors=errors,
        rss_load_start_mb=samples[0],
        rss_start_mb=start,
        rss_end_mb=end,
        rss_max_mb=max(samples),
        rss_growth_mb=growth,
        rss_growth_bound_mb=RSS_GROWTH_BOUND_MB,
        rss_samples_mb=samples,
        mix=mix,
        passed=result.non_2xx_3xx == 0
        and result.socket_errors == 0
        and not errors
        and editorial.published > 0
        and growth <= RSS_GROWTH_BOUND_MB,
    )


def main() -> int:
    """Run the soak, print its verdict and merge it into the results file."""
    seconds = int(os.environ.get("SOAK_SECONDS", 60))
    publish_every = float(os.environ.get("SOAK_PUBLISH_EVERY", 5))
    with tempfile.TemporaryDirectory(prefix="vetted-soak-") as folder:
        db = Path(folder) / "soak.db"
        port = free_port()
        log = Path(folder) / "vetted.log"
        with running(vetted_command(db, port), port, log, ready_path="/readyz") as server:
            result = soak(server, db, seconds, publish_every)
    print(
        f"soak {result.seconds} s, {result.server_workers} workers: {result.requests:,} requests "
        f"({result.requests_per_s:,.0f}/s, p99 {result.p99_ms:.2f} ms), "
        f"non-2xx/3xx {result.non_2xx_3xx}, socket errors {result.socket_errors}, "
        f"publishes {result.publishes} (errors {len(result.publish_errors)}), "
        f"RSS {result.rss_start_mb} -> {result.rss_end_mb} MB "
        f"(growth {result.rss_growth_mb} MB, bound {result.rss_growth_bound_mb:g} MB): "
        f"{'PASS' if result.passed else 'MISS'}"
    )
    for error in result.publish_errors:
        print(f"publish error: {error}")
    results: dict[str, Any] = msgspec.json.decode(RESULTS.read_bytes()) if RESULTS.exists() else {}
    results["soak"] = msgspec.to_builtins(result)
    RESULTS.write_bytes(msgspec.json.format(msgspec.json.encode(results)) + b"\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
