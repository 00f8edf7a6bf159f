"""Deterministic measures of the work a call does, for the tests that guard against
quadratic or exponential work on hostile input. They count (Python lines run, C functions
called, bytes allocated at the peak), never seconds: the machines are shared and a
wall-clock bound flakes under load. Speed targets live in `make bench`."""

from __future__ import annotations

import sys
import threading
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import CodeType, FrameType, ModuleType
from typing import Any

__all__ = ["Work", "measured"]


@dataclass
class Work:
    """What ran while a frame of one of the measured functions was on a thread's stack."""

    entered: int = 0
    """How many times a measured function was called (0: the expensive step never ran)."""
    lines: int = 0
    """Python lines run inside the measured functions and everything they called."""
    calls: int = 0
    """Python frames entered or resumed (a generator step is one) inside them."""
    c_calls: Counter[str] = field(default_factory=Counter)
    """C functions called from Python inside them, by qualified name."""
    peak_bytes: int = 0
    """Most memory allocated at once during the block, by any thread (tracemalloc)."""


def _name(function: Any) -> str:
    owner = getattr(function, "__self__", None)
    qualname = getattr(function, "__qualname__", repr(function))
    if owner is not None and not isinstance(owner, type | ModuleType) and "." not in qualname:
        return f"{type(owner).__name__}.{qualname}"
    return str(qualname)


@contextmanager
def measured(*functions: Callable[..., Any], max_lines: int | None = None) -> Iterator[Work]:
    """Count the work done inside `functions` in this thread and in threads started within
    the block (a test client's worker threads), and the block's peak memory. Past
    `max_lines` Python lines the measured code is stopped with an AssertionError, so a
    regression to quadratic work fails at once instead of running for minutes."""
    codes: set[CodeType] = {f.__code__ for f in functions}
    work = Work()
    state = threading.local()
    lock = threading.Lock()

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            with lock:
                work.lines += 1
                over = max_lines is not None and work.lines > max_lines
            if over:
                raise AssertionError(f"more than {max_lines} Python lines of work")
        elif event == "return" and frame.f_code in codes:
            state.inside -= 1
        return local

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        inside = getattr(state, "inside", 0)
        if frame.f_code in codes:
            state.inside = inside + 1
            with lock:
                work.entered += 1
                work.calls += 1
            return local
        if inside:
            with lock:
                work.calls += 1
            return local
        return None

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call" and getattr(state, "inside", 0):
            with lock:
                work.c_calls[_name(arg)] += 1

    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    threading.settrace(trace)
    threading.setprofile(profile)
    sys.settrace(trace)
    sys.setprofile(profile)
    try:
        yield work
    finally:
        sys.settrace(None)
        sys.setprofile(None)
        threading.settrace(None)  # type: ignore[arg-type]
        threading.setprofile(None)  # type: ignore[arg-type]
        work.peak_bytes = tracemalloc.get_traced_memory()[1]
        if not was_tracing:
            tracemalloc.stop()
