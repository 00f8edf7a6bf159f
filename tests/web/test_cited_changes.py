"""A change of medical text cites what it rests on, at the door of every draft.

The repository's history already refused a version whose changed text cites nothing; a
draft made in the workspace or through the API could still publish one, and its export was
then refused on every import. Now the one rule (`api.core.history.needing_citation`) holds at
the door too: in an article with a reference list, a block whose text a draft changes must
cite a reference (the draft's message is its reason), unless the text is one an earlier
version published."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.store.accounts import create_token
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG

Client = TestClient[Any]
HEAD = f"/v1/manage/articles/{SLUG}"


@pytest.fixture()
def shipped(tmp_path: Path, shipped_db: Path) -> Iterator[tuple[Client, dict[str, dict[str, str]]]]:
    """The repository as shipped (version 2, with its reference list), an editor and a
    reviewer."""
    path = tmp_path / "shipped.db"
    shutil.copyfile(shipped_db, path)
    db = open_database(path)
    headers = {}
    for name, role in (("ed", "editor"), ("rev", "reviewer")):
        _, secret = create_token(db, name=name, role=role, locales=[""])
        headers[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    with TestClient(create_app(path)) as client:
        yield client, headers


def _head(client: Client, who: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    head = client.get(HEAD, headers=who)
    assert head.status_code == 200, head.text
    return copy.deepcopy(head.json()), {**who, "If-Match": head.headers["etag"]}


def _block(article: dict[str, Any], section_id: str, block_id: str) -> tuple[int, int, Any]:
    for i, section in enumerate(article["sections"]):
        if section["id"] == section_id:
            for k, block in enumerate(section["blocks"]):
                if block["id"] == block_id:
                    return i, k, block
    raise AssertionError(f"{section_id}/{block_id}")


def _uncited(article: dict[str, Any]) -> tuple[int, int, Any]:
    """A top-level paragraph of version 2 that cites nothing."""
    for i, section in enumerate(article["sections"]):
        for k, block in enumerate(section["blocks"]):
            if block["type"] == "paragraph" and not block.get("cites"):
                return i, k, block
    raise AssertionError("version 2 has an uncited paragraph")


def _cited_advice(
    client: Client, auth: dict[str, dict[str, str]]
) -> tuple[Any, Any, Any, tuple[int, int]]:
    """A draft adding advice to an uncited paragraph, citing the first reference: the
    response, the article sent, the edited block and where it is (section, block)."""
    head, headers = _head(client, auth["ed"])
    article = head["article"]
    i, k, block = _uncited(article)
    block["text"] += " Ask your doctor."
    block["cites"] = [article["references"][0]["id"]]
    made = client.post(
        f"{HEAD}/drafts", json={"article": article, "message": "add advice"}, headers=headers
    )
    assert made.status_code == 201, made.text
    return made, article, block, (i, k)


def _submit_and_publish(client: Client, auth: dict[str, dict[str, str]], made: Any) -> Any:
    """The editor submits the draft `made` answered, the reviewer publishes it."""
    draft = made.json()["id"]
    submitted = client.post(
        f"/v1/manage/drafts/{draft}/submit",
        headers={**auth["ed"], "If-Match": made.headers["etag"]},
    )
    assert submitted.status_code == 200, submitted.text
    return client.post(
        f"/v1/manage/drafts/{draft}/publish",
        headers={**auth["rev"], "If-Match": submitted.headers["etag"]},
    )


def test_changed_text_without_a_citation_is_422_at_the_blocks_cites(
    shipped: tuple[Client, dict[str, dict[str, str]]],
) -> None:
    client, auth = shipped
    head, headers = _head(client, auth["ed"])
    article = head["article"]
    assert article["references"]
    i, k, block = _uncited(article)
    block["text"] += " Ask your doctor."
    response = client.post(
        f"{HEAD}/drafts", json={"article": article, "message": "add advice"}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = [e.get("field", "") for e in response.json().get("errors", [])]
    assert f"$.article.sections[{i}].blocks[{k}].cites" in fields
    assert "without citing a reference" in response.text
    assert client.get("/v1/manage/drafts", headers=auth["ed"]).json() == []


def test_the_same_change_citing_a_reference_is_accepted_and_publishes(
    shipped: tuple[Client, dict[str, dict[str, str]]],
) -> None:
    client, auth = shipped
    made, _, _, _ = _cited_advice(client, auth)
    published = _submit_and_publish(client, auth, made)
    assert published.status_code == 200, published.text
    assert client.get(f"/v1/articles/{SLUG}").json()["version"] == 3


def test_a_revision_that_drops_the_citation_is_refused_too(
    shipped: tuple[Client, dict[str, dict[str, str]]],
) -> None:
    client, auth = shipped
    made, article, block, (i, k) = _cited_advice(client, auth)
    block.pop("cites")
    revised = client.put(
        f"/v1/manage/drafts/{made.json()['id']}",
        json={"article": article, "message": "without the source"},
        headers={**auth["ed"], "If-Match": made.headers["etag"]},
    )
    assert revised.status_code == 422, revised.text
    fields = [e.get("field", "") for e in revised.json().get("errors", [])]
    assert f"$.article.sections[{i}].blocks[{k}].cites" in fields


def test_a_rollback_brings_back_reviewed_text_without_a_new_citation(
    shipped: tuple[Client, dict[str, dict[str, str]]],
) -> None:
    """Version 3 cites a reference for its changed text; rolling back to version 2 brings
    back version 2's uncited text, which version 2 published: no citation is asked for."""
    client, auth = shipped
    made, _, _, _ = _cited_advice(client, auth)
    published = _submit_and_publish(client, auth, made)
    assert published.status_code == 200, published.text
    _, headers = _head(client, auth["ed"])
    rollback = client.post(
        f"{HEAD}/rollback",
        json={"to_version": 2, "reason": "The advice was added without review by a clinician"},
        headers=headers,
    )
    assert rollback.status_code == 201, rollback.text


def test_a_regulatory_status_for_a_form_its_quote_does_not_name_is_422(
    shipped: tuple[Client, dict[str, dict[str, str]]],
) -> None:
    """TR-5 at the door: minoxidil's `fda-approved` widened from topical to topical and
    oral, with the same quote (which names only the topical form), is refused at the
    statement's path."""
    client, auth = shipped
    head, headers = _head(client, auth["ed"])
    records = head["treatments"]
    i, minoxidil = next(
        (i, t) for i, t in enumerate(records["treatments"]) if t["id"] == "minoxidil"
    )
    assert minoxidil["regulatory"][0]["forms"] == ["topical"]
    minoxidil["regulatory"][0]["forms"] = ["topical", "oral"]
    response = client.post(
        f"{HEAD}/drafts",
        json={"article": head["article"], "treatments": records, "message": "widen"},
        headers=headers,
    )
    assert response.status_code == 422, response.text
    fields = [e.get("field", "") for e in response.json().get("errors", [])]
    assert f"$.treatments.treatments[{i}].regulatory[0].statement" in fields
    assert "does not name the oral form" in response.text
