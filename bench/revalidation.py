"""Checks that the nginx cache in front of Vetted serves hits, answers conditional requests
with 304 and serves a newly published version once the old one's freshness runs out."""

from __future__ import annotations

import time

import httpx
import msgspec

__all__ = ["CacheChecks", "Freshness", "check_cache", "wait_for_etag"]

# The plain representation, as the measured rows ask for it: each content-coding has its
# own ETag, so the checks compare like with like.
_PLAIN = {"Accept-Encoding": "identity"}


class CacheChecks(msgspec.Struct, frozen=True, kw_only=True):
    """What the cache answered after warm-up."""

    warm_status: str
    hit_status: str
    etag_kept: bool
    conditional_status: int
    conditional_cache_status: str
    passed: bool


class Freshness(msgspec.Struct, frozen=True, kw_only=True):
    """How long after a publish the cache served the new ETag (None: not within the bound)."""

    old_etag: str
    new_etag: str
    seconds: float | None
    bound_s: float
    statuses: list[str]
    passed: bool


def check_cache(cache_url: str, path: str, origin_etag: str) -> CacheChecks:
    """Warm the cache with `path`, then expect a HIT with the origin's ETag and a 304 from
    the cache for that ETag."""
    with httpx.Client(base_url=cache_url, timeout=10, headers=_PLAIN) as client:
        warm = client.get(path)
        hit = client.get(path)
        conditional = client.get(path, headers={"If-None-Match": origin_etag})
    warm_status = warm.headers.get("x-cache-status", "")
    hit_status = hit.headers.get("x-cache-status", "")
    etag_kept = hit.headers.get("etag") == origin_etag and hit.status_code == 200
    conditional_cache = conditional.headers.get("x-cache-status", "")
    return CacheChecks(
        warm_status=warm_status,
        hit_status=hit_status,
        etag_kept=etag_kept,
        conditional_status=conditional.status_code,
        conditional_cache_status=conditional_cache,
        passed=hit_status == "HIT"
        and etag_kept
        and conditional.status_code == 304
        and conditional_cache == "HIT",
    )


def wait_for_etag(
    cache_url: str, path: str, old_etag: str, new_etag: str, bound_s: float
) -> Freshness:
    """Ask the cache once a second until it serves `new_etag`, at most `bound_s` seconds.
    Passes if it did, and if the first answer was the old version from the cache (a cache
    that just passes requests through would pass the first half alone)."""
    started = time.monotonic()
    statuses: list[str] = []
    seconds: float | None = None
    cached_first = False
    with httpx.Client(base_url=cache_url, timeout=10, headers=_PLAIN) as client:
        while time.monotonic() - started <= bound_s:
            response = client.get(path)
            etag = response.headers.get("etag", "")
            statuses.append(response.headers.get("x-cache-status", str(response.status_code)))
            if len(statuses) == 1:
                cached_first = etag == old_etag and statuses[0] == "HIT"
            if etag == new_etag:
                seconds = round(time.monotonic() - started, 1)
                break
            if etag != old_etag:
                statuses.append(f"unexpected ETag {etag}")
                break
            time.sleep(1)
    # Keep the log short: runs of the same status collapse into one entry with a count.
    collapsed: list[str] = []
    for status in statuses:
        if collapsed and collapsed[-1].split(" x")[0] == status:
            count = int(collapsed[-1].split(" x")[1]) if " x" in collapsed[-1] else 1
            collapsed[-1] = f"{status} x{count + 1}"
        else:
            collapsed.append(status)
    return Freshness(
        old_etag=old_etag,
        new_etag=new_etag,
        seconds=seconds,
        bound_s=bound_s,
        statuses=collapsed,
        passed=seconds is not None and cached_first,
    )
