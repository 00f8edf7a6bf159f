"""References through the management API: a draft whose block or record cites an id the
article's reference list does not hold is refused with 422 and the JSON path of the id; a
draft that adds references and citations is shown in its diff and, once a second person
publishes it, readers get the citations per block and the list in the article."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.store.accounts import create_token
from api.store.schema import open_database
from tests.conftest import SLUG

Client = TestClient[Any]
HEAD = f"/v1/manage/articles/{SLUG}"
LABEL = {
    "id": "test-label",
    "title": "A test label",
    "publisher": "A regulator",
    "url": "https://example.org/label",
    "accessed": "2026-12-07",
}


@pytest.fixture()
def auth(db_path: Path) -> dict[str, dict[str, str]]:
    db = open_database(db_path)
    headers = {}
    for name, role in (("ed", "editor"), ("rev", "reviewer")):
        _, secret = create_token(db, name=name, role=role, locales=[""])
        headers[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    return headers


def _head(client: Client, who: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    head = client.get(HEAD, headers=who)
    assert head.status_code == 200, head.text
    return copy.deepcopy(head.json()), {**who, "If-Match": head.headers["etag"]}


def _intro_p2(article: dict[str, Any]) -> dict[str, Any]:
    section = next(s for s in article["sections"] if s["id"] == "introduction")
    block: dict[str, Any] = section["blocks"][1]
    assert block["id"] == "p2"
    return block


def _fields(response: Any) -> list[str]:
    return [e.get("field", "") for e in response.json().get("errors", [])]


def test_a_block_citing_an_unknown_reference_is_422_at_its_path(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    head, headers = _head(client, auth["ed"])
    article = head["article"]
    article["references"] = [*article.get("references", []), LABEL]
    _intro_p2(article)["cites"] = ["test-label", "no-such-source"]
    response = client.post(
        f"{HEAD}/drafts", json={"article": article, "message": "cite"}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "$.article.sections[0].blocks[1].cites[1]" in _fields(response)
    assert "no-such-source" in response.text
    assert client.get("/v1/manage/drafts", headers=auth["ed"]).json() == []


def test_a_record_citing_an_unknown_reference_is_422_at_its_path(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    head, headers = _head(client, auth["ed"])
    records = head["treatments"]
    records["treatments"][1]["regulatory"][0]["cites"] = ["not-listed"]
    response = client.post(
        f"{HEAD}/drafts",
        json={"article": head["article"], "treatments": records, "message": "cite"},
        headers=headers,
    )
    assert response.status_code == 422, response.text
    assert "$.treatments.treatments[1].regulatory[0].cites[0]" in _fields(response)


def test_references_go_through_review_and_reach_readers(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    head, headers = _head(client, auth["ed"])
    article = head["article"]
    article["references"] = [*article.get("references", []), LABEL]
    _intro_p2(article)["cites"] = ["test-label"]
    created = client.post(
        f"{HEAD}/drafts", json={"article": article, "message": "cite the label"}, headers=headers
    )
    assert created.status_code == 201, created.text
    draft = created.json()
    diff = client.get(f"/v1/manage/drafts/{draft['id']}/diff", headers=auth["ed"]).json()
    changed = {c["field"]: c for c in diff["against_base"]}
    assert changed["reference:test-label"]["change"] == "added"
    assert "https://example.org/label" in changed["reference:test-label"]["new"]
    etag = draft["etag"]
    submitted = client.post(
        f"/v1/manage/drafts/{draft['id']}/submit", headers={**auth["ed"], "If-Match": etag}
    )
    assert submitted.status_code == 200, submitted.text
    published = client.post(
        f"/v1/manage/drafts/{draft['id']}/publish",
        headers={**auth["rev"], "If-Match": submitted.headers["etag"]},
    )
    assert published.status_code in (200, 201), published.text
    reader = client.get(f"/v1/articles/{SLUG}?locale=fr").json()
    assert LABEL["id"] in [r["id"] for r in reader["references"]]
    assert _intro_p2(reader)["cites"] == ["test-label"]
    section = client.get(f"/v1/articles/{SLUG}/sections/introduction?locale=fr").json()
    assert [r["id"] for r in section["references"]] == ["test-label"]


def test_every_unsupported_claim_of_a_record_is_named(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    """All of them in one answer, each at its claim (the record editor shows each at its
    field): not the first and a count."""
    head, headers = _head(client, auth["ed"])
    records = head["treatments"]
    minoxidil = next(t for t in records["treatments"] if t["id"] == "minoxidil")
    minoxidil["kind"]["evidence"]["quote"] = "Words the paragraph does not have"
    minoxidil["regulatory"][0]["statement"] = "Nor these"
    response = client.post(
        f"{HEAD}/drafts",
        json={"article": head["article"], "treatments": records, "message": "quotes"},
        headers=headers,
    )
    assert response.status_code == 422, response.text
    assert _fields(response) == [
        "treatments/minoxidil/kind",
        "treatments/minoxidil/regulatory/0",
    ]
    assert "(and 1 more)" in response.json()["detail"]
