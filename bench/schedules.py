"""Schedules in the benchmark: a third `vetted serve`, on a copy of the database, where a
reviewed draft of the article waits for its `publish_at` and the published article has
an approved `withdraw_at`, so that every read compares its clock with the next scheduled
change and has its `Cache-Control` capped at it (api/web/lifecycle_gate.py). Its delivery
rows stand beside the plain server's, as the webhook server's do, and `make bench` prints
each pair's ratio: delivery must be unchanged with schedules and webhooks active
(issue 28; the bound, 0.95, is the bench's own noise, not a cost we allow).

`python -m bench.schedules` measures only these rows and the webhook server's beside the
plain server's (BENCH_SECONDS, BENCH_ROUNDS shorten or lengthen it) and prints them."""

from __future__ import annotations

import copy
import datetime
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.corpus import SOURCE_SLUG
from bench.editor import Editorial
from bench.report import OURS, Row, ratio
from bench.servers import Server, free_port, running, vetted_command

__all__ = ["BESIDE", "SCHEDULES", "beside_lines", "schedule_plans", "scheduled_server"]

SCHEDULES = "schedules"
WEBHOOKS = "webhooks"
BESIDE = {
    SCHEDULES: "a draft scheduled to go live and a withdrawal scheduled",
    WEBHOOKS: "a webhook sender running, an endpoint subscribed to every event",
}
BOUND = 0.95
PUBLISH_IN = datetime.timedelta(days=2)
WITHDRAW_IN = datetime.timedelta(days=3)
"""Both within a year: the gate caps every answer's lifetime at the next change (a change
further ahead caps nothing, and costs less)."""


def _moment(delta: datetime.timedelta) -> str:
    moment = datetime.datetime.now(datetime.UTC) + delta
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_changes(base_url: str, db: Path, slug: str = SOURCE_SLUG) -> None:
    """Through the management API, as editors do it: a revision of `slug` drafted,
    submitted and scheduled by a reviewer, and a withdrawal of `slug` asked by an editor and
    approved by a reviewer for later. Nothing changes for readers until then."""
    editorial = Editorial(base_url, db, slug)
    client, editor, reviewer = editorial.client, editorial.editor, editorial.reviewer
    try:
        head = _ok(client.get(f"/v1/manage/articles/{slug}", headers=editor))
        article: dict[str, Any] = copy.deepcopy(head.json()["article"])
        article["title"] = f"{article['title']} (embargoed revision)"
        created = _ok(
            client.post(
                f"/v1/manage/articles/{slug}/drafts",
                json={"article": article, "message": "benchmark: an embargoed revision"},
                headers={**editor, "If-Match": head.headers["etag"]},
            )
        )
        draft = created.json()["id"]
        submitted = _ok(
            client.post(
                f"/v1/manage/drafts/{draft}/submit",
                headers={**editor, "If-Match": created.headers["etag"]},
            )
        )
        _ok(
            client.post(
                f"/v1/manage/drafts/{draft}/schedule",
                json={"publish_at": _moment(PUBLISH_IN)},
                headers={**reviewer, "If-Match": submitted.headers["etag"]},
            )
        )
        asked = _ok(
            client.post(
                "/v1/manage/withdrawals",
                json={
                    "kind": "article",
                    "item": slug,
                    "reason": "Benchmark: a withdrawal scheduled for later.",
                    "notice": "Withdrawn for the benchmark.",
                    "withdraw_at": _moment(WITHDRAW_IN),
                },
                headers=editor,
            )
        )
        _ok(
            client.post(
                f"/v1/manage/withdrawals/{asked.json()['id']}/approve",
                headers={**reviewer, "If-Match": asked.headers["etag"]},
            )
        )
    finally:
        editorial.close()


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:500]}"
        )
    return response


@contextmanager
def scheduled_server(source_db: Path, work: Path) -> Iterator[Server]:
    """`vetted serve` on a copy of `source_db` with both changes scheduled."""
    db = work / "schedules.db"
    # SQLite's online backup: the source is being served, its WAL holds committed pages.
    source, target = sqlite3.connect(source_db), sqlite3.connect(db)
    with target:
        source.backup(target)
    source.close()
    target.close()
    port = free_port()
    with running(vetted_command(db, port), port, work / "schedules.log", ready_path="/readyz") as s:
        schedule_changes(s.url, db)
        yield s


def schedule_plans(base: str, path: str, etag: str) -> list[Any]:
    """The delivery rows of the server with changes scheduled."""
    from bench.run import article_plans

    return article_plans(SCHEDULES, "ours, schedules pending", base + path, etag)


def beside_ratios(rows: list[Row]) -> dict[str, float | None]:
    """requests/s with each of schedules and webhooks active over the plain server's."""
    return {
        f"{kind}: ours with {server} / ours": ratio(rows, server, OURS, kind)
        for server in (SCHEDULES, WEBHOOKS)
        for kind in ("article", "304")
    }


def beside_lines(rows: list[Row]) -> list[str]:
    """The ratios as `make bench` prints them, PASS or MISS against the bound."""
    out = []
    for name, value in beside_ratios(rows).items():
        server = name.split(" with ", 1)[1].split(" /", 1)[0]
        if value is None:
            out.append(f"{name}: n/a")
            continue
        verdict = "PASS" if value >= BOUND else "MISS"
        out.append(f"{name} ({BESIDE[server]}): {value:.2f}x (>= {BOUND}: {verdict})")
    return out


def _main() -> int:
    from bench.report import markdown_table
    from bench.run import ARTICLE, Bench, _get, _say, article_plans
    from bench.webhooks import receiving, webhook_plans, webhook_server

    with tempfile.TemporaryDirectory(prefix="vetted-bench-") as folder, ExitStack() as stack:
        work = Path(folder)
        bench = Bench(work)
        db = work / "real.db"
        _say("starting: vetted serve (seeding the real content)")
        port = free_port()
        ours = stack.enter_context(
            running(vetted_command(db, port), port, work / "vetted.log", ready_path="/readyz")
        )
        etag = _get(ours.url + ARTICLE).headers["etag"]
        _say("starting: vetted serve with a publication and a withdrawal scheduled")
        scheduled = stack.enter_context(scheduled_server(db, work))
        _say("starting: vetted serve with a webhook endpoint subscribed to every event")
        receiver = stack.enter_context(receiving())
        hooked = stack.enter_context(webhook_server(db, work, receiver))
        plans = [
            *article_plans(OURS, "ours", ours.url + ARTICLE, etag),
            *schedule_plans(scheduled.url, ARTICLE, etag),
            *webhook_plans(hooked.url, etag),
        ]
        bench.measure(plans)
    print(f"\n{markdown_table(bench.rows)}\n")
    for line in beside_lines(bench.rows):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
