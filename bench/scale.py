"""Costs that should follow the change, not the catalogue: publishing one article and
approving one catalog entry through a running server on the synthetic corpus, timed one
request at a time (p50 of several; the article and the server warm)."""

from __future__ import annotations

import io
import statistics
import time
from pathlib import Path

import httpx
import msgspec
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from api.core.messages import article_messages
from api.core.model import Article
from bench.editor import Editorial, _run, create_token

__all__ = ["ChangeCost", "change_line", "measure_change_costs"]

ROUNDS = 5


class ChangeCost(msgspec.Struct, frozen=True, kw_only=True):
    """Median and spread of one kind of change on a corpus of `articles`."""

    articles: int
    kind: str  # "publish" or "approval"
    p50_ms: float
    max_ms: float
    runs: int
    note: str = ""


def measure_change_costs(base: str, db: Path, slug: str, articles: int) -> list[ChangeCost]:
    """Publish one article and approve one Spanish entry of it `ROUNDS` times each (after
    one unmeasured round of each), timing only the publishing and the approving request."""
    costs = [_publishes(base, db, slug, articles)]
    try:
        costs.append(_approvals(base, db, slug, articles))
    except httpx.HTTPError as exc:  # a failed approval is reported, not a failed run
        costs.append(_cost(articles, "approval", [], note=f"failed: {exc}"))
    return costs


def change_line(cost: ChangeCost) -> str:
    """One printed row: `publish one article, 1000 articles: p50 212.0 ms (max ..., 5 runs)`."""
    bound = 300 if cost.articles <= 1000 else 500
    if cost.note:
        return f"{cost.kind} one article, {cost.articles} articles: n/a ({cost.note})"
    verdict = "PASS" if cost.runs and cost.p50_ms <= bound else "MISS"
    return (
        f"{cost.kind} one article, {cost.articles} articles: p50 {cost.p50_ms} ms "
        f"(max {cost.max_ms} ms, {cost.runs} runs; target <= {bound} ms): {verdict}"
    )


def _cost(articles: int, kind: str, seconds: list[float], note: str = "") -> ChangeCost:
    measured = seconds[1:]  # the first warms the article and the server
    return ChangeCost(
        articles=articles,
        kind=kind,
        p50_ms=round(statistics.median(measured) * 1000, 1) if measured else 0.0,
        max_ms=round(max(measured) * 1000, 1) if measured else 0.0,
        runs=len(measured),
        note=note,
    )


def _publishes(base: str, db: Path, slug: str, articles: int) -> ChangeCost:
    editorial = Editorial(base, db, slug)
    try:
        for _ in range(ROUNDS + 1):
            editorial.publish_revision()
    finally:
        editorial.close()
    return _cost(articles, "publish", editorial.publish_seconds)


def _approvals(base: str, db: Path, slug: str, articles: int) -> ChangeCost:
    translator_token = create_token(db, f"bench-translator-{_run}", "translator", "es")
    reviewer_token = create_token(db, f"bench-approver-{_run}", "reviewer", "es")
    translator = {"Authorization": f"Bearer {translator_token}"}
    reviewer = {"Authorization": f"Bearer {reviewer_token}"}
    seconds: list[float] = []
    with httpx.Client(base_url=base, timeout=120) as client:
        head = client.get(f"/v1/manage/articles/{slug}", headers=reviewer)
        head.raise_for_status()
        article = msgspec.convert(head.json()["article"], Article)
        message = article_messages(article)[0]
        for n in range(ROUNDS + 1):
            catalog = Catalog(locale="es")
            catalog.add(message.source, f"{message.source} (revisión {n})", context=message.context)
            out = io.BytesIO()
            write_po(out, catalog, width=0)
            uploaded = client.put(
                f"/v1/manage/catalogs/es/articles/{slug}",
                content=out.getvalue(),
                headers={**translator, "Content-Type": "text/x-gettext-translation"},
            )
            uploaded.raise_for_status()
            pending = client.get(
                f"/v1/manage/catalogs/es/articles/{slug}/pending", headers=reviewer
            )
            pending.raise_for_status()
            started = time.perf_counter()
            approved = client.post(
                f"/v1/manage/catalogs/es/articles/{slug}/approve",
                json={"entries": [message.context]},
                headers={**reviewer, "If-Match": pending.headers["etag"]},
            )
            seconds.append(time.perf_counter() - started)
            approved.raise_for_status()
    return _cost(articles, "approval", seconds)
