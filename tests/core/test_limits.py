"""The sliding window behind the failed-authentication limit."""

from __future__ import annotations

import pytest

from api.core.limits import Rate, SlidingWindow


def test_blocks_after_the_limit_until_the_oldest_event_ages_out() -> None:
    window = SlidingWindow(Rate(limit=3, seconds=60))
    for at in (0.0, 10.0, 20.0):
        assert window.retry_after("a", at) == 0
        window.record("a", at)
    assert window.retry_after("a", 21.0) == 39  # the event at 0 leaves the window at 60
    assert window.retry_after("b", 21.0) == 0  # other keys are not affected
    assert window.retry_after("a", 60.0) == 0
    window.record("a", 60.0)
    assert window.retry_after("a", 61.0) == 9  # now the event at 10 is the one to wait for


@pytest.mark.parametrize(("now", "expected"), [(59.0, 1), (59.9, 1), (0.5, 60), (30.0, 30)])
def test_retry_after_is_whole_seconds_and_at_least_one(now: float, expected: int) -> None:
    window = SlidingWindow(Rate(limit=1, seconds=60))
    window.record("a", 0.0)
    assert window.retry_after("a", now) == expected


def test_memory_is_bounded_by_max_keys() -> None:
    window = SlidingWindow(Rate(limit=1, seconds=60), max_keys=100)
    for n in range(1000):
        window.record(f"k{n}", 0.0)
    assert window.retry_after("k999", 1.0) > 0
    assert window.retry_after("k0", 1.0) == 0  # forgotten first
    assert len(window._events) == 100
