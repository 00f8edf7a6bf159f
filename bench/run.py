"""`make bench`: our server, the Python limit (a bare ASGI callable), the framework ceiling,
nginx static, the nginx cache, uvicorn and the synthetic corpus, measured side by side in
one run on 127.0.0.1.

All servers run at once and the rows are measured in rounds, round-robin, each row keeping
its median run. Settings come from the environment: BENCH_SECONDS (one wrk run, default 4),
BENCH_ROUNDS (default 3), BENCH_ARTICLES (synthetic corpus size, default 1000),
BENCH_LARGE_ARTICLES (a second corpus on which publishing and approving are timed too,
default 10000; 0 skips it), BENCH_IMPORT_TIMEOUT (seconds, default 420) and
BENCH_LARGE_IMPORT_TIMEOUT (the larger corpus's, default 1800).
Prints Markdown tables and writes `bench/results.json` (keeping its `soak` key), and keeps
the run in `bench/history/<date>.json` (without the soak, a run of its own), from which the
documentation's performance page shows every run."""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import msgspec

from bench import scaleout
from bench.ceiling import CEILING_ENV, record
from bench.corpus import SOURCE_SLUG, copy_slug, write_corpus
from bench.deltas import delta_line, measure_delta_sizes
from bench.editor import Editorial
from bench.importer import LOCALES, time_import
from bench.listing import listing_lines, measure_listing
from bench.nginx import HEADERS_MORE, cache_site, export_site, nginx_running, static_site
from bench.report import (
    CEILING,
    CORPUS,
    LARGE_CORPUS,
    NGINX_CACHE,
    NGINX_EXPORT,
    NGINX_STATIC,
    OURS,
    RAW_ASGI,
    RAW_ASGI_BESIDE,
    ImportFigures,
    Row,
    import_line,
    markdown_table,
    targets,
    targets_table,
)
from bench.revalidation import CacheChecks, Freshness, check_cache, wait_for_etag
from bench.scale import ChangeCost, change_line, measure_change_costs
from bench.schedules import beside_lines, beside_ratios, schedule_plans, scheduled_server
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
from bench.webhooks import (
    Latency,
    latency_line,
    measure_latency,
    receiving,
    webhook_plans,
    webhook_server,
)
from bench.wrk import WrkResult, WrkSettings, median_result, run_wrk

__all__ = ["HISTORY", "RESULTS", "article_plans", "history_path", "main", "write_results"]

RESULTS = ROOT / "bench" / "results.json"
HISTORY = ROOT / "bench" / "history"
MAX_AGE_S = 60  # what the origin sends for latest content
PUBLISHES = 10  # publishes timed from commit to the webhook receiver's 200


def _path(slug: str) -> str:
    return f"/v1/articles/{slug}?locale=es"


ARTICLE = _path(SOURCE_SLUG)
REQUESTS = {
    "bundle": "/v1/bundles/es",
    "search": "/v1/search?q=celulas&locale=es",
}


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    """One row to measure: which server, which request."""

    server: str
    kind: str
    label: str
    url: str = ""
    headers: dict[str, str] = {}
    note: str = ""  # why the row cannot be measured (then there is no url)
    connections: int = 0  # wrk's connections for this row (0: the run's)


_SETTLE_S = 2.0
"""Seconds of rest after a row of large answers, before the next row starts."""


def _settle(plan: Plan) -> None:
    """After the bundle rows, rest: wrk stops with fifty 30 MB answers of the corpus in
    flight, and the server goes on writing them for about half a second, which the next
    row's p99 measured (480 ms for the corpus search; 5.6 ms after a pause)."""
    if plan.kind == "bundle":
        time.sleep(_SETTLE_S)


class Bench:
    """One run: the settings, the rows measured so far and where files go."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.settings = WrkSettings(seconds=_env("BENCH_SECONDS", 4))
        self.rounds = _env("BENCH_ROUNDS", 3)
        self.rows: list[Row] = []
        self.latency: Latency | None = None

    def measure(self, plans: list[Plan]) -> None:
        """Warm every row up (one discarded second), then measure them `rounds` times,
        round-robin, so that a burst of load from a neighbour falls on all rows alike;
        each row keeps its median run."""
        live = [plan for plan in plans if not plan.note]
        for plan in live:
            run_wrk(plan.url, _load(WrkSettings(seconds=1), plan), headers=plan.headers)
            _settle(plan)
        runs: dict[str, list[WrkResult]] = {plan.label: [] for plan in live}
        for round_number in range(1, self.rounds + 1):
            _say(f"  round {round_number}/{self.rounds}")
            for plan in live:
                load = _load(self.settings, plan)
                runs[plan.label].append(run_wrk(plan.url, load, headers=plan.headers))
                _settle(plan)
        for plan in plans:
            result = median_result(runs[plan.label]) if not plan.note else None
            row = Row(server=plan.server, kind=plan.kind, label=plan.label, result=result)
            self.rows.append(msgspec.structs.replace(row, note=plan.note))

    def missing(self, server: str, kind: str, label: str, note: str) -> None:
        _say(f"  {label}: {note}")
        self.rows.append(Row(server=server, kind=kind, label=label, note=note))

    def route_plans(
        self, server: str, prefix: str, base: str, slug: str, skip: tuple[str, ...] = ()
    ) -> list[Plan]:
        """Article (plain), 304 and, where the route exists and is not in `skip`, bundle
        and search."""
        path = _path(slug)
        etag = _get(base + path).headers["etag"]
        plans = article_plans(server, prefix, base + path, etag)
        for kind, route in REQUESTS.items():
            if kind in skip:
                continue
            missing = _get(base + route).status_code == 404
            plans.append(
                Plan(
                    server=server,
                    kind=kind,
                    label=f"{prefix}: {kind}",
                    url="" if missing else base + route,
                    note="n/a (route missing)" if missing else "",
                )
            )
        return plans


def _load(settings: WrkSettings, plan: Plan) -> WrkSettings:
    """The run's wrk settings, with the plan's own number of connections if it has one."""
    if not plan.connections:
        return settings
    threads = min(settings.threads, plan.connections)
    return msgspec.structs.replace(settings, connections=plan.connections, threads=threads)


LARGE_BUNDLE_CONNECTIONS = 2
"""Connections of the larger corpus's bundle row: each answer is ~460 MB."""


def large_bundle_plans(bench: Bench, label: str, url: str) -> list[Plan]:
    """The bundle of a large corpus, served from disk (larger than a worker's response
    memory): first one request, timed, that makes it (spliced, hashed and compressed into
    files beside the database, as the first request after a publish does), as a row of
    its own; then a row of requests served from those files by
    `LARGE_BUNDLE_CONNECTIONS` connections, without compression, as the other rows.
    Each worker makes its own copy: between the two, requests on as many connections as
    there are workers until all of them are served from files (or a few rounds)."""
    seconds, size = _download(url)
    first = f"{label}: bundle, first request (made)"
    bench.missing(LARGE_CORPUS, "bundle-first", first, f"{seconds:.1f} s for {size / 1e6:,.0f} MB")
    with ThreadPoolExecutor(max_workers=workers()) as pool:
        for _ in range(_WARM_ROUNDS):
            taken = list(pool.map(lambda _: _download(url)[0], range(workers())))
            if max(taken) < seconds / 2:
                break
    connections = LARGE_BUNDLE_CONNECTIONS
    return [
        Plan(
            server=LARGE_CORPUS,
            kind="bundle",
            label=f"{label}: bundle ({connections} connections)",
            url=url,
            connections=connections,
        )
    ]


def _download(url: str) -> tuple[float, int]:
    """Seconds and bytes of one plain (identity) GET of `url`, its body not kept."""
    started = time.monotonic()
    size = 0
    headers = {"Accept-Encoding": "identity"}
    with httpx.stream("GET", url, headers=headers, timeout=_FIRST_BUNDLE_S) as answer:
        answer.raise_for_status()
        for piece in answer.iter_raw():
            size += len(piece)
    return time.monotonic() - started, size


_FIRST_BUNDLE_S = 600.0
"""Seconds the first request for a large corpus's bundle may take (it is made then)."""
_WARM_ROUNDS = 5


def article_plans(server: str, name: str, url: str, etag: str) -> list[Plan]:
    """The article row and its 304 row (revalidating `etag`) of one server at `url`."""
    return [
        Plan(server=server, kind="article", label=f"{name}: article es", url=url),
        Plan(
            server=server,
            kind="304",
            label=f"{name}: 304 revalidation",
            url=url,
            headers=_inm(etag),
        ),
    ]


def _get(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    # The plain body, as the measured rows (which send no Accept-Encoding) get it.
    return httpx.get(url, headers={"Accept-Encoding": "identity", **(headers or {})}, timeout=10)


def _inm(etag: str) -> dict[str, str]:
    return {"If-None-Match": etag}


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _in_background(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(work()), daemon=True)
    thread.start()
    return thread, out


def speed(bench: Bench) -> tuple[CacheChecks, Freshness | None, ImportFigures | None]:
    """Start every server, check the cache, measure every row in rounds, then publish and
    import the corpus."""
    work = bench.work
    db = work / "real.db"
    with ExitStack() as stack:
        _say("starting: vetted serve (granian) on the real content")
        port = free_port()
        ours = stack.enter_context(
            running(vetted_command(db, port), port, work / "vetted.log", ready_path="/readyz")
        )
        plain = _get(ours.url + ARTICLE)
        recorded = record(work / "ceiling.json", plain.content, dict(plain.headers))
        etag = recorded.headers["etag"]

        _say("starting: vetted serve on a copy, a webhook endpoint subscribed to every event")
        receiver = stack.enter_context(receiving())
        hooked = stack.enter_context(webhook_server(db, work, receiver))

        _say("starting: vetted serve on a copy, a publication and a withdrawal scheduled")
        scheduled = stack.enter_context(scheduled_server(db, work))

        _say("starting: uvicorn (asyncio, h11) on the same app and database")
        port = free_port()
        command = uvicorn_command("api.web.app:create_app_from_env", port)
        uv = stack.enter_context(
            running(command, port, work / "uv.log", env={"VETTED_DB": str(db)})
        )

        _say("starting: the framework ceiling (Litestar constant, granian)")
        port = free_port()
        command = granian_command("bench.ceiling:create_app", port)
        env = {CEILING_ENV: str(work / "ceiling.json")}
        ceiling = stack.enter_context(running(command, port, work / "ceiling.log", env=env))

        _say("starting: the Python limit (a bare ASGI callable, granian)")
        port = free_port()
        command = granian_command("bench.ceiling:create_asgi_app", port)
        raw = stack.enter_context(running(command, port, work / "raw.log", env=env))

        _say("starting: nginx serving the same bytes as a static file")
        file = work / "static" / ARTICLE.split("?")[0].lstrip("/")
        file.parent.mkdir(parents=True)
        file.write_bytes(plain.content)
        port = free_port()
        kept = {k: v for k, v in recorded.headers.items() if k not in ("etag", "content-type")}
        site = static_site(port, work / "static", kept)
        static = stack.enter_context(nginx_running(work / "nginx-static", site, port))
        static_etag = _get(static.url + ARTICLE).headers["etag"]

        _say("starting: nginx with deploy/nginx-cache.conf in front of vetted serve")
        port = free_port()
        site = cache_site(ours.port, port, work / "cache")
        cache = stack.enter_context(nginx_running(work / "nginx-cache", site, port))
        checks = check_cache(cache.url, ARTICLE, etag)
        _say(f"  cache checks: {checks}")

        _say("starting: nginx with deploy/nginx-export.conf over the static export")
        export = export_once(db, work / "export")
        port = free_port()
        site = export_site(ours.port, port, export)
        exported = stack.enter_context(
            nginx_running(work / "nginx-export", site, port, (HEADERS_MORE,))
        )

        plans = bench.route_plans(OURS, "ours", ours.url, SOURCE_SLUG)
        plans += [
            Plan(
                server=OURS,
                kind="article-gzip",
                label="ours: article es, gzip",
                url=ours.url + ARTICLE,
                headers={"Accept-Encoding": "gzip"},
            ),
            Plan(
                server="uvicorn", kind="article", label="uvicorn: article es", url=uv.url + ARTICLE
            ),
            # Beside ours: the same rows while a webhook sender runs and an endpoint listens.
            *webhook_plans(hooked.url, etag),
            # And while a publication and a withdrawal are scheduled (every read checks).
            *schedule_plans(scheduled.url, ARTICLE, etag),
        ]
        for server, name, base, tag in (
            (RAW_ASGI, "raw ASGI", raw.url, etag),
            (CEILING, "ceiling", ceiling.url, etag),
            (NGINX_STATIC, "nginx static", static.url, static_etag),
            (NGINX_CACHE, "nginx cache", cache.url, etag),
            (NGINX_EXPORT, "nginx export", exported.url, etag),
        ):
            plans += article_plans(server, name, base + ARTICLE, tag)
        _say(f"measuring {len(plans)} rows x {bench.rounds} rounds x {bench.settings.seconds} s")
        bench.measure(plans)
        _say("publishing through the server with webhooks, timing each event to its 200")
        bench.latency = measure_latency(hooked, work / "webhooks.db", receiver, PUBLISHES)
        _say(f"  {latency_line(bench.latency)}")
        freshness, figures = _publish_during_import(bench, ours, cache)
    return checks, freshness, figures


def export_once(db: Path, folder: Path) -> Path:
    """`vetted export-static` of `db` into `folder` (what the writer does after a commit)."""
    command = [sys.executable, "-m", "api.cli", "export-static", "--db", str(db)]
    subprocess.run([*command, "--export-dir", str(folder)], cwd=ROOT, check=True)
    return folder


def _publish_during_import(
    bench: Bench, ours: Server, cache: Server
) -> tuple[Freshness | None, ImportFigures | None]:
    """Publish a new version and wait for the cache to serve it, while the corpus imports
    (the wait is mostly sleep, and the import is the longest step)."""
    editorial = Editorial(ours.url, bench.work / "real.db", SOURCE_SLUG)
    # A variant first cached just now: it must be served from cache while fresh, and the
    # new version once its max-age has run out.
    path = f"/v1/articles/{SOURCE_SLUG}?locale=fr"
    try:
        # The same request headers as the polling below, so the same cache entry.
        old = _get(cache.url + path).headers["etag"]
        editorial.publish_revision()
        new = _get(ours.url + path).headers["etag"]
        _say(f"  published a new version; waiting for the cache to serve {new}")
        thread, out = _in_background(
            lambda: wait_for_etag(cache.url, path, old, new, MAX_AGE_S + 30)
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
    _say(f"  {import_line(figures)}")
    return figures


def large_corpus(bench: Bench, smaller: int) -> tuple[ImportFigures | None, list[ChangeCost]]:
    """The costs that must follow the change, not the catalogue, on a second, larger
    corpus (BENCH_LARGE_ARTICLES, default 10,000; 0 or no more than the first: none): its
    import (stopped after BENCH_LARGE_IMPORT_TIMEOUT seconds, default 1800, so that its
    rows are measured even when it misses its 5 minutes), the delivery rows served from
    its database beside the raw ASGI callable, then publishing one article and approving
    one catalog entry there."""
    articles = _env("BENCH_LARGE_ARTICLES", 10_000)
    if articles <= max(smaller, 0):
        return None, []
    timeout = _env("BENCH_LARGE_IMPORT_TIMEOUT", 1800)
    folder = bench.work / "large"
    try:
        corpus = write_corpus(ROOT, folder / "corpus", articles)
        db = folder / "corpus.db"
        _say(f"importing {articles} articles x {LOCALES} locales (timeout {timeout} s)")
        figures = time_import(corpus, db, articles, timeout, folder / "i.log")
        _say(f"  {import_line(figures)}")
        label = f"corpus {articles}"
        if not figures.completed:
            note = f"import incomplete: {figures.note}"
            bench.missing(LARGE_CORPUS, "article", f"{label}: article es", f"n/a ({note})")
            return figures, [
                ChangeCost(articles=articles, kind=kind, p50_ms=0.0, max_ms=0.0, runs=0, note=note)
                for kind in ("publish", "approval")
            ]
        slug = copy_slug(articles // 2)
        with ExitStack() as stack:
            port = free_port()
            command = vetted_command(db, port, content=corpus)
            server = stack.enter_context(
                running(command, port, folder / "corpus.log", ready_path="/readyz")
            )
            port = free_port()
            command = granian_command("bench.ceiling:create_asgi_app", port)
            env = {CEILING_ENV: str(bench.work / "ceiling.json")}
            raw = stack.enter_context(running(command, port, folder / "raw.log", env=env))
            _say(f"measuring the delivery rows of {label} beside the raw ASGI callable")
            # The bundle (~460 MB of one locale) is larger than a worker's response
            # memory: made once, kept on disk, and measured by few connections.
            plans = bench.route_plans(LARGE_CORPUS, label, server.url, slug, skip=("bundle",))
            _say(f"requesting the bundle of {label} once (made and kept on disk)")
            plans += large_bundle_plans(bench, label, server.url + REQUESTS["bundle"])
            plans += [
                Plan(
                    server=RAW_ASGI_BESIDE,
                    kind=kind,
                    label=f"raw ASGI beside {label}: {name}",
                    url=raw.url + ARTICLE,
                    headers=headers,
                )
                for kind, name, headers in (
                    ("article", "article es", {}),
                    ("304", "304 revalidation", _inm(_get(raw.url + ARTICLE).headers["etag"])),
                )
            ]
            bench.measure(plans)
            _say(f"timing publishes and approvals of one article on {label}")
            costs = measure_change_costs(server.url, db, slug, articles)
        for cost in costs:
            _say(f"  {change_line(cost)}")
        return figures, costs
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # ~25 GB at 10,000 articles


def corpus_rows(bench: Bench, figures: ImportFigures) -> list[ChangeCost]:
    """The same requests against the synthetic corpus, then the cost of publishing one
    article and approving one catalog entry there."""
    label = f"corpus {figures.articles}"
    if not figures.completed:
        bench.missing(CORPUS, "article", f"{label}: article es", "n/a (import incomplete)")
        # The publish and approval rows are printed all the same, as not measured.
        return [
            ChangeCost(
                articles=figures.articles,
                kind=kind,
                p50_ms=0.0,
                max_ms=0.0,
                runs=0,
                note=f"import incomplete: {figures.note}",
            )
            for kind in ("publish", "approval")
        ]
    port = free_port()
    db = bench.work / "corpus.db"
    command = vetted_command(db, port, content=bench.work / "corpus")
    with running(command, port, bench.work / "corpus.log", ready_path="/readyz") as server:
        slug = copy_slug(figures.articles // 2) if figures.articles > 1 else SOURCE_SLUG
        bench.measure(bench.route_plans(CORPUS, label, server.url, slug))
        _say(f"timing publishes and approvals of one article on {label}")
        costs = measure_change_costs(server.url, db, slug, figures.articles)
        for cost in costs:
            _say(f"  {change_line(cost)}")
        return costs


def _stop_on_term(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Run the benchmark, print the tables and write the results."""
    signal.signal(signal.SIGTERM, _stop_on_term)
    started = time.monotonic()
    _say(f"interpreter: {_interpreter()}")
    with tempfile.TemporaryDirectory(prefix="vetted-bench-") as folder:
        bench = Bench(Path(folder))
        checks, freshness, figures = speed(bench)
        costs = corpus_rows(bench, figures) if figures is not None else []
        large, large_costs = large_corpus(bench, figures.articles if figures else 0)
        costs += large_costs
        _say("article list: page 1, a deep page and a search at 10 and 10,000 articles")
        listing = measure_listing(bench.work)
        _say("scale-out: two reader nodes, Litestream's lag, the corpus's restore")
        corpus_db = bench.work / "corpus.db"
        done = figures is not None and figures.completed
        scale = scaleout.measure(
            bench.work,
            bench.work / "real.db",
            corpus_db if done else None,
            figures.articles if figures is not None else None,
        )
    _say("delta sizes: a one-paragraph correction through /v1/changes?patches=true")
    deltas = measure_delta_sizes()
    found = targets(bench.rows, figures, large)
    table = markdown_table(bench.rows)
    goals = targets_table(found)
    print(f"\n{table}\n")
    for imported in (figures, large):
        if imported is not None:
            print(f"{import_line(imported)}\n")
    print(f"{goals}\n")
    for cost in costs:
        print(change_line(cost))
    for delta in deltas:
        print(delta_line(delta))
    print("\n".join(["", *listing_lines(listing), ""]))
    if bench.latency is not None:
        print(f"{latency_line(bench.latency)}\n")
    for line in beside_lines(bench.rows):
        print(line)
    for line in scaleout.lines(scale):
        print(line)
    for name, check in (("cache hit and 304", checks), ("cache after publish", freshness)):
        verdict = "n/a" if check is None else ("PASS" if check.passed else "MISS")
        print(f"{name}: {verdict}")
    results = _previous()
    results.update(
        {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": {"cores": os.cpu_count(), "python": _interpreter()},
            "wrk": msgspec.to_builtins(bench.settings),
            "rounds": bench.rounds,
            "server_workers": workers(),
            "rows": msgspec.to_builtins(bench.rows),
            "import": msgspec.to_builtins(figures),
            "import_large": msgspec.to_builtins(large),
            "change_costs": msgspec.to_builtins(costs),
            "delta_sizes": msgspec.to_builtins(deltas),
            "article_list": msgspec.to_builtins(listing),
            "cache_checks": msgspec.to_builtins(checks),
            "cache_freshness": msgspec.to_builtins(freshness),
            "targets": msgspec.to_builtins(found),
            "webhook_latency": msgspec.to_builtins(bench.latency),
            "beside": beside_ratios(bench.rows),
            "scaleout": msgspec.to_builtins(scale),
            "table": table,
            "targets_table": goals,
            "run_seconds": round(time.monotonic() - started),
        }
    )
    kept = write_results(results)
    print(f"wrote {RESULTS.relative_to(ROOT)} and {kept.relative_to(ROOT)}")
    return 0


def write_results(results: dict[str, Any], latest: Path = RESULTS, history: Path = HISTORY) -> Path:
    """Write the run as the latest results (with the soak kept there) and keep it in the
    history, one file per run, without the soak (a run of its own); the history file."""
    latest.write_bytes(msgspec.json.format(msgspec.json.encode(results)) + b"\n")
    kept = history_path(results["date"], history)
    run = {key: value for key, value in results.items() if key != "soak"}
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(msgspec.json.format(msgspec.json.encode(run)) + b"\n")
    return kept


def history_path(date: str, history: Path = HISTORY) -> Path:
    """Where the run of `date` ("2026-11-27 21:32 UTC") is kept: one file per run."""
    moment = datetime.datetime.strptime(date, "%Y-%m-%d %H:%M UTC")
    return history / f"{moment:%Y-%m-%dT%H%MZ}.json"


def _interpreter() -> str:
    """The interpreter every Python row runs on, and how it holds libpython: a shared
    libpython built without profile-guided optimisation ran plain Python code up to twice
    as slowly as the distribution's static, optimised build (Makefile, PYTHON)."""
    maps = Path("/proc/self/maps")
    shared = maps.exists() and "libpython" in maps.read_text()
    how = "a shared libpython" if shared else "libpython linked in"
    return f"{platform.python_implementation()} {platform.python_version()}, {how}"


def _previous() -> dict[str, Any]:
    if RESULTS.exists():
        loaded: dict[str, Any] = msgspec.json.decode(RESULTS.read_bytes())
        return loaded
    return {}


if __name__ == "__main__":
    sys.exit(main())
