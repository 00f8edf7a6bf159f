"""The article list's bench row: one line per request, both sizes and their ratio."""

from __future__ import annotations

from bench.listing import ListTiming, listing_lines


def test_each_request_is_a_row_with_both_sizes_and_the_ratio() -> None:
    timing = ListTiming(
        request="deep page", url="/v1/articles?limit=5", ms={"10": 0.5, "10000": 0.6}, ratio=1.2
    )
    lines = listing_lines([timing])
    assert lines[0] == "| article list (p50 ms) | 10 articles | 10,000 articles | ratio |"
    assert lines[2] == "| deep page | 0.5 | 0.6 | 1.2× |"
