"""Scheduled changes against the real server process (issue 28 point 2): what fell due
while the server was down is carried out before it serves; while it serves, a change is
carried out on time, by the sweep or by the first read after its time, and no answer's
cache lifetime outlives it; withdrawn content is 410 from the real server too."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api.core.lifecycle import instant
from api.store.accounts import create_token
from api.store.schema import open_database
from bench.servers import free_port
from tests.conftest import SLUG
from tests.test_server import served
from tests.web.test_workflow import NEW, OLD

pytestmark = pytest.mark.process

ARTICLE = f"/v1/articles/{SLUG}"


def _tokens(db_path: Path) -> dict[str, dict[str, str]]:
    db = open_database(db_path)
    out = {}
    for name, role in (("ed", "editor"), ("rev", "reviewer")):
        _, secret = create_token(db, name=name, role=role, locales=[])
        out[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    return out


def _schedule_edit(base: str, who: dict[str, dict[str, str]], at: datetime) -> int:
    """Version 2 (one word dropped) drafted by `ed`, approved by `rev` for `at`."""
    head = httpx.get(f"{base}/v1/manage/articles/{SLUG}", headers=who["ed"])
    article = head.json()["article"]
    intro = next(s for s in article["sections"] if s["id"] == "introduction")
    block = next(b for b in intro["blocks"] if b["id"] == "p1")
    assert block["text"] == OLD
    block["text"] = NEW
    created = httpx.post(
        f"{base}/v1/manage/articles/{SLUG}/drafts",
        json={"article": article, "message": "Embargoed correction"},
        headers={**who["ed"], "If-Match": head.headers["etag"]},
    )
    assert created.status_code == 201, created.text
    draft = created.json()["id"]
    sent = httpx.post(
        f"{base}/v1/manage/drafts/{draft}/submit",
        headers={**who["ed"], "If-Match": created.headers["etag"]},
    )
    scheduled = httpx.post(
        f"{base}/v1/manage/drafts/{draft}/schedule",
        json={"publish_at": instant(at)},
        headers={**who["rev"], "If-Match": sent.headers["etag"]},
    )
    assert scheduled.status_code == 200, scheduled.text
    return int(draft)


def _max_age(response: httpx.Response) -> int:
    found = re.search(r"max-age=(\d+)", response.headers["cache-control"])
    assert found, response.headers["cache-control"]
    return int(found.group(1))


def test_a_publication_due_while_the_server_was_down_is_served_from_its_first_answer(
    tree: Path, db_path: Path
) -> None:
    who = _tokens(db_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with served(tree, db_path, port):
        _schedule_edit(base, who, datetime.now(UTC) + timedelta(hours=1))
        assert httpx.get(f"{base}{ARTICLE}").json()["version"] == 1
    # The server is down when the time comes (an hour passes in the database's view).
    db = open_database(db_path)
    db.execute("UPDATE schedules SET due_at = '2020-01-01T00:00:00Z'")
    db.conn.commit()
    db.conn.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with served(tree, db_path, port):
        # Carried out at start-up, before the server answered anything.
        ready = instant(datetime.now(UTC))
        first = httpx.get(f"{base}{ARTICLE}")
        assert first.json()["version"] == 2
        schedules = httpx.get(f"{base}/v1/manage/schedules", headers=who["ed"]).json()
        assert [(s["state"], s["overdue"]) for s in schedules] == [("done", False)]
        assert schedules[0]["done_at"] <= ready


def test_a_change_goes_live_on_time_and_no_cache_lifetime_outlives_it(
    tree: Path, db_path: Path
) -> None:
    who = _tokens(db_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with served(tree, db_path, port):
        due = datetime.now(UTC) + timedelta(seconds=6)
        _schedule_edit(base, who, due)
        seen = httpx.get(f"{base}{ARTICLE}")
        assert seen.json()["version"] == 1
        assert 0 < _max_age(seen) <= 6 and "immutable" not in seen.headers["cache-control"]
        bundle = httpx.get(f"{base}/v1/bundles/en")
        assert _max_age(bundle) <= 6
        while datetime.now(UTC) < due:
            time.sleep(0.2)
        # The first answer after the time is the new version (from the sweep, or carried
        # out by this very read), then replayed.
        assert httpx.get(f"{base}{ARTICLE}").json()["version"] == 2
        assert httpx.get(f"{base}{ARTICLE}").json()["version"] == 2
        assert _max_age(httpx.get(f"{base}{ARTICLE}")) == 60
        assert httpx.get(f"{base}/v1/bundles/en").json()["articles"][0]["version"] == 2


def test_a_withdrawal_reaches_readers_of_the_real_server(tree: Path, db_path: Path) -> None:
    who = _tokens(db_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with served(tree, db_path, port):
        assert httpx.get(f"{base}{ARTICLE}?version=1&locale=es").status_code == 200
        page = httpx.get(f"{base}{ARTICLE}/html?locale=ar")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<html lang="ar" dir="rtl">' in page.text
        sitemap = httpx.get(f"{base}/v1/sitemap").json()
        assert [a["slug"] for a in sitemap["articles"]] == [SLUG]
        asked = httpx.post(
            f"{base}/v1/manage/withdrawals",
            json={"kind": "article", "item": SLUG, "reason": "Safety review"},
            headers=who["ed"],
        )
        approved = httpx.post(
            f"{base}/v1/manage/withdrawals/{asked.json()['id']}/approve",
            headers={**who["rev"], "If-Match": asked.headers["etag"]},
        )
        assert approved.status_code == 200, approved.text
        for path in (ARTICLE, f"{ARTICLE}?version=1&locale=es", f"{ARTICLE}/html?locale=ar"):
            gone = httpx.get(f"{base}{path}")
            assert gone.status_code == 410, gone.text
            assert gone.headers["content-type"] == "application/problem+json"
            assert gone.json()["withdrawn_at"] == approved.json()["done_at"]
        assert httpx.get(f"{base}/v1/articles").json() == []
        assert httpx.get(f"{base}/v1/sitemap").json() == {"articles": []}
