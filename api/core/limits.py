"""Rate limits: a rate (so many events per so many seconds) and a sliding-window counter
of events per key. Time is passed in, so the counter is pure and testable to the second."""

from __future__ import annotations

import math
from collections import OrderedDict, deque

import msgspec

__all__ = ["Rate", "SlidingWindow"]


class Rate(msgspec.Struct, frozen=True, kw_only=True):
    """At most `limit` events in any `seconds`-long window."""

    limit: int
    seconds: int


class SlidingWindow:
    """Counts events per key over the last `rate.seconds` and says when a key is over.

    Memory is bounded: at most `max_keys` keys are tracked, the least recently used going
    first, so a flood of distinct keys cannot grow it without limit.
    """

    def __init__(self, rate: Rate, *, max_keys: int = 10_000) -> None:
        self.rate = rate
        self._max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and events[0] <= now - self.rate.seconds:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def retry_after(self, key: str, now: float) -> int:
        """Whole seconds until `key` may act again; 0 when it may act now."""
        events = self._recent(key, now)
        if len(events) < self.rate.limit:
            return 0
        # The window frees a place when the oldest event that keeps it full ages out.
        oldest = events[len(events) - self.rate.limit]
        return max(1, math.ceil(oldest + self.rate.seconds - now))

    def record(self, key: str, now: float) -> None:
        """Count one event for `key` at `now`."""
        events = self._recent(key, now)
        if key not in self._events:
            self._events[key] = events
        self._events.move_to_end(key)
        events.append(now)
        # Keep no more than the limit: older events cannot matter any more.
        while len(events) > self.rate.limit:
            events.popleft()
        while len(self._events) > self._max_keys:
            self._events.popitem(last=False)
