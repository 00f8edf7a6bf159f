"""`make bench`: our server, the framework ceiling, nginx static, the nginx cache, uvicorn and
the synthetic corpus, measured side by side in one run on 127.0.0.1.

Settings come from the environment: BENCH_SECONDS (per row, default 10), BENCH_ARTICLES
(synthetic corpus size, default 1000), BENCH_IMPORT_TIMEOUT (seconds, default 420).
Prints Markdown tables and writes `bench/results.json` (keeping its `soak` key)."""

from __future__ import annotations

import datetime
import os
import platform
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import msgspec

from bench.ceiling import CEILING_ENV, record
from bench.corpus import SOURCE_SLUG, copy_slug, write_corpus
from bench.editor import Editorial
from bench.importer import LOCALES, time_import
from bench.nginx import cache_site, nginx_running, static_site
from bench.report import (
    CEILING,
    NGINX_CACHE,
    NGINX_STATIC,
    OURS,
    ImportFigures,
    Row,
    markdown_table,
    targets,
    targets_table,
)
from bench.revalidation import CacheChecks, Freshness, check_cache, wait_for_etag
from bench.servers import (
    ROOT,
    Server,
    free_port,
    granian_command,
    running,
    uvicorn_command,
    vetted_command,
    workers,
)
from bench.wrk import WrkSettings, run_wrk

__all__ = ["RESULTS", "main"]

RESULTS = ROOT / "bench" / "results.json"
MAX_AGE_S = 60  # what the origin sends for latest content


def _path(slug: str) -> str:
    return f"/v1/articles/{slug}?locale=es"


ARTICLE = _path(SOURCE_SLUG)
REQUESTS = {
    "bundle": "/v1/bundles/es",
    "search": "/v1/search?q=celulas&locale=es",
}


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Bench:
    """One run: the settings, the rows measured so far and where files go."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.settings = WrkSettings(seconds=_env("BENCH_SECONDS", 10))
        self.rows: list[Row] = []

    def measure(
        self, server: str, kind: str, label: str, url: str, headers: dict[str, str] | None = None
    ) -> None:
        print(f"  {label} ...", file=sys.stderr, flush=True)
        result = run_wrk(url, self.settings, headers=headers)
        self.rows.append(Row(server=server, kind=kind, label=label, result=result))

    def missing(self, server: str, kind: str, label: str, note: str) -> None:
        print(f"  {label}: {note}", file=sys.stderr, flush=True)
        self.rows.append(Row(server=server, kind=kind, label=label, note=note))

    def measure_routes(self, server: str, prefix: str, base: str, slug: str) -> None:
        """Article (plain), 304 and, where the route exists, bundle and search."""
        path = _path(slug)
        etag = _get(base + path).headers["etag"]
        self.measure(server, "article", f"{prefix}: article es", base + path)
        self.measure(server, "304", f"{prefix}: 304 revalidation", base + path, _inm(etag))
        for kind, route in REQUESTS.items():
            status = _get(base + route).status_code
            if status == 404:
                self.missing(server, kind, f"{prefix}: {kind}", "n/a (route missing)")
            else:
                self.measure(server, kind, f"{prefix}: {kind}", base + route)


def _get(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=10)


def _inm(etag: str) -> dict[str, str]:
    return {"If-None-Match": etag}


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _in_background(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(work()), daemon=True)
    thread.start()
    return thread, out


def speed(bench: Bench) -> tuple[CacheChecks | None, Freshness | None, ImportFigures | None]:
    """Every speed row, the cache checks and the corpus import, in one pass."""
    work = bench.work
    db = work / "real.db"
    port = free_port()
    _say("our server (vetted serve, granian) on the real content")
    with running(vetted_command(db, port), port, work / "vetted.log", ready_path="/readyz") as ours:
        bench.measure_routes(OURS, "ours", ours.url, SOURCE_SLUG)
        plain = _get(ours.url + ARTICLE)
        gzip = {"Accept-Encoding": "gzip"}
        bench.measure(OURS, "article-gzip", "ours: article es, gzip", ours.url + ARTICLE, gzip)
        recorded = record(work / "ceiling.json", plain.content, dict(plain.headers))
        etag = recorded.headers["etag"]

        _say("uvicorn (asyncio, h11) serving the same app and database")
        port = free_port()
        env = {"VETTED_DB": str(db)}
        with running(
            uvicorn_command("api.web.app:create_app_from_env", port), port, work / "uv.log", env=env
        ) as uv:
            bench.measure("uvicorn", "article", "uvicorn: article es", uv.url + ARTICLE)

        _say("framework ceiling (Litestar constant, granian)")
        port = free_port()
        env = {CEILING_ENV: str(work / "ceiling.json")}
        command = granian_command("bench.ceiling:create_app", port)
        with running(command, port, work / "ceiling.log", env=env) as ceiling:
            bench.measure(CEILING, "article", "ceiling: article es", ceiling.url + ARTICLE)
            bench.measure(
                CEILING, "304", "ceiling: 304 revalidation", ceiling.url + ARTICLE, _inm(etag)
            )

        _say("nginx serving the same bytes as a static file")
        static_root = work / "static"
        file = static_root / ARTICLE.split("?")[0].lstrip("/")
        file.parent.mkdir(parents=True)
        file.write_bytes(plain.content)
        port = free_port()
        kept = {k: v for k, v in recorded.headers.items() if k not in ("etag", "content-type")}
        site = static_site(port, static_root, kept)
        with nginx_running(work / "nginx-static", site, port) as static:
            static_etag = _get(static.url + ARTICLE).headers["etag"]
            bench.measure(NGINX_STATIC, "article", "nginx static: article es", static.url + ARTICLE)
            bench.measure(
                NGINX_STATIC,
                "304",
                "nginx static: 304 revalidation",
                static.url + ARTICLE,
                _inm(static_etag),
            )

        _say("nginx cache (deploy/nginx-cache.conf) in front of our server")
        port = free_port()
        site = cache_site(ours.port, port, work / "cache")
        with nginx_running(work / "nginx-cache", site, port) as cache:
            checks = check_cache(cache.url, ARTICLE, etag)
            _say(f"  cache checks: {checks}")
            bench.measure(NGINX_CACHE, "article", "nginx cache: article es", cache.url + ARTICLE)
            bench.measure(
                NGINX_CACHE, "304", "nginx cache: 304 revalidation", cache.url + ARTICLE, _inm(etag)
            )
            freshness, figures = _publish_during_import(bench, ours, cache)
    return checks, freshness, figures


def _publish_during_import(
    bench: Bench, ours: Server, cache: Server
) -> tuple[Freshness | None, ImportFigures | None]:
    """Publish a new version and wait for the cache to serve it, while the corpus imports
    (the wait is mostly sleep, and the import is the longest step)."""
    editorial = Editorial(ours.url, bench.work / "real.db", SOURCE_SLUG)
    try:
        old = _get(cache.url + ARTICLE).headers["etag"]
        editorial.publish_revision()
        new = _get(ours.url + ARTICLE).headers["etag"]
        _say(f"  published a new version; waiting for the cache to serve {new}")
        thread, out = _in_background(
            lambda: wait_for_etag(cache.url, ARTICLE, old, new, MAX_AGE_S + 30)
        )
        figures = corpus_import(bench)
        thread.join()
    finally:
        editorial.close()
    freshness: Freshness | None = out[0] if out else None
    _say(f"  freshness: {freshness}")
    return freshness, figures


def corpus_import(bench: Bench) -> ImportFigures:
    """Write the synthetic corpus and time its import."""
    articles = _env("BENCH_ARTICLES", 1000)
    timeout = _env("BENCH_IMPORT_TIMEOUT", 420)
    corpus = bench.work / "corpus"
    write_corpus(ROOT, corpus, articles)
    _say(f"importing {articles} articles x {LOCALES} locales (timeout {timeout} s)")
    figures = time_import(corpus, bench.work / "corpus.db", articles, timeout, bench.work / "i.log")
    _say(f"  import: {figures}")
    return figures


def corpus_rows(bench: Bench, figures: ImportFigures) -> None:
    """The same requests against the synthetic corpus."""
    label = f"corpus {figures.articles}"
    if not figures.completed:
        bench.missing("corpus", "article", f"{label}: article es", "n/a (import incomplete)")
        return
    port = free_port()
    db = bench.work / "corpus.db"
    command = vetted_command(db, port, content=bench.work / "corpus")
    with running(command, port, bench.work / "corpus.log", ready_path="/readyz") as server:
        slug = copy_slug(figures.articles // 2) if figures.articles > 1 else SOURCE_SLUG
        bench.measure_routes("corpus", label, server.url, slug)


def _stop_on_term(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Run the benchmark, print the tables and write the results."""
    signal.signal(signal.SIGTERM, _stop_on_term)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vetted-bench-") as folder:
        bench = Bench(Path(folder))
        checks, freshness, figures = speed(bench)
        if figures is not None:
            corpus_rows(bench, figures)
    found = targets(bench.rows, figures)
    table = markdown_table(bench.rows)
    goals = targets_table(found)
    print(f"\n{table}\n")
    if figures is not None:
        print(
            f"import {figures.articles} articles x {figures.locales} locales: "
            f"{figures.seconds} s, peak RSS {figures.peak_rss_mb} MB, database "
            f"{figures.db_mb} MB{'' if figures.completed else ' — ' + figures.note}\n"
        )
    print(f"{goals}\n")
    for name, check in (("cache hit and 304", checks), ("cache after publish", freshness)):
        verdict = "n/a" if check is None else ("PASS" if check.passed else "MISS")
        print(f"{name}: {verdict}")
    results = _previous()
    results.update(
        {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
            "wrk": msgspec.to_builtins(bench.settings),
            "server_workers": workers(),
            "rows": msgspec.to_builtins(bench.rows),
            "import": msgspec.to_builtins(figures),
            "cache_checks": msgspec.to_builtins(checks),
            "cache_freshness": msgspec.to_builtins(freshness),
            "targets": msgspec.to_builtins(found),
            "table": table,
            "targets_table": goals,
            "run_seconds": round(time.monotonic() - started),
        }
    )
    RESULTS.write_bytes(msgspec.json.format(msgspec.json.encode(results)) + b"\n")
    print(f"wrote {RESULTS.relative_to(ROOT)} in {results['run_seconds']} s")
    return 0


def _previous() -> dict[str, Any]:
    if RESULTS.exists():
        loaded: dict[str, Any] = msgspec.json.decode(RESULTS.read_bytes())
        return loaded
    return {}


if __name__ == "__main__":
    sys.exit(main())
