"""The rules of scheduled changes: cache lifetimes capped at the next change, times in
the future and with a zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.core.errors import ValidationFailed
from api.core.lifecycle import cap_cache_control, scheduled_instant

LATEST = "public, max-age=60, stale-while-revalidate=300"
PINNED = "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    ("value", "left", "capped"),
    [
        (LATEST, 3600, LATEST),
        (LATEST, 360, LATEST),
        (LATEST, 359, "public, max-age=60, stale-while-revalidate=299"),
        (LATEST, 60, "public, max-age=60"),
        (LATEST, 20.9, "public, max-age=20"),
        (LATEST, 0, "public, max-age=0"),
        (LATEST, -5, "public, max-age=0"),
        (PINNED, 40_000_000, PINNED),
        (PINNED, 86_400, "public, max-age=86400"),
        ("no-store", 10, "no-store"),
    ],
)
def test_no_lifetime_outlives_the_next_change(value: str, left: float, capped: str) -> None:
    assert cap_cache_control(value, left) == capped


def test_a_scheduled_time_is_a_future_moment_with_a_zone() -> None:
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    assert scheduled_instant(now + timedelta(hours=1), now, "$.at") == "2026-12-07T13:00:00Z"
    for bad in (now, now - timedelta(seconds=1), now + timedelta(days=6 * 366)):
        with pytest.raises(ValidationFailed) as refused:
            scheduled_instant(bad, now, "$.at")
        assert refused.value.path == "$.at"
    with pytest.raises(ValidationFailed, match="time zone"):
        scheduled_instant(datetime(2027, 1, 1), now, "$.at")
