"""The scale-out figures of `make bench`: a publish reaching two reader nodes (each nginx
over its own copy of the export, synced from the bucket by `vetted pull-static`), the
replication lag of Litestream, and the restore time of the 1,000-article database. All on
127.0.0.1, against moto's S3-compatible server.

`python -m bench.scaleout` measures only these (BENCH_ARTICLES, default 1000, sizes the
corpus whose restore is timed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import msgspec

from bench.corpus import SOURCE_SLUG
from bench.editor import Editorial
from bench.nginx import HEADERS_MORE, export_site, nginx_running
from bench.s3 import S3, replica_env, s3_server
from bench.servers import ROOT, Server, free_port, running, vetted_command

__all__ = ["Scaleout", "measure", "publish_to_nodes", "replication_lag", "restore_time"]

PATH = f"/v1/articles/{SOURCE_SLUG}?locale=es"
LITESTREAM = Path(sys.executable).with_name("litestream")
CONFIG = ROOT / "deploy" / "litestream.yml"


class Scaleout(msgspec.Struct, kw_only=True):
    """What the scale-out rows measured (seconds; None: not measured)."""

    publish_to_both_nodes_s: list[float] = []
    replication_lag_s: list[float] = []
    restore_seconds: float | None = None
    restore_articles: int | None = None
    restore_db_mb: float | None = None
    note: str = ""


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def lines(figures: Scaleout) -> list[str]:
    """The figures as the lines `make bench` prints."""
    out = []
    if figures.publish_to_both_nodes_s:
        values = figures.publish_to_both_nodes_s
        out.append(
            f"publish commit -> both reader nodes serve the new ETag: median "
            f"{_percentile(values, 0.5):.2f} s, max {max(values):.2f} s ({len(values)} publishes)"
        )
    if figures.replication_lag_s:
        values = figures.replication_lag_s
        out.append(
            f"Litestream replication lag (commit -> in the bucket): p50 "
            f"{_percentile(values, 0.5):.2f} s, p99 {_percentile(values, 0.99):.2f} s "
            f"({len(values)} commits)"
        )
    if figures.restore_seconds is not None:
        out.append(
            f"restore of the {figures.restore_articles}-article database "
            f"({figures.restore_db_mb} MB) from the bucket: {figures.restore_seconds:.1f} s"
        )
    if figures.note:
        out.append(f"scale-out: {figures.note}")
    return out


def _wait(condition: Any, seconds: float, pause: float = 0.01) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(pause)
    return None


def _etag(url: str) -> str:
    response = httpx.get(url + PATH, headers={"Accept-Encoding": "identity"}, timeout=10)
    etag: str = response.headers.get("etag", "")
    return etag


def _node(stack: ExitStack, s3: S3, bucket: str, writer: Server, folder: Path) -> Server:
    """A reader node: its export folder pulled from the bucket, nginx over it, and
    `vetted pull-static` keeping it current (reloading nginx after each generation)."""
    export = folder / "export"
    pull = [sys.executable, "-m", "api.cli", "pull-static", f"s3://{bucket}/export"]
    env = {**os.environ, **s3.env}
    subprocess.run([*pull, "--to", str(export)], cwd=ROOT, env=env, check=True)
    port = free_port()
    prefix = folder / "nginx"
    site = export_site(writer.port, port, export)
    nginx = stack.enter_context(nginx_running(prefix, site, port, (HEADERS_MORE,)))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    reload = f"{binary} -p {prefix} -c {prefix / 'nginx.conf'} -s reload"
    command = [*pull, "--to", str(export), "--interval", "0.1", "--then", reload]
    stack.enter_context(_process(command, folder / "pull.log", s3.env))
    return nginx


def publish_to_nodes(work: Path, db: Path, publishes: int = 5) -> list[float]:
    """Seconds from a publish's acknowledgement to both reader nodes serving its ETag."""
    out: list[float] = []
    with s3_server(work / "moto-nodes") as s3, ExitStack() as stack:
        s3.bucket("nodes")
        port = free_port()
        command = [
            *vetted_command(db, port, worker_count=1),
            "--export-bucket",
            "s3://nodes/export",
        ]
        writer = stack.enter_context(
            running(command, port, work / "writer.log", ready_path="/readyz", env=s3.env)
        )
        client = s3.client()
        _wait(
            lambda: (
                "Contents" in client.list_objects_v2(Bucket="nodes", Prefix="export/current.json")
            ),
            60,
            0.1,
        )
        nodes = [_node(stack, s3, "nodes", writer, work / f"node{n}") for n in (1, 2)]
        editorial = Editorial(writer.url, db, SOURCE_SLUG)
        try:
            for _ in range(publishes):
                editorial.publish_revision()
                acknowledged = time.monotonic()
                new = _etag(writer.url)
                took = _wait(lambda new=new: all(_etag(n.url) == new for n in nodes), 60)
                if took is not None:
                    out.append(time.monotonic() - acknowledged)
        finally:
            editorial.close()
    return out


def replication_lag(work: Path, db: Path, commits: int = 20) -> list[float]:
    """Seconds from a commit to a new object of Litestream's in the bucket (a sync after
    the commit, which carries it)."""
    out: list[float] = []
    with s3_server(work / "moto-lag") as s3:
        s3.bucket("lag")
        env = replica_env(db, s3.env, "lag")
        command = [str(LITESTREAM), "replicate", "-config", str(CONFIG)]
        client = s3.client()

        def keys() -> set[str]:
            listing = client.list_objects_v2(Bucket="lag", Prefix="vetted/")
            return {item["Key"] for item in listing.get("Contents", [])}

        with _process(command, work / "litestream.log", env):
            _wait(lambda: bool(keys()), 60, 0.1)
            port = free_port()
            with running(
                vetted_command(db, port, worker_count=1),
                port,
                work / "lag-writer.log",
                ready_path="/readyz",
            ) as writer:
                editorial = Editorial(writer.url, db, SOURCE_SLUG)
                try:
                    for _ in range(commits):
                        before = keys()
                        editorial.publish_revision()
                        committed = time.monotonic()
                        took = _wait(lambda before=before: keys() - before, 30, 0.02)
                        if took is not None:
                            out.append(time.monotonic() - committed)
                finally:
                    editorial.close()
    return out


@contextmanager
def _process(
    command: list[str], log: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def restore_time(work: Path, db: Path) -> float | None:
    """Seconds `make restore-replica` takes to bring `db` back from the bucket."""
    with s3_server(work / "moto-restore") as s3:
        s3.bucket("restore")
        env = replica_env(db, s3.env, "restore")
        once = [str(LITESTREAM), "replicate", "-config", str(CONFIG), "-once", "-force-snapshot"]
        subprocess.run(once, env={**os.environ, **env}, check=True, capture_output=True)
        restored = work / "restored" / "vetted.db"
        restored.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        done = subprocess.run(
            [
                *("make", "--no-print-directory", "-C", str(ROOT), "restore-replica"),
                *(f"DB={db}", f"RESTORED={restored}"),
            ],
            env={**os.environ, **env},
            capture_output=True,
            check=False,
        )
        seconds = time.monotonic() - started
        return seconds if done.returncode == 0 and restored.exists() else None


def measure(work: Path, real_db: Path, corpus_db: Path | None, articles: int | None) -> Scaleout:
    """Every scale-out figure; `real_db` is copied, never written."""
    figures = Scaleout()
    nodes_db, lag_db = work / "nodes.db", work / "lag.db"
    for copy in (nodes_db, lag_db):
        shutil.copyfile(real_db, copy)
    figures.publish_to_both_nodes_s = publish_to_nodes(work, nodes_db)
    figures.replication_lag_s = replication_lag(work, lag_db)
    if corpus_db is not None and corpus_db.exists():
        figures.restore_seconds = restore_time(work, corpus_db)
        figures.restore_articles = articles
        figures.restore_db_mb = round(corpus_db.stat().st_size / 1e6, 1)
    else:
        figures.note = "no corpus database: restore not timed"
    return figures


def export_rows(work: Path, real_db: Path) -> list[Any]:
    """nginx over the export beside nginx serving the same bytes as a plain static file:
    the article and its 304 (BENCH_SECONDS, BENCH_ROUNDS as in `make bench`)."""
    from bench.nginx import static_site
    from bench.report import NGINX_EXPORT, NGINX_STATIC
    from bench.run import ARTICLE, Bench, article_plans, export_once

    bench = Bench(work)
    with ExitStack() as stack:
        port = free_port()
        command = vetted_command(real_db, port, worker_count=1)
        ours = stack.enter_context(running(command, port, work / "ours.log", ready_path="/readyz"))
        plain = httpx.get(ours.url + ARTICLE, headers={"Accept-Encoding": "identity"})
        file = work / "static" / ARTICLE.split("?")[0].lstrip("/")
        file.parent.mkdir(parents=True)
        file.write_bytes(plain.content)
        port = free_port()
        # The same headers as the app sends (nginx adds its own ETag and Content-Type).
        transport = ("etag", "content-type", "content-length", "date", "server", "x-request-id")
        kept = {k: v for k, v in plain.headers.items() if k not in transport}
        site = static_site(port, work / "static", kept)
        static = stack.enter_context(nginx_running(work / "nginx-static", site, port))
        export = export_once(real_db, work / "export")
        port = free_port()
        site = export_site(ours.port, port, export)
        exported = stack.enter_context(
            nginx_running(work / "nginx-export", site, port, (HEADERS_MORE,))
        )
        plans = []
        for server, name, base in (
            (NGINX_STATIC, "nginx static", static.url),
            (NGINX_EXPORT, "nginx export", exported.url),
        ):
            tag = httpx.get(base + ARTICLE, headers={"Accept-Encoding": "identity"}).headers["etag"]
            plans += article_plans(server, name, base + ARTICLE, tag)
        bench.measure(plans)
    return bench.rows


def main() -> int:
    """Only the scale-out rows: nginx over the export beside nginx static, the real
    content's publish to two nodes and replication lag, and a corpus of BENCH_ARTICLES
    articles imported for the restore."""
    from bench.corpus import write_corpus
    from bench.importer import time_import
    from bench.report import markdown_table, targets, targets_table

    articles = int(os.environ.get("BENCH_ARTICLES", 1000))
    with tempfile.TemporaryDirectory(prefix="vetted-scaleout-") as folder:
        work = Path(folder)
        real = work / "real.db"
        port = free_port()
        with running(vetted_command(real, port), port, work / "seed.log", ready_path="/readyz"):
            pass
        rows = export_rows(work, real)
        print(markdown_table(rows))
        print(targets_table([t for t in targets(rows, None) if "export" in t.name]))
        corpus = work / "corpus"
        write_corpus(ROOT, corpus, articles)
        imported = time_import(corpus, work / "corpus.db", articles, 900, work / "import.log")
        print(f"import: {imported}", file=sys.stderr)
        figures = measure(work, real, work / "corpus.db", articles)
    for line in lines(figures):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
