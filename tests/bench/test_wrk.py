"""Reading wrk's report: rates, latency percentiles in any unit, failures."""

from __future__ import annotations

import pytest

from bench.wrk import WrkResult, median_result, parse_wrk

REPORT = """Running 10s test @ http://127.0.0.1:8123/v1/articles/x?locale=es
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.29ms    2.10ms  37.26ms   81.25%
    Req/Sec     4.89k   512.33     5.90k    70.00%
  Latency Distribution
     50%  {p50}
     75%    5.01ms
     90%    7.20ms
     99%  {p99}
  97280 requests in 10.00s, 2.85GB read
{extra}Requests/sec:   9728.12
Transfer/sec:    291.70MB
"""


def report(p50: str = "4.29ms", p99: str = "17.21ms", extra: str = "") -> str:
    return REPORT.format(p50=p50, p99=p99, extra=extra)


def test_a_clean_report() -> None:
    assert parse_wrk(report()) == WrkResult(
        requests=97280,
        seconds=10.0,
        requests_per_s=9728.12,
        p50_ms=4.29,
        p75_ms=5.01,
        p90_ms=7.2,
        p99_ms=17.21,
        non_2xx_3xx=0,
        socket_errors=0,
    )


@pytest.mark.parametrize(
    ("p50", "p99", "expected_p50", "expected_p99"),
    [
        ("351.00us", "2.60ms", 0.351, 2.6),
        ("1.10ms", "1.02s", 1.1, 1020.0),
        ("500.00us", "1.00m", 0.5, 60_000.0),
    ],
)
def test_latency_units_become_milliseconds(
    p50: str, p99: str, expected_p50: float, expected_p99: float
) -> None:
    result = parse_wrk(report(p50, p99))
    assert result.p50_ms == pytest.approx(expected_p50)
    assert result.p99_ms == pytest.approx(expected_p99)


def test_failures_are_counted() -> None:
    extra = (
        "  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx or 3xx responses: 7446\n"
    )
    result = parse_wrk(report(extra=extra))
    assert result.non_2xx_3xx == 7446
    assert result.socket_errors == 10


@pytest.mark.parametrize(
    "text",
    [
        "",
        "unable to connect to 127.0.0.1:1 Connection refused\n",
        report().replace("  Latency Distribution\n", "").replace("     99%  17.21ms\n", ""),
    ],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a wrk --latency report"):
        parse_wrk(text)


def test_runs_of_one_row_combine_into_medians_and_sums() -> None:
    runs = [
        parse_wrk(report(p99=p99, extra=extra))
        for p99, extra in (
            ("10.00ms", ""),
            ("90.00ms", "  Non-2xx or 3xx responses: 2\n"),
            ("20.00ms", ""),
        )
    ]
    combined = median_result(runs)
    assert combined.p99_ms == 20.0, "one slow run does not decide the row"
    assert combined.requests == 3 * 97280
    assert combined.seconds == 30.0
    assert combined.non_2xx_3xx == 2
    with pytest.raises(ValueError, match="no runs"):
        median_result([])
