"""The article list at catalogue scale (issue 27 point 4): `GET /v1/articles` page 1, a
deep page and a filtered search, on a 10-article and a 10,000-article database side by
side, through the real app in-process. The workspace's list reads the same rows with the
same query (`api.store.listing.article_page`).

The databases are the repository's content imported, plus synthetic list rows written
through the store (`store_summary`, what rendering writes per article), which is all a
list page reads: building 10,000 real articles takes minutes, these rows seconds."""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path

import msgspec
from litestar.testing import TestClient

from api.core.listing import ListQuery
from api.core.output import ArticleSummary, LocalizedText
from api.sources import read_content
from api.store.importer import import_content
from api.store.listing import article_page, store_summary
from api.store.schema import open_database, transaction
from api.web.app import create_app
from bench.servers import ROOT

__all__ = ["ListTiming", "listing_lines", "measure_listing"]

SIZES = (10, 10_000)
_REPEATS = 60
_TOPICS = ("scalp", "thinning", "shedding", "regrowth", "density", "alopecia", "follicle")
_STATUSES = ("current", "current", "current", "due-soon", "overdue")


class ListTiming(msgspec.Struct, frozen=True, kw_only=True):
    """p50 milliseconds of each request, per database size."""

    request: str
    url: str
    ms: dict[str, float]
    ratio: float
    """The largest database's p50 over the smallest's."""


def _database(folder: Path, articles: int, template: Path) -> Path:
    path = folder / f"list-{articles}.db"
    shutil.copyfile(template, path)
    db = open_database(path)
    (real,) = article_page(db, "en", ListQuery(limit=1))[0]
    summary = msgspec.json.decode(real, type=ArticleSummary)
    assert summary.review is not None
    with transaction(db):
        for n in range(1, articles):
            topic = _TOPICS[n % len(_TOPICS)]
            review = msgspec.structs.replace(summary.review, review_status=_STATUSES[n % 5])
            store_summary(
                db,
                msgspec.structs.replace(
                    summary,
                    slug=f"hair-{topic}-{n:05d}",
                    title=LocalizedText(text=f"Hair {topic} {n}", locale="en", fallback=False),
                    review=review,
                ),
            )
    db.conn.close()
    return path


def _p50(client: TestClient, url: str) -> float:  # type: ignore[type-arg]
    times = []
    for _ in range(_REPEATS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response.json(), (url, response.text)
    return round(statistics.median(times), 2)


def measure_listing(folder: Path) -> list[ListTiming]:
    """Each request's p50 on each database size."""
    template = folder / "list-template.db"
    db = open_database(template)
    import_content(db, read_content(ROOT / "content", ROOT / "locales"))
    db.conn.close()
    measured: dict[str, dict[str, float]] = {}
    urls: dict[str, str] = {}
    for size in SIZES:
        path = _database(folder, size, template)
        # A deep page: the one that starts nine tenths of the way down the list.
        deep_after = f"hair-density-{int(size * 0.9):05d}" if size > 10 else "hair-alopecia-00005"
        requests = {
            "page 1": "/v1/articles?limit=50",
            "deep page": f"/v1/articles?limit=50&after={deep_after}",
            "filtered search": "/v1/articles?q=hair+thinning&review_status=current&limit=50",
        }
        with TestClient(create_app(path)) as client:
            for name, url in requests.items():
                measured.setdefault(name, {})[str(size)] = _p50(client, url)
                urls[name] = url
    small, large = (str(s) for s in SIZES)
    return [
        ListTiming(
            request=name,
            url=urls[name],
            ms=ms,
            ratio=round(ms[large] / ms[small], 2) if ms[small] else 0.0,
        )
        for name, ms in measured.items()
    ]


def listing_lines(timings: list[ListTiming]) -> list[str]:
    """A Markdown table: each request at each size, and the ratio."""
    small, large = (f"{s:,} articles" for s in SIZES)
    lines = [
        f"| article list (p50 ms) | {small} | {large} | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for t in timings:
        values = list(t.ms.values())
        lines.append(f"| {t.request} | {values[0]} | {values[1]} | {t.ratio}× |")
    return lines


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vetted-list-") as work:
        for line in listing_lines(measure_listing(Path(work))):
            print(line)
