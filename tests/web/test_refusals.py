"""Refused management requests leave a trace an admin can read, with real tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.store.accounts import create_token
from api.store.schema import open_database
from tests.conftest import SLUG
from tests.web.test_workflow import _edited, _read

Client = TestClient[Any]
REFUSALS = "/v1/manage/audit/refusals"


@pytest.fixture()
def auth(db_path: Path) -> dict[str, dict[str, str]]:
    db = open_database(db_path)
    headers = {}
    for name, role in (("ed", "editor"), ("rev", "reviewer"), ("root", "admin")):
        _, secret = create_token(db, name=name, role=role, locales=[])
        headers[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    return headers


def _draft(client: Client, auth: dict[str, dict[str, str]]) -> tuple[int, str]:
    created = client.post(
        f"/v1/manage/articles/{SLUG}/drafts",
        json=_edited(client, auth["ed"]),
        headers=_read(client, auth["ed"]),
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], created.headers["etag"]


def test_refused_requests_are_listed_for_admins(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    draft_id, etag = _draft(client, auth)
    bad_secret = "vt_1_" + "x" * 40
    refused = [
        client.get("/v1/manage/drafts", headers={"Authorization": f"Bearer {bad_secret}"}),
        client.post(f"/v1/manage/drafts/{draft_id}/submit", headers=auth["ed"]),
        client.post(
            f"/v1/manage/drafts/{draft_id}/submit",
            headers={**auth["ed"], "If-Match": '"draft-1-r9"'},
        ),
        client.post(
            f"/v1/manage/drafts/{draft_id}/publish", headers={**auth["ed"], "If-Match": etag}
        ),
        client.post(
            f"/v1/manage/drafts/{draft_id}/publish", headers={**auth["rev"], "If-Match": etag}
        ),
    ]
    assert [r.status_code for r in refused] == [401, 428, 412, 403, 409]
    page = client.get(REFUSALS, headers=auth["root"])
    assert page.status_code == 200, page.text
    entries = page.json()["entries"]
    seen = [
        (e["status"], e["problem"], e["actor"], e["role"], e["method"], e["operation"])
        for e in reversed(entries)
    ]
    assert seen == [
        (401, "/problems/unauthorized", None, None, "GET", "listDrafts"),
        (428, "/problems/precondition-required", "ed", "editor", "POST", "submitDraft"),
        (412, "/problems/stale-version", "ed", "editor", "POST", "submitDraft"),
        (403, "/problems/forbidden", "ed", "editor", "POST", "publishDraft"),
        (409, "/problems/conflict", "rev", "reviewer", "POST", "publishDraft"),
    ]
    by_status = {e["status"]: e for e in entries}
    assert by_status[401]["path"] == "/v1/manage/drafts"
    assert by_status[401]["detail"] == "invalid or revoked token"
    assert by_status[412]["detail"].startswith('If-Match "draft-1-r9" does not match')
    assert all(e["at"].endswith("Z") and e["repeats"] == 1 for e in entries)
    # The refused writes themselves changed nothing: the draft is still a draft.
    draft = client.get(f"/v1/manage/drafts/{draft_id}", headers=auth["ed"]).json()
    assert draft["status"] == "draft" and draft["revision"] == 1
    # Filters and the cursor work like the audit log's.
    only = client.get(REFUSALS, params={"actor": "ed", "limit": 2}, headers=auth["root"]).json()
    assert [e["status"] for e in only["entries"]] == [403, 412]
    rest = client.get(
        REFUSALS,
        params={"actor": "ed", "limit": 2, "before": only["next_before"]},
        headers=auth["root"],
    ).json()
    assert [e["status"] for e in rest["entries"]] == [428] and rest["next_before"] is None
    stale = client.get(REFUSALS, params={"status": 412}, headers=auth["root"]).json()
    assert [e["status"] for e in stale["entries"]] == [412]
    # No secret is ever kept.
    db = open_database(db_path)
    dump = "".join(db.conn.iterdump())
    assert "x" * 40 not in dump
    assert not any(h["Authorization"].split("_", 2)[2] in dump for h in auth.values())


@pytest.mark.parametrize("who", ["ed", "rev"])
def test_only_admins_read_refusals(
    client: Client, auth: dict[str, dict[str, str]], who: str
) -> None:
    denied = client.get(REFUSALS, headers=auth[who])
    assert denied.status_code == 403
    assert denied.headers["content-type"].startswith("application/problem+json")
    assert client.get(REFUSALS).status_code == 401
    entries = client.get(REFUSALS, headers=auth["root"]).json()["entries"]
    assert [(e["status"], e["actor"], e["path"]) for e in entries] == [
        (401, None, REFUSALS),
        (403, who, REFUSALS),
    ]


def test_delivery_routes_and_successes_leave_no_refusal(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    assert client.get(f"/v1/articles/{SLUG}?version=99").status_code == 404
    assert client.get("/v1/manage/drafts", headers=auth["ed"]).status_code == 200
    assert client.get("/v1/manage/drafts/999", headers=auth["ed"]).status_code == 404
    assert client.get(REFUSALS, headers=auth["root"]).json()["entries"] == []
