"""Benchmark rows, their ratios to the reference rows, the targets, and the Markdown table.

On a shared, noisy machine only figures measured side by side in one run compare, so the
targets are stated as ratios to the Python limit (a bare ASGI callable under the same
server) and to nginx serving static files; the framework ceiling is shown beside them."""

from __future__ import annotations

import msgspec

from bench.wrk import WrkResult

__all__ = [
    "CEILING",
    "NGINX_CACHE",
    "NGINX_EXPORT",
    "NGINX_STATIC",
    "OURS",
    "RAW_ASGI",
    "ImportFigures",
    "Row",
    "Target",
    "markdown_table",
    "ratio",
    "targets",
    "targets_table",
]

OURS = "ours"
RAW_ASGI = "raw-asgi"
CEILING = "ceiling"
NGINX_STATIC = "nginx-static"
NGINX_CACHE = "nginx-cache"
NGINX_EXPORT = "nginx-export"
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


def targets(rows: list[Row], figures: ImportFigures | None) -> list[Target]:
    """Every target of the benchmark, checked against this run."""
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
    if figures is not None:
        label = f"import {figures.articles} x {figures.locales}"
        found.append(
            _target(
                f"{label}: seconds",
                figures.seconds if figures.completed else None,
                60.0,
                at_least=False,
            )
        )
        # A stopped or refused import's peak is not the peak of a whole import.
        found.append(
            _target(
                f"{label}: peak RSS MB",
                figures.peak_rss_mb if figures.completed else None,
                300.0,
                at_least=False,
            )
        )
    return found


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
