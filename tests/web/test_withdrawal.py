"""Withdrawing published content over HTTP (issue 28 point 3): two people (the requester,
then a reviewer who is not them), readers get 410 with the notice (pinned versions too),
sync clients a removal, bundles, lists and search drop it, staff keep the history, and
publishing again is a new reviewed version."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from api.core.access import Principal
from api.sources import ContentSet
from api.store.importer import import_content
from api.store.schema import open_database
from api.store.versions import holds_content, published_slugs
from tests.conftest import SLUG
from tests.web.test_workflow import ARTICLE, HEAD, Client, _read, auth
from tests.workspace.pages import parse
from tests.workspace.people import sign_in

__all__ = ["auth"]

WITHDRAWALS = "/v1/manage/withdrawals"
NOTICE = "It described a treatment now under a safety review."


def request(client: Client, who: dict[str, str], **body: Any) -> Any:
    payload = {"kind": "article", "item": SLUG, "reason": "Regulator suspended it", **body}
    return client.post(WITHDRAWALS, json=payload, headers=who)


def approve(client: Client, who: dict[str, str], withdrawal: Any) -> Any:
    return client.post(
        f"{WITHDRAWALS}/{withdrawal.json()['id']}/approve",
        headers={**who, "If-Match": withdrawal.headers["etag"]},
    )


def withdraw_article(client: Client, auth: dict[str, dict[str, str]]) -> Any:
    asked = request(client, auth["ed"], notice=NOTICE)
    assert asked.status_code == 201, asked.text
    approved = approve(client, auth["rev"], asked)
    assert approved.status_code == 200, approved.text
    return approved.json()


def test_one_person_cannot_withdraw_alone(client: Client, auth: dict[str, dict[str, str]]) -> None:
    asked = request(client, auth["rev"])
    assert asked.status_code == 201 and asked.json()["status"] == "requested"
    # Urgency is a reason, not an exemption: the requester cannot approve, nor an editor.
    own = approve(client, auth["rev"], asked)
    assert own.status_code == 403, own.text
    assert "a second person must review it" in own.json()["detail"]
    assert approve(client, auth["ed"], asked).status_code == 403
    # Nothing changed for readers meanwhile.
    assert client.get(ARTICLE).status_code == 200


def test_readers_get_410_with_the_notice_for_the_latest_and_pinned_versions(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    before = client.get("/v1/changes", params={"since": 0, "locale": "es"}).json()
    done = withdraw_article(client, auth)
    assert done["status"] == "withdrawn" and done["through_version"] == 1
    for path, params in [
        (ARTICLE, {}),
        (ARTICLE, {"version": 1}),
        (ARTICLE, {"version": 1, "locale": "ar"}),
        (f"{ARTICLE}/sections/introduction", {"version": 1}),
        (f"{ARTICLE}/sections/alternatives/minoxidil", {}),
        (f"{ARTICLE}/jsonld", {"locale": "es"}),
        (f"{ARTICLE}/versions", {}),
        (f"{ARTICLE}/diff", {"from": 1, "to": 2}),
    ]:
        gone = client.get(path, params=params)
        assert gone.status_code == 410, (path, params, gone.text)
        assert gone.headers["content-type"] == "application/problem+json"
        problem = gone.json()
        assert problem["type"] == "/problems/gone"
        assert problem["detail"].endswith(NOTICE)
        assert problem["detail"].startswith(f"This article ({SLUG}) was withdrawn")
        assert problem["withdrawn_at"] == done["done_at"]
    # A version that never existed is still a plain 404.
    assert client.get(ARTICLE, params={"version": 7}).status_code == 404
    # Lists, bundles and search no longer hold it; sync clients get a tombstone.
    assert client.get("/v1/articles").json() == []
    bundle = client.get("/v1/bundles/es").json()
    assert bundle["articles"] == []
    found = client.get("/v1/search", params={"q": "minoxidil", "locale": "en"}).json()
    assert found["results"] == []
    changes = client.get("/v1/changes", params={"since": before["cursor"], "locale": "es"})
    assert {"kind": "article", "id": SLUG} in changes.json()["removed"]
    assert changes.json()["articles"] == []


def test_staff_keep_the_history_and_publishing_again_is_a_new_reviewed_version(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    withdraw_article(client, auth)
    head = client.get(HEAD, headers=auth["ed"])
    assert head.status_code == 200 and head.json()["version"] == 1
    audit = client.get("/v1/manage/audit", headers=auth["root"]).json()
    actions = [e["action"] for e in audit["entries"]]
    assert {"withdrawal.request", "withdrawal.approve", "article.withdraw"} <= set(actions)
    # The same words again, as a new draft a second person publishes: version 2.
    article = copy.deepcopy(head.json()["article"])
    created = client.post(
        f"{HEAD}/drafts",
        json={"article": article, "message": "Reviewed again: safe to publish"},
        headers=_read(client, auth["ed"]),
    )
    assert created.status_code == 201, created.text
    sent = client.post(
        f"/v1/manage/drafts/{created.json()['id']}/submit",
        headers={**auth["ed"], "If-Match": created.headers["etag"]},
    )
    published = client.post(
        f"/v1/manage/drafts/{created.json()['id']}/publish",
        headers={**auth["rev"], "If-Match": sent.headers["etag"]},
    )
    assert published.status_code == 200, published.text
    assert published.json()["number"] == 2
    assert client.get(ARTICLE).json()["version"] == 2
    assert [v["number"] for v in client.get(f"{ARTICLE}/versions").json()] == [2]
    # The withdrawn version stays withdrawn for readers.
    assert client.get(ARTICLE, params={"version": 1}).status_code == 410
    assert client.get("/v1/bundles/es").json()["articles"][0]["version"] == 2


def test_a_treatment_record_is_withdrawn_until_a_new_reviewed_version_of_it(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    asked = request(client, auth["ed"], kind="treatment", item="minoxidil")
    assert asked.status_code == 201, asked.text
    assert approve(client, auth["rev"], asked).status_code == 200
    gone = client.get("/v1/treatments/minoxidil", params={"locale": "es"})
    assert gone.status_code == 410, gone.text
    assert "This treatment record (minoxidil) was withdrawn" in gone.json()["detail"]
    assert "minoxidil" not in {t["id"] for t in client.get("/v1/treatments").json()}
    bundle = client.get("/v1/bundles/en").json()
    assert "minoxidil" not in {t["id"] for t in bundle["treatments"]}
    changes = client.get("/v1/changes", params={"since": 1, "locale": "en"}).json()
    assert {"kind": "treatment", "id": "minoxidil"} in changes["removed"]
    # A second request for what is already withdrawn is refused as not found.
    assert request(client, auth["ed"], kind="treatment", item="minoxidil").status_code == 404


def test_requests_are_validated_and_decided_once(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    assert request(client, auth["ed"], item="no-such-article").status_code == 404
    bad = request(client, auth["ed"], withdraw_at="2001-01-01T00:00:00Z")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "$.withdraw_at"
    naive = request(client, auth["ed"], withdraw_at="2031-01-01T00:00:00")
    assert naive.status_code == 422, naive.text
    assert request(client, auth["ed"], reason="\u202eevil").status_code == 422
    assert request(client, auth["es-tr"]).status_code == 403
    asked = request(client, auth["ed"])
    assert request(client, auth["ed2"]).status_code == 409  # one open request at a time
    declined = client.post(
        f"{WITHDRAWALS}/{asked.json()['id']}/reject",
        json={"comment": "The suspension was lifted"},
        headers={**auth["rev"], "If-Match": asked.headers["etag"]},
    )
    assert declined.status_code == 200 and declined.json()["status"] == "rejected"
    assert approve(client, auth["rev"], asked).status_code == 412  # its ETag moved on
    again = client.get(f"{WITHDRAWALS}/{asked.json()['id']}", headers=auth["ed"])
    assert approve(client, auth["rev"], again).status_code == 409
    assert client.get(ARTICLE).status_code == 200


def test_staff_find_a_withdrawn_article_and_its_history_in_the_workspace(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    withdraw_article(client, auth)
    sign_in(client, auth["ed"]["Authorization"].removeprefix("Bearer "))
    listed = parse(client.get("/workspace/articles").text)
    [item] = [li for li in listed.select("li") if SLUG in li.text]
    assert "withdrawn" in item.text
    # No link to the article page (nothing is rendered for it), one to its history.
    assert [a.get("href") for a in item.select("a")] == [f"/workspace/articles/{SLUG}/history"]
    history = client.get(f"/workspace/articles/{SLUG}/history")
    assert history.status_code == 200, history.text
    row = parse(history.text).one("tbody tr")
    assert row.select("td")[0].text == "1 withdrawn"


def test_withdrawing_everything_is_not_an_empty_database(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path, content: ContentSet
) -> None:
    """With its only article withdrawn, the server stays ready and an import of the
    repository publishes nothing: the files never undo the reviewers' withdrawal (before,
    an import, or `vetted serve` starting, took the database for an empty one and seeded
    it, publishing the article again without review)."""
    withdraw_article(client, auth)
    assert client.get("/readyz").status_code == 200
    db = open_database(db_path)
    report = import_content(db, content, author=Principal(name="ed", role="editor"))
    assert report.unchanged == [SLUG], report
    assert holds_content(db) and published_slugs(db) == []
    db.conn.close()
    assert client.get(ARTICLE).status_code == 410
