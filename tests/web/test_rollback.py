"""Rollback over HTTP with real tokens (issue 25 point 4, partner review H2, workspace walk
finding 4): it brings back the article and its treatment records, asks why, names the
published changes it undoes, and publishing it (or any draft) never answers 500 whatever
changed since."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

from tests.conftest import SLUG
from tests.web.test_workflow import ARTICLE, HEAD, NEW, OLD, Client, _block, _read, auth

__all__ = ["auth"]  # the fixture, shared with the workflow tests

DRAFTS = f"/v1/manage/articles/{SLUG}/drafts"
SPIRO = "alternatives/spironolactone"


def _head(client: Client, who: dict[str, str]) -> Any:
    return client.get(HEAD, headers=who)


def _without_spironolactone(head: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The partner's version 2: the introduction reworded, the spironolactone record and
    its treatment_ref block removed."""
    article = copy.deepcopy(head["article"])
    _block(article, "introduction", "p1")["text"] = NEW
    for section in article["sections"]:
        for sub in section.get("sections", []):
            if sub["id"] == SPIRO:
                sub["blocks"] = [b for b in sub["blocks"] if b["type"] != "treatment_ref"]
    records = [r for r in head["treatments"]["treatments"] if r["id"] != "spironolactone"]
    return article, {"treatments": records}


def _publish_draft(
    client: Client, author: dict[str, str], reviewer: dict[str, str], body: dict[str, Any]
) -> Any:
    read = _head(client, author)
    created = client.post(DRAFTS, json=body, headers={**author, "If-Match": read.headers["etag"]})
    assert created.status_code == 201, created.text
    draft = created.json()["id"]
    sent = client.post(
        f"/v1/manage/drafts/{draft}/submit",
        headers={**author, "If-Match": created.headers["etag"]},
    )
    assert sent.status_code == 200, sent.text
    return client.post(
        f"/v1/manage/drafts/{draft}/publish",
        headers={**reviewer, "If-Match": sent.headers["etag"]},
    )


def _version_2_without_the_record(client: Client, auth: dict[str, dict[str, str]]) -> None:
    article, records = _without_spironolactone(_head(client, auth["ed"]).json())
    published = _publish_draft(
        client,
        auth["ed"],
        auth["rev"],
        {"article": article, "treatments": records, "message": "Drop spironolactone"},
    )
    assert published.status_code == 200, published.text
    assert "spironolactone" not in {t["id"] for t in client.get("/v1/treatments").json()}


def _rollback(client: Client, who: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post(f"{HEAD}/rollback", json=body, headers=_read(client, who))


def test_h2_a_rollback_past_a_removed_record_restores_it_and_publishes(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    """The partner's reproduction: before the fix, publishing this rollback was a 500
    (KeyError: 'spironolactone' while rendering)."""
    version_1 = client.get(ARTICLE, params={"locale": "en"}).json()
    records_1 = client.get("/v1/treatments").json()
    _version_2_without_the_record(client, auth)
    requested = _rollback(client, auth["rev"], {"to_version": 1, "reason": "Restore the record"})
    assert requested.status_code == 201, requested.text
    draft = requested.json()
    assert (draft["status"], draft["rollback_to"]) == ("in_review", 1)

    # Its diff names each reverted change against the head, and the version it undoes.
    diff = client.get(f"/v1/manage/drafts/{draft['id']}/diff", headers=auth["root"]).json()
    assert diff["message"] == "Roll back to version 1: Restore the record"
    changed = {c["field"]: c["change"] for c in diff["against_base"]}
    assert changed["block:introduction/p1"] == "changed"
    assert changed[f"block:{SPIRO}/treatment"] == "added"
    assert changed["treatment:spironolactone"] == "added"
    assert diff["rollback_to"] == 1
    [reverted] = diff["reverts"]
    assert (reverted["version"], reverted["message"]) == (2, "Drop spironolactone")
    assert (reverted["authors"], reverted["reviewer"]) == (["ed"], "rev")
    assert set(reverted["fields"]) >= {
        "block:introduction/p1",
        f"block:{SPIRO}/treatment",
        "treatment:spironolactone",
    }
    assert reverted["safety"] is True, "a removed treatment record is a medical change"
    assert diff["stale_claims"] == [] and diff["conflicts"] == []

    # The requester may not publish it; a second person does, by the one review rule.
    own = client.post(
        f"/v1/manage/drafts/{draft['id']}/publish",
        headers={**auth["rev"], "If-Match": requested.headers["etag"]},
    )
    assert own.status_code == 403
    published = client.post(
        f"/v1/manage/drafts/{draft['id']}/publish",
        headers={**auth["root"], "If-Match": requested.headers["etag"]},
    )
    assert published.status_code == 200, published.text
    assert published.json()["number"] == 3
    assert published.json()["message"] == "Roll back to version 1: Restore the record"

    # Readers get version 1's article and records again, the record rendered in place.
    current = client.get(ARTICLE, params={"locale": "en"}).json()
    assert current["version"] == 3
    assert current["sections"] == version_1["sections"]
    assert client.get("/v1/treatments").json() == records_1
    assert _block(current, "introduction", "p1")["text"] == OLD

    # Back to version 2 again: the record added since (by version 3) goes with its block.
    again = _rollback(client, auth["ed"], {"to_version": 2, "reason": "Drop it after all"})
    assert again.status_code == 201, again.text
    removed = client.post(
        f"/v1/manage/drafts/{again.json()['id']}/publish",
        headers={**auth["rev"], "If-Match": again.headers["etag"]},
    )
    assert removed.status_code == 200, removed.text
    assert "spironolactone" not in {t["id"] for t in client.get("/v1/treatments").json()}
    version_4 = client.get(ARTICLE, params={"locale": "en"}).json()
    assert version_4["sections"] == client.get(ARTICLE, params={"version": 2}).json()["sections"]


def test_rollback_restores_a_corrected_record_and_lists_the_correction(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    head = _head(client, auth["ed"]).json()
    records = copy.deepcopy(head["treatments"]["treatments"])
    spiro = next(r for r in records if r["id"] == "spironolactone")
    before = copy.deepcopy(spiro)
    spiro["cautions"] = []  # a record-only change: the article stays as it is
    published = _publish_draft(
        client,
        auth["ed"],
        auth["rev"],
        {
            "article": head["article"],
            "treatments": {"treatments": records},
            "message": "No caution",
        },
    )
    assert published.status_code == 200, published.text
    requested = _rollback(client, auth["ed2"], {"to_version": 1, "reason": "Caution back"})
    assert requested.status_code == 201, requested.text
    diff = client.get(f"/v1/manage/drafts/{requested.json()['id']}/diff", headers=auth["rev"])
    assert [c["field"] for c in diff.json()["against_base"]] == ["treatment:spironolactone"]
    assert diff.json()["reverts"][0]["fields"] == ["treatment:spironolactone"]
    done = client.post(
        f"/v1/manage/drafts/{requested.json()['id']}/publish",
        headers={**auth["rev"], "If-Match": requested.headers["etag"]},
    )
    assert done.status_code == 200, done.text
    served = {t["id"]: t for t in client.get("/v1/treatments").json()}
    assert (
        served["spironolactone"]["cautions"]
        == client.get("/v1/treatments/spironolactone").json()["cautions"]
    )
    assert len(served["spironolactone"]["cautions"]) == len(before["cautions"]) > 0


def test_a_rollback_needs_a_reason_under_the_text_policy(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    _version_2_without_the_record(client, auth)
    missing = _rollback(client, auth["rev"], {"to_version": 1})
    assert missing.status_code in (400, 422)
    assert missing.headers["content-type"] == "application/problem+json"
    assert "reason" in missing.text
    for reason, detail in (
        ("   ", "say why: a rollback needs a reason"),
        ("Undo\u202eit", "bidi control character U+202E (at $.reason)"),
    ):
        refused = _rollback(client, auth["rev"], {"to_version": 1, "reason": reason})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["detail"] == detail
    assert client.get("/v1/manage/drafts", headers=auth["rev"]).json()[0]["rollback_to"] is None


def test_a_rollback_that_cannot_hold_together_is_refused_when_requested(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    """A version stored before versions named their records (`treatments` 0) is checked
    against the records of today: its treatment_ref to a record removed since is a 409
    naming it, at the request, never a 500 at publishing."""
    _version_2_without_the_record(client, auth)
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE versions SET treatments = 0 WHERE slug = ? AND number = 1", [SLUG])
    conn.close()
    refused = _rollback(client, auth["rev"], {"to_version": 1, "reason": "Back"})
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "unknown treatment 'spironolactone'" in refused.json()["detail"]
    assert client.get("/v1/manage/drafts", headers=auth["rev"]).json()[0]["rollback_to"] is None


def test_a_draft_citing_a_record_removed_since_is_a_409_not_a_500(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    """Any draft: one written while the record existed, published after it was removed."""
    read = _head(client, auth["ed2"])
    article = copy.deepcopy(read.json()["article"])
    prp = next(
        s
        for sec in article["sections"]
        for s in sec.get("sections", [])
        if s["id"] == ("alternatives/prp")
    )
    prp["blocks"].append({"type": "treatment_ref", "id": "see-also", "treatment": "spironolactone"})
    created = client.post(
        DRAFTS,
        json={"article": article, "message": "See also spironolactone"},
        headers={**auth["ed2"], "If-Match": read.headers["etag"]},
    )
    assert created.status_code == 201, created.text
    sent = client.post(
        f"/v1/manage/drafts/{created.json()['id']}/submit",
        headers={**auth["ed2"], "If-Match": created.headers["etag"]},
    )
    _version_2_without_the_record(client, auth)
    diff = client.get(f"/v1/manage/drafts/{created.json()['id']}/diff", headers=auth["rev"])
    refused = client.post(
        f"/v1/manage/drafts/{created.json()['id']}/publish",
        headers={**auth["rev"], "If-Match": diff.headers["etag"]},
    )
    assert sent.status_code == 200
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "unknown treatment 'spironolactone'" in refused.json()["detail"]
    assert client.get(ARTICLE).json()["version"] == 2
