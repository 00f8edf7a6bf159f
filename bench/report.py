"""Benchmark rows, their ratios to the reference rows, the targets, and the Markdown table.

On a shared, noisy machine only figures measured side by side in one run compare, so the
targets are stated as ratios to the Python limit (a bare ASGI callable under the same
server) and to nginx serving static files; the framework ceiling is shown beside them."""

from __future__ import annotations

import msgspec

from bench.wrk import WrkResult

__all__ = [
    "CEILING",
    "CORPUS",
    "LARGE_CORPUS",
    "NGINX_CACHE",
    "NGINX_EXPORT",
    "NGINX_STATIC",
    "OURS",
    "RAW_ASGI",
    "RAW_ASGI_BESIDE",
    "ImportFigures",
    "Row",
    "Target",
    "import_bounds",
    "import_line",
    "markdown_table",
    "ratio",
    "targets",
    "targets_table",
]

OURS = "ours"
RAW_ASGI = "raw-asgi"
RAW_ASGI_BESIDE = "raw-asgi-beside-large"
"""The raw ASGI callable measured again beside the larger corpus's rows, which come after
the other rows (on a shared machine, only rows measured side by side compare)."""
CEILING = "ceiling"
NGINX_STATIC = "nginx-static"
NGINX_CACHE = "nginx-cache"
NGINX_EXPORT = "nginx-export"
CORPUS = "corpus"
LARGE_CORPUS = "corpus-large"
"""The rows served from the synthetic corpus and from the second, larger one."""
P99_BOUND_MS = 5.0


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """One measured (or unmeasurable) row: which server, which request, what wrk saw."""

    server: str
    kind: str
    label: str
    result: WrkResult | None = None
    note: str = ""


class ImportFigures(msgspec.Struct, frozen=True, kw_only=True):
    """`vetted import` of the synthetic corpus."""

    articles: int
    locales: int
    seconds: float
    peak_rss_mb: float
    db_mb: float
    completed: bool
    note: str = ""


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """A stated target, the measured value and whether it was met (None: not measured)."""

    name: str
    value: float | None
    bound: float
    at_least: bool
    met: bool | None


def _find(rows: list[Row], server: str, kind: str) -> Row | None:
    return next((r for r in rows if r.server == server and r.kind == kind), None)


def ratio(rows: list[Row], server: str, reference: str, kind: str) -> float | None:
    """requests/s of `server` over requests/s of `reference` for the same request kind."""
    ours = _find(rows, server, kind)
    theirs = _find(rows, reference, kind)
    if ours is None or theirs is None or ours.result is None or theirs.result is None:
        return None
    if theirs.result.requests_per_s <= 0:
        return None
    return ours.result.requests_per_s / theirs.result.requests_per_s


def _target(name: str, value: float | None, bound: float, *, at_least: bool) -> Target:
    met = None if value is None else (value >= bound if at_least else value <= bound)
    return Target(name=name, value=value, bound=bound, at_least=at_least, met=met)


def targets(
    rows: list[Row], figures: ImportFigures | None, large: ImportFigures | None = None
) -> list[Target]:
    """Every target of the benchmark, checked against this run (`large`: the import of
    the second, larger corpus, whose delivery rows are LARGE_CORPUS's)."""
    found = [
        _target(
            f"{kind}: ours / raw ASGI",
            ratio(rows, OURS, RAW_ASGI, kind),
            0.8,
            at_least=True,
        )
        for kind in ("article", "304")
    ]
    found += [
        _target(
            f"{kind}: nginx cache / nginx static",
            ratio(rows, NGINX_CACHE, NGINX_STATIC, kind),
            0.7,
            at_least=True,
        )
        for kind in ("article", "304")
    ]
    found += [
        _target(
            f"{kind}: nginx over the export / nginx static",
            ratio(rows, NGINX_EXPORT, NGINX_STATIC, kind),
            0.95,
            at_least=True,
        )
        for kind in ("article", "304")
        if _find(rows, NGINX_EXPORT, kind) is not None
    ]
    found += [
        _target(f"p99 ms: {row.label}", row.result.p99_ms, P99_BOUND_MS, at_least=False)
        for row in rows
        if row.server == OURS and row.result is not None
    ]
    for imported in (figures, large):
        if imported is not None:
            found += _import_targets(imported)
    if large is not None:
        # Delivery from the larger corpus's database: the same requests, the same bound.
        found += [
            _target(
                f"{kind}: corpus {large.articles} / raw ASGI",
                ratio(rows, LARGE_CORPUS, RAW_ASGI_BESIDE, kind),
                0.8,
                at_least=True,
            )
            for kind in ("article", "304")
        ]
    return found


def import_bounds(articles: int) -> tuple[float, float]:
    """Seconds and peak RSS (MB) an import of `articles` x 4 locales may take: 60 s up to
    1,000 articles, 5 minutes up to 10,000 (issue 27); 300 MB at any size."""
    return (60.0 if articles <= 1000 else 300.0), 300.0


def _import_targets(figures: ImportFigures) -> list[Target]:
    seconds, rss = import_bounds(figures.articles)
    label = f"import {figures.articles} x {figures.locales}"
    # A stopped or refused import's figures are not those of a whole import.
    return [
        _target(
            f"{label}: seconds",
            figures.seconds if figures.completed else None,
            seconds,
            at_least=False,
        ),
        _target(
            f"{label}: peak RSS MB",
            figures.peak_rss_mb if figures.completed else None,
            rss,
            at_least=False,
        ),
    ]


def import_line(figures: ImportFigures) -> str:
    """One printed row: `import 10000 articles x 4 locales: 250.1 s, peak RSS 280.0 MB,
    database 9000.0 MB (target <= 300 s, <= 300 MB): PASS`."""
    seconds, rss = import_bounds(figures.articles)
    head = (
        f"import {figures.articles} articles x {figures.locales} locales: {figures.seconds} s, "
        f"peak RSS {figures.peak_rss_mb} MB, database {figures.db_mb} MB "
        f"(target <= {seconds:g} s, <= {rss:g} MB)"
    )
    if not figures.completed:
        return f"{head}: MISS ({figures.note})"
    met = figures.seconds <= seconds and figures.peak_rss_mb <= rss
    return f"{head}: {'PASS' if met else 'MISS'}"


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown_table(rows: list[Row]) -> str:
    """The rows as a Markdown table with ratios to the raw ASGI callable, the framework
    ceiling and nginx static."""
    lines = [
        "| row | requests/s | p50 ms | p99 ms | / raw ASGI | / ceiling | / nginx static |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        if row.result is None:
            lines.append(f"| {row.label} | {row.note or 'n/a'} | | | | | |")
            continue
        ratios = " | ".join(
            _number(ratio(rows, row.server, reference, row.kind))
            for reference in (RAW_ASGI, CEILING, NGINX_STATIC)
        )
        lines.append(
            f"| {row.label} | {row.result.requests_per_s:,.0f} | "
            f"{_number(row.result.p50_ms)} | {_number(row.result.p99_ms)} | {ratios} |"
        )
    return "\n".join(lines)


def targets_table(found: list[Target]) -> str:
    """The targets as a Markdown table with PASS, MISS or n/a."""
    lines = ["| target | measured | bound | |", "| --- | ---: | ---: | --- |"]
    for target in found:
        verdict = {True: "PASS", False: "MISS", None: "n/a"}[target.met]
        sign = ">=" if target.at_least else "<="
        lines.append(
            f"| {target.name} | {_number(target.value)} | {sign} {target.bound:g} | {verdict} |"
        )
    return "\n".join(lines)
