"""Resident memory of a process tree, read from /proc."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["rss_mb"]


def rss_mb(pids: Iterable[int]) -> float:
    """The summed resident set size of `pids`, in MB (processes that are gone count 0)."""
    total_kb = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
                break
    return total_kb / 1024
