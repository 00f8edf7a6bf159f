"""The benchmark's server with changes scheduled (bench/schedules.py): its readers get the
same article and ETag as before, while every answer goes through the schedule check (a
pinned version's year-long, immutable lifetime is capped at the next change); and the
ratios `make bench` prints beside the plain server's."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bench.report import OURS, Row
from bench.schedules import (
    PUBLISH_IN,
    SCHEDULES,
    WEBHOOKS,
    beside_lines,
    schedule_plans,
    scheduled_server,
)
from bench.servers import free_port, running, vetted_command
from bench.wrk import WrkResult
from tests.conftest import SLUG

pytestmark = pytest.mark.process

ARTICLE = f"/v1/articles/{SLUG}?locale=es"
IDENTITY = {"Accept-Encoding": "identity"}
PINNED = f"/v1/articles/{SLUG}/sections/introduction?version=1"  # immutable: en, pinned


def test_the_scheduled_server_serves_the_same_article_through_the_schedule_check(
    tmp_path: Path, imported_db: Path
) -> None:
    db = tmp_path / "vetted.db"
    db.write_bytes(imported_db.read_bytes())
    port = free_port()
    with running(vetted_command(db, port, worker_count=1), port, tmp_path / "plain.log") as plain:
        before = httpx.get(plain.url + ARTICLE, headers=IDENTITY)
        pinned_before = httpx.get(f"{plain.url}{PINNED}", headers=IDENTITY)
        with scheduled_server(db, tmp_path) as scheduled:
            after = httpx.get(scheduled.url + ARTICLE, headers=IDENTITY)
            pinned = httpx.get(f"{scheduled.url}{PINNED}", headers=IDENTITY)
            plans = schedule_plans(scheduled.url, ARTICLE, after.headers["etag"])
            revalidated = httpx.get(plans[1].url, headers={**IDENTITY, **plans[1].headers})
    assert after.status_code == 200 and after.content == before.content
    assert after.headers["etag"] == before.headers["etag"]
    assert revalidated.status_code == 304
    # Without a schedule a pinned source-language section is immutable for a year; with one, its
    # lifetime ends at the scheduled publication: the gate checked the schedule.
    assert "immutable" in pinned_before.headers["cache-control"]
    capped = pinned.headers["cache-control"]
    assert "immutable" not in capped
    max_age = int(re.search(r"max-age=(\d+)", capped).group(1))  # type: ignore[union-attr]
    assert 0 < max_age <= PUBLISH_IN.total_seconds()


def _row(server: str, kind: str, rate: float) -> Row:
    result = WrkResult(
        requests=int(rate),
        seconds=1.0,
        requests_per_s=rate,
        p50_ms=1.0,
        p75_ms=1.0,
        p90_ms=1.0,
        p99_ms=2.0,
        non_2xx_3xx=0,
        socket_errors=0,
    )
    return Row(server=server, kind=kind, label=f"{server}: {kind}", result=result)


def test_the_ratios_beside_the_plain_server() -> None:
    rows = [
        _row(OURS, "article", 1000),
        _row(OURS, "304", 2000),
        _row(SCHEDULES, "article", 990),
        _row(SCHEDULES, "304", 1800),
        _row(WEBHOOKS, "article", 1000),
    ]
    lines = beside_lines(rows)
    assert lines[0].startswith("article: ours with schedules / ours") and "0.99x" in lines[0]
    assert lines[0].endswith("PASS)")
    assert "0.90x" in lines[1] and lines[1].endswith("MISS)")
    assert "1.00x" in lines[2] and lines[2].endswith("PASS)")
    assert lines[3] == "304: ours with webhooks / ours: n/a"
