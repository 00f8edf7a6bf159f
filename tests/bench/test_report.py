"""Ratios to the reference rows, the targets and the Markdown tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.report import (
    CEILING,
    LARGE_CORPUS,
    NGINX_CACHE,
    NGINX_STATIC,
    OURS,
    RAW_ASGI,
    RAW_ASGI_BESIDE,
    ImportFigures,
    Row,
    import_line,
    markdown_table,
    ratio,
    targets,
    targets_table,
)
from bench.run import Bench, corpus_rows
from bench.scale import change_line
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


def test_the_larger_corpus_has_its_own_bounds_and_delivery_ratios() -> None:
    """10,000 articles: 5 minutes and 300 MB; its delivery rows against the raw ASGI
    callable measured beside them, not the earlier one."""
    large = ImportFigures(
        articles=10000, locales=4, seconds=290.0, peak_rss_mb=310.0, db_mb=9000.0, completed=True
    )
    rows = [
        *ROWS,
        measured(LARGE_CORPUS, "article", 7000),
        measured(LARGE_CORPUS, "304", 7000),
        measured(RAW_ASGI_BESIDE, "article", 8000),
        measured(RAW_ASGI_BESIDE, "304", 9000),
    ]
    found = {t.name: t.met for t in targets(rows, FIGURES, large)}
    assert found["import 10000 x 4: seconds"] is True
    assert found["import 10000 x 4: peak RSS MB"] is False
    assert found["article: corpus 10000 / raw ASGI"] is True  # 7,000 / 8,000
    assert found["304: corpus 10000 / raw ASGI"] is False  # 7,000 / 9,000
    assert found["import 1000 x 4: seconds"] is False  # 75 s against 60 s
    assert import_line(large) == (
        "import 10000 articles x 4 locales: 290.0 s, peak RSS 310.0 MB, database 9000.0 MB "
        "(target <= 300 s, <= 300 MB): MISS"
    )
    assert import_line(FIGURES).endswith("(target <= 60 s, <= 300 MB): MISS")
    fast = ImportFigures(
        articles=1000, locales=4, seconds=50.0, peak_rss_mb=120.0, db_mb=300.0, completed=True
    )
    assert import_line(fast).endswith(": PASS")
    stopped = ImportFigures(
        articles=10000,
        locales=4,
        seconds=1800.0,
        peak_rss_mb=900.0,
        db_mb=1.0,
        completed=False,
        note="stopped after the 1800 s timeout",
    )
    assert import_line(stopped).endswith(": MISS (stopped after the 1800 s timeout)")


def test_markdown_table() -> None:
    lines = markdown_table(ROWS).splitlines()
    assert lines[0] == (
        "| row | requests/s | p50 ms | p99 ms | / raw ASGI | / ceiling | / nginx static |"
    )
    assert lines[2] == "| ours: article | 8,000 | 1.00 | 12.00 | 0.80 | 0.80 | 0.20 |"
    assert lines[4] == "| ours: bundle | n/a (route missing) | | | | | |"
    assert lines[-1] == "| nginx-cache: 304 | 30,000 | 1.00 | 5.00 | 2.50 | 3.00 | 0.60 |"


def test_an_incomplete_import_still_prints_the_publish_and_approval_rows(tmp_path: Path) -> None:
    """The change rows of the corpus are printed as not measured, as the larger corpus's
    are, rather than left out of the report."""
    figures = ImportFigures(
        articles=1000,
        locales=4,
        seconds=420.0,
        peak_rss_mb=90.0,
        db_mb=2000.0,
        completed=False,
        note="stopped after the 420 s timeout",
    )
    lines = [change_line(cost) for cost in corpus_rows(Bench(tmp_path), figures)]
    assert lines == [
        f"{kind} one article, 1000 articles: n/a (import incomplete: stopped after the "
        "420 s timeout)"
        for kind in ("publish", "approval")
    ]
