"""Scheduled publication and withdrawal over HTTP (issue 28 point 2): the review happens at
scheduling time by the same rule; nothing embargoed reaches readers (article, bundle,
search, changes feed); once due, the first read carries the change out even if the sweep
is late, replayed answers included; no Cache-Control lifetime outlives the next change;
a schedule that no longer fits fails and is shown to editors."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api.core.access import Principal
from api.core.lifecycle import instant
from api.store.schedules import list_schedules
from api.store.schema import open_database
from api.store.webhooks import create_endpoint
from tests.conftest import SLUG
from tests.web.test_withdrawal import approve, request
from tests.web.test_workflow import ARTICLE, Client, _submitted, auth
from tests.workspace.pages import parse
from tests.workspace.people import sign_in

__all__ = ["auth"]

SCHEDULES = "/v1/manage/schedules"


def _at(seconds: float) -> str:
    return instant(datetime.now(UTC) + timedelta(seconds=seconds))


def _schedule(client: Client, who: dict[str, str], draft: int, etag: str, at: str) -> Any:
    return client.post(
        f"/v1/manage/drafts/{draft}/schedule",
        json={"publish_at": at},
        headers={**who, "If-Match": etag},
    )


def _fall_due(db_path: Path) -> None:
    """Time passes (the pending schedules' time is now past) while no sweep runs."""
    db = open_database(db_path)
    db.execute("UPDATE schedules SET due_at = ? WHERE state = 'pending'", [_at(-1)])
    db.conn.commit()
    db.conn.close()


def _max_age(response: Any) -> int:
    found = re.search(r"max-age=(\d+)", response.headers["cache-control"])
    assert found, response.headers["cache-control"]
    return int(found.group(1))


def test_a_scheduled_draft_is_reviewed_now_and_embargoed_until_its_time(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    draft, etag = _submitted(client, auth)
    # The review rule applies at scheduling time: the author cannot schedule their draft.
    own = _schedule(client, auth["ed"], draft, etag, _at(3600))
    assert own.status_code == 403, own.text
    past = _schedule(client, auth["rev"], draft, etag, "2020-01-01T00:00:00Z")
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "$.publish_at"
    before = client.get("/v1/changes", params={"since": 0, "locale": "en"}).json()["cursor"]
    scheduled = _schedule(client, auth["rev"], draft, etag, _at(3600))
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["status"] == "scheduled"
    # Embargoed: the article, the bundle, search and the changes feed know nothing of it.
    assert client.get(ARTICLE).json()["version"] == 1
    assert client.get("/v1/bundles/en").json()["articles"][0]["version"] == 1
    found = client.get("/v1/search", params={"q": "revolutionary", "locale": "en"}).json()
    assert found["results"], "version 1's wording is still what readers search"
    assert client.get("/v1/changes", params={"since": 0, "locale": "en"}).json()["cursor"] == before
    # A scheduled draft is not edited behind its reviewer's back.
    listed = client.get(SCHEDULES, headers=auth["ed"]).json()
    assert [(s["kind"], s["state"], s["draft_id"], s["overdue"]) for s in listed] == [
        ("publish", "pending", draft, False)
    ]
    # Once due, the first read publishes it, even though no sweep ran.
    _fall_due(db_path)
    latest = client.get(ARTICLE)
    assert latest.status_code == 200 and latest.json()["version"] == 2
    assert client.get("/v1/bundles/en").json()["articles"][0]["version"] == 2
    found = client.get("/v1/search", params={"q": "revolutionary", "locale": "en"}).json()
    assert found["results"] == []
    done = client.get(SCHEDULES, headers=auth["ed"]).json()[0]
    assert done["state"] == "done" and done["detail"] == "version 2 published"
    versions = client.get(f"{ARTICLE}/versions").json()
    assert versions[-1]["reviewer"] == "rev"
    audit = client.get("/v1/manage/audit", headers=auth["root"]).json()["entries"]
    assert "schedule.executed" in {e["action"] for e in audit}


def _lifetime(response: Any) -> int:
    """How long a cache may serve the answer: max-age plus stale-while-revalidate."""
    cache = response.headers["cache-control"]
    stale = re.search(r"stale-while-revalidate=(\d+)", cache)
    return _max_age(response) + (int(stale.group(1)) if stale else 0)


def test_no_cache_lifetime_outlives_the_next_scheduled_change(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    assert _lifetime(client.get(ARTICLE)) == 360
    draft, etag = _submitted(client, auth)
    # Ten minutes ahead: far enough that a loaded machine gets through the requests first.
    due = datetime.now(UTC) + timedelta(seconds=600)
    assert _schedule(client, auth["rev"], draft, etag, instant(due)).status_code == 200
    for path, params in [
        (ARTICLE, {}),
        (ARTICLE, {"version": 1, "locale": "en"}),
        ("/v1/articles", {}),
        ("/v1/bundles/es", {}),
        ("/v1/treatments", {}),
        ("/v1/changes", {"since": 0}),
        ("/v1/sitemap", {}),
    ]:
        first, replayed = client.get(path, params=params), client.get(path, params=params)
        for answer in (first, replayed):
            left = (due - datetime.now(UTC)).total_seconds()
            assert 0 < _lifetime(answer) <= left + 1, (path, answer.headers["cache-control"])
            assert "immutable" not in answer.headers["cache-control"]


def test_replayed_answers_end_when_the_change_falls_due(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    asked = request(client, auth["ed"], withdraw_at=_at(3600))
    approved = approve(client, auth["rev"], asked)
    assert approved.status_code == 200 and approved.json()["status"] == "scheduled"
    for _ in range(3):  # answered, then replayed from memory
        assert client.get(ARTICLE).status_code == 200
    assert client.get("/v1/articles").json()[0]["slug"] == SLUG
    _fall_due(db_path)
    gone = client.get(ARTICLE)
    assert gone.status_code == 410, gone.text
    assert client.get("/v1/articles").json() == []
    assert (
        client.get(f"/v1/manage/withdrawals/{asked.json()['id']}", headers=auth["ed"]).json()[
            "status"
        ]
        == "withdrawn"
    )


def test_a_schedule_that_no_longer_fits_fails_and_editors_see_it(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    draft, etag = _submitted(client, auth)
    assert _schedule(client, auth["rev"], draft, etag, _at(3600)).status_code == 200
    # An overdue schedule (the sweep is late, and no read came) is flagged.
    db = open_database(db_path)
    late = list_schedules(db, at=datetime.now(UTC) + timedelta(seconds=3700))
    assert [s.overdue for s in late] == [True]
    db.conn.close()
    # Meanwhile a reviewer withdraws the article: the scheduled version was reviewed
    # against version 1, published; it does not go live over a withdrawal.
    assert approve(client, auth["rev"], request(client, auth["ed"])).status_code == 200
    _fall_due(db_path)
    assert client.get(ARTICLE).status_code == 410
    failed = client.get(SCHEDULES, headers=auth["ed"], params={"state": "failed"}).json()
    assert len(failed) == 1 and failed[0]["draft_id"] == draft, failed
    assert "needs a new review" in failed[0]["detail"]
    back = client.get(f"/v1/manage/drafts/{draft}", headers=auth["ed"]).json()
    assert back["status"] == "in_review"


def test_a_scheduled_publication_can_be_called_off(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    draft, etag = _submitted(client, auth)
    scheduled = _schedule(client, auth["rev"], draft, etag, _at(3600))
    # Editing it would change what was reviewed: refused until the schedule is called off.
    edit = client.put(
        f"/v1/manage/drafts/{draft}",
        json={
            "article": client.get(f"/v1/manage/drafts/{draft}", headers=auth["ed"]).json()[
                "article"
            ],
            "message": "tweak",
        },
        headers={**auth["ed"], "If-Match": scheduled.headers["etag"]},
    )
    assert edit.status_code == 409, edit.text
    off = client.post(
        f"/v1/manage/drafts/{draft}/unschedule",
        headers={**auth["ed"], "If-Match": scheduled.headers["etag"]},
    )
    assert off.status_code == 200 and off.json()["status"] == "in_review", off.text
    assert [s["state"] for s in client.get(SCHEDULES, headers=auth["ed"]).json()] == ["cancelled"]
    _fall_due(db_path)
    assert client.get(ARTICLE).json()["version"] == 1


def test_editors_see_scheduled_and_failed_changes_on_the_dashboard(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    draft, etag = _submitted(client, auth)
    assert _schedule(client, auth["rev"], draft, etag, _at(3600)).status_code == 200
    asked = request(client, auth["ed"], kind="treatment", item="minoxidil", withdraw_at=_at(7200))
    assert approve(client, auth["rev"], asked).status_code == 200
    sign_in(client, auth["ed"]["Authorization"].removeprefix("Bearer "))
    page = parse(client.get("/workspace/dashboard").text)
    rows = page.select("tr.schedule-pending")
    assert [r.classes for r in rows] == [{"schedule-pending"}, {"schedule-pending"}]
    assert f"publish articles/{SLUG}" in rows[0].text
    assert "withdraw treatments/minoxidil" in rows[1].text
    # The draft's schedule fails (the article is withdrawn first): shown with why.
    assert approve(client, auth["rev"], request(client, auth["ed"])).status_code == 200
    _fall_due(db_path)
    db = open_database(db_path)
    db.execute(
        "UPDATE schedules SET due_at = ? WHERE kind = 'withdraw' AND state = 'pending'", [_at(7200)]
    )
    db.conn.commit()
    db.conn.close()
    page = parse(client.get("/workspace/dashboard").text)
    failed = page.one("tr.schedule-failed")
    assert "was withdrawn after draft" in failed.text and "needs a new review" in failed.text
    assert page.select("tr.schedule-pending")


def test_a_scheduled_withdrawal_announces_itself_to_webhooks_in_its_transaction(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    db = open_database(db_path)
    create_endpoint(
        db,
        Principal(name="root", role="admin"),
        "https://partner.example/hooks",
        ["article.withdrawn", "schedule.executed"],
    )
    db.conn.close()
    asked = request(client, auth["ed"], withdraw_at=_at(3600))
    assert approve(client, auth["rev"], asked).status_code == 200
    _fall_due(db_path)
    assert client.get(ARTICLE).status_code == 410
    cursor = client.get("/v1/changes", params={"since": 0, "locale": "en"}).json()["cursor"]
    db = open_database(db_path)
    events = [
        (kind, json.loads(body)["data"])
        for kind, body in db.execute("SELECT type, payload FROM webhook_events ORDER BY id")
    ]
    db.conn.close()
    assert events == [
        ("article.withdrawn", {"slug": SLUG, "version": 1, "cursor": cursor}),
        (
            "schedule.executed",
            {"slug": SLUG, "action": "withdraw", "version": 1, "cursor": cursor},
        ),
    ]


def test_a_defect_in_a_scheduled_change_fails_it_instead_of_holding_every_read(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    draft, etag = _submitted(client, auth)
    assert _schedule(client, auth["rev"], draft, etag, _at(3600)).status_code == 200
    db = open_database(db_path)
    db.execute("UPDATE draft_revisions SET body = '{' WHERE draft_id = ?", [draft])
    db.conn.commit()
    db.conn.close()
    _fall_due(db_path)
    for _ in range(2):
        answer = client.get(ARTICLE)
        assert answer.status_code == 200 and answer.json()["version"] == 1
    [failed] = client.get(SCHEDULES, headers=auth["ed"]).json()
    assert failed["state"] == "failed"
    assert failed["detail"].startswith("unexpected error (DecodeError)")
