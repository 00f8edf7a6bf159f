"""Ratios to the reference rows, the targets and the Markdown tables."""

from __future__ import annotations

import pytest

from bench.report import (
    CEILING,
    NGINX_CACHE,
    NGINX_STATIC,
    OURS,
    RAW_ASGI,
    ImportFigures,
    Row,
    markdown_table,
    ratio,
    targets,
    targets_table,
)
from bench.wrk import WrkResult


def measured(server: str, kind: str, rate: float, p99: float = 5.0) -> Row:
    result = WrkResult(
        requests=int(rate * 10),
        seconds=10.0,
        requests_per_s=rate,
        p50_ms=1.0,
        p75_ms=2.0,
        p90_ms=3.0,
        p99_ms=p99,
        non_2xx_3xx=0,
        socket_errors=0,
    )
    return Row(server=server, kind=kind, label=f"{server}: {kind}", result=result)


ROWS = [
    measured(OURS, "article", 8000, p99=12.0),
    measured(OURS, "304", 9000),
    Row(server=OURS, kind="bundle", label="ours: bundle", note="n/a (route missing)"),
    measured(RAW_ASGI, "article", 10000),
    measured(RAW_ASGI, "304", 12000),
    measured(CEILING, "article", 10000),
    measured(CEILING, "304", 10000),
    measured(NGINX_STATIC, "article", 40000),
    measured(NGINX_STATIC, "304", 50000),
    measured(NGINX_CACHE, "article", 30000),
    measured(NGINX_CACHE, "304", 30000),
]
FIGURES = ImportFigures(
    articles=1000, locales=4, seconds=75.0, peak_rss_mb=120.0, db_mb=300.0, completed=True
)


@pytest.mark.parametrize(
    ("server", "reference", "kind", "expected"),
    [
        (OURS, RAW_ASGI, "article", 0.8),
        (OURS, RAW_ASGI, "304", 0.75),
        (OURS, CEILING, "article", 0.8),
        (OURS, CEILING, "304", 0.9),
        (OURS, NGINX_STATIC, "article", 0.2),
        (NGINX_CACHE, NGINX_STATIC, "304", 0.6),
        (OURS, CEILING, "bundle", None),
        (OURS, CEILING, "search", None),
    ],
)
def test_ratio(server: str, reference: str, kind: str, expected: float | None) -> None:
    assert ratio(ROWS, server, reference, kind) == pytest.approx(expected)


def test_targets_pass_miss_and_unmeasured() -> None:
    verdicts = {t.name: t.met for t in targets(ROWS, FIGURES)}
    assert verdicts == {
        "article: ours / raw ASGI": True,
        "304: ours / raw ASGI": False,
        "article: nginx cache / nginx static": True,
        "304: nginx cache / nginx static": False,
        "p99 ms: ours: article": False,
        "p99 ms: ours: 304": True,
        "import 1000 x 4: seconds": False,
        "import 1000 x 4: peak RSS MB": True,
    }


def test_an_unfinished_import_is_not_a_pass() -> None:
    stopped = ImportFigures(
        articles=1000, locales=4, seconds=420.0, peak_rss_mb=90.0, db_mb=10.0, completed=False
    )
    found = {t.name: t for t in targets([], stopped)}
    assert found["import 1000 x 4: seconds"].met is None
    assert found["import 1000 x 4: peak RSS MB"].met is None
    assert "| import 1000 x 4: seconds | – | <= 60 | n/a |" in targets_table(list(found.values()))


def test_markdown_table() -> None:
    lines = markdown_table(ROWS).splitlines()
    assert lines[0] == (
        "| row | requests/s | p50 ms | p99 ms | / raw ASGI | / ceiling | / nginx static |"
    )
    assert lines[2] == "| ours: article | 8,000 | 1.00 | 12.00 | 0.80 | 0.80 | 0.20 |"
    assert lines[4] == "| ours: bundle | n/a (route missing) | | | | | |"
    assert lines[-1] == "| nginx-cache: 304 | 30,000 | 1.00 | 5.00 | 2.50 | 3.00 | 0.60 |"
