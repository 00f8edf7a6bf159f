"""The bench's delta-size row (bench/deltas.py): measured on the real store, and its
verdict follows the 15 % target on the wire and decoded alike."""

from __future__ import annotations

import msgspec

from bench.deltas import DeltaSize, delta_line, measure_delta_sizes


def test_the_row_measures_a_patch_that_a_library_applies_to_the_article() -> None:
    [row] = measure_delta_sizes()  # it checks the patched article byte for byte itself
    assert row.locale == "es" and row.article_bytes > 10_000
    assert row.patched_bytes < row.whole_bytes and row.patched_wire < row.whole_wire
    assert delta_line(row).endswith(": PASS" if row.passed else ": MISS")


def test_the_verdict_is_a_miss_when_either_share_is_over_the_target() -> None:
    row = DeltaSize(
        correction="a one-paragraph correction",
        locale="es",
        article_bytes=10_000,
        article_wire=2_000,
        patched_bytes=1_000,
        patched_wire=1_000,
        whole_bytes=10_500,
        whole_wire=2_100,
    )
    assert not row.passed and delta_line(row).endswith("target <= 15%: MISS")
    assert "1,000 B on the wire of the article's 2,000 B (50.0%)" in delta_line(row)
    fine = msgspec.structs.replace(row, patched_wire=300)
    assert fine.passed and delta_line(fine).endswith(": PASS")
