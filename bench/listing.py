"""The article list at catalogue scale (issue 27 point 4): page 1, a deep page and a
filtered search of `GET /v1/articles` and of the workspace's list (signed in), on a
10-article and a 10,000-article database side by side, through the real app in-process.

The databases are the repository's content imported, plus synthetic list rows written
through the store (`store_summary`, what rendering writes per article), which is all a
list page reads: building 10,000 real articles takes minutes, these rows seconds."""

from __future__ import annotations

import re
import shutil
import statistics
import time
from contextlib import ExitStack
from pathlib import Path

import msgspec
from litestar.testing import TestClient

from api.core.listing import ListQuery
from api.core.output import ArticleSummary, LocalizedText
from api.sources import read_content
from api.store.accounts import create_token
from api.store.importer import import_content
from api.store.listing import article_page, store_summary
from api.store.schema import open_database, transaction
from api.web.app import create_app
from bench.servers import ROOT

__all__ = ["ListTiming", "listing_lines", "measure_listing"]

SIZES = (10, 10_000)
_REPEATS = 60
_TOPICS = ("scalp", "thinning", "shedding", "regrowth", "density", "alopecia", "follicle")
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
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


def _sign_in(client: TestClient, path: Path) -> None:  # type: ignore[type-arg]
    """An editor's session on the client, through the sign-in form."""
    db = open_database(path)
    _, secret = create_token(db, name="bench-editor", role="editor", locales=[])
    db.conn.close()
    form = client.get("/workspace/")
    found = _CSRF.search(form.text)
    assert found is not None, form.text
    signed = client.post(
        "/workspace/sign-in",
        data={"token": secret, "_csrf_token": found.group(1), "next": ""},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def _elapsed_ms(client: TestClient, url: str) -> float:  # type: ignore[type-arg]
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.text)
    assert b"hair" in response.content, (url, "an empty page")
    return elapsed


def _requests(size: int) -> dict[str, str]:
    """The requests timed on a database of `size` articles. Pages of 5, so that both sizes
    answer full pages: the same work asked of both."""
    # A deep page: the one that starts nine tenths of the way down the list.
    deep_after = f"hair-density-{int(size * 0.9):05d}" if size > 10 else "hair-alopecia-00005"
    api = {
        "page 1": "/v1/articles?limit=5",
        "deep page": f"/v1/articles?limit=5&after={deep_after}",
        "filtered search": "/v1/articles?q=hair&review_status=current&limit=5",
    }
    workspace = {
        f"workspace {name}": url.replace("/v1/articles", "/workspace/articles")
        for name, url in api.items()
    }
    return {**api, **workspace}


def measure_listing(folder: Path) -> list[ListTiming]:
    """Each request's p50 on each database size, the sizes measured in turn, request by
    request (a machine busy with something else slows both alike)."""
    template = folder / "list-template.db"
    db = open_database(template)
    import_content(db, read_content(ROOT / "content", ROOT / "locales"))
    db.conn.close()
    paths = {size: _database(folder, size, template) for size in SIZES}
    times: dict[str, dict[int, list[float]]] = {}
    with ExitStack() as stack:
        clients = {
            size: stack.enter_context(TestClient(create_app(path))) for size, path in paths.items()
        }
        for size, client in clients.items():
            _sign_in(client, paths[size])
        for _ in range(_REPEATS):
            for size, client in clients.items():
                for name, url in _requests(size).items():
                    times.setdefault(name, {}).setdefault(size, []).append(_elapsed_ms(client, url))
    small, large = SIZES
    out = []
    for name, by_size in times.items():
        ms = {str(size): round(statistics.median(t), 2) for size, t in by_size.items()}
        out.append(
            ListTiming(
                request=name,
                url=_requests(large)[name],
                ms=ms,
                ratio=round(ms[str(large)] / ms[str(small)], 2) if ms[str(small)] else 0.0,
            )
        )
    return out


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
