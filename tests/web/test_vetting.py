"""The review rule on every path to readers, over HTTP with real tokens: four eyes for
publish and rollback, scopes, no lost updates, and reviews that show what is approved."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import SLUG
from tests.web.test_workflow import ARTICLE, HEAD, NEW, OLD, Client, _block, _read, auth

__all__ = ["auth"]  # the fixture, shared with the workflow tests

DRAFTS = f"/v1/manage/articles/{SLUG}/drafts"
CORRECTED = OLD.replace("a revolutionary approach", "an experimental approach")


def _article(client: Client, who: dict[str, str]) -> dict[str, Any]:
    return copy.deepcopy(client.get(HEAD, headers=who).json()["article"])


def _with_text(article: dict[str, Any], section: str, block: str, text: str) -> dict[str, Any]:
    changed = copy.deepcopy(article)
    _block(changed, section, block)["text"] = text
    return changed


def _create(
    client: Client, who: dict[str, str], article: dict[str, Any], if_match: str, message: str
) -> Any:
    response = client.post(
        DRAFTS, json={"article": article, "message": message}, headers={**who, "If-Match": if_match}
    )
    assert response.status_code == 201, response.text
    return response


def _submit(client: Client, who: dict[str, str], draft: int, etag: str) -> str:
    response = client.post(f"/v1/manage/drafts/{draft}/submit", headers={**who, "If-Match": etag})
    assert response.status_code == 200, response.text
    return str(response.headers["etag"])


def _publish(client: Client, who: dict[str, str], draft: int, etag: str) -> Any:
    return client.post(f"/v1/manage/drafts/{draft}/publish", headers={**who, "If-Match": etag})


def _published_correction(client: Client, auth: dict[str, dict[str, str]]) -> None:
    """Version 2: the introduction's first paragraph corrected by ed, published by rev."""
    read = _read(client, auth["ed"])
    article = _with_text(_article(client, auth["ed"]), "introduction", "p1", CORRECTED)
    created = _create(client, auth["ed"], article, read["If-Match"], "Correct the claim")
    etag = _submit(client, auth["ed"], created.json()["id"], created.headers["etag"])
    assert _publish(client, auth["rev"], created.json()["id"], etag).status_code == 200


def test_an_admin_who_rewrote_a_draft_cannot_publish_it_and_versions_name_every_writer(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    read = _read(client, auth["ed"])
    article = _with_text(_article(client, auth["ed"]), "introduction", "p1", NEW)
    created = _create(client, auth["ed"], article, read["If-Match"], "Editor's change")
    draft = created.json()["id"]
    rewritten = client.put(
        f"/v1/manage/drafts/{draft}",
        json={"article": {**article, "title": "The admin's title"}, "message": "Admin's words"},
        headers={**auth["root"], "If-Match": created.headers["etag"]},
    )
    assert rewritten.status_code == 200, rewritten.text
    etag = _submit(client, auth["root"], draft, rewritten.headers["etag"])
    alone = _publish(client, auth["root"], draft, etag)
    assert alone.status_code == 403
    assert "you wrote part of this draft" in alone.json()["detail"]
    assert client.get(ARTICLE).json()["version"] == 1
    published = _publish(client, auth["rev"], draft, etag)
    assert published.status_code == 200, published.text
    (_, second) = client.get(f"{ARTICLE}/versions").json()
    assert second["authors"] == ["ed", "root"] and second["reviewer"] == "rev"
    diff = client.get(f"{ARTICLE}/diff", params={"from": 1, "to": 2}).json()
    assert diff["fields"] == [
        {
            "field": "title",
            "change": "changed",
            "old": "Stem cell therapy for hair loss",
            "new": "The admin's title",
        }
    ]


def test_a_reviewer_scoped_to_a_locale_reviews_no_source_text(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    read = _read(client, auth["ed"])
    article = _with_text(_article(client, auth["ed"]), "introduction", "p1", NEW)
    created = _create(client, auth["ed"], article, read["If-Match"], "change")
    etag = _submit(client, auth["ed"], created.json()["id"], created.headers["etag"])
    refused = _publish(client, auth["es-rev"], created.json()["id"], etag)
    assert refused.status_code == 403
    assert "not source text" in refused.json()["detail"]
    rollback = client.post(
        f"{HEAD}/rollback",
        json={"to_version": 1, "reason": "Undo the change"},
        headers=_read(client, auth["ed"]),
    )
    assert rollback.status_code in (403, 409)
    scoped = client.post(
        f"{HEAD}/rollback",
        json={"to_version": 1, "reason": "Undo the change"},
        headers={**auth["es-rev"], "If-Match": f'"article-{SLUG}-v1-t1"'},
    )
    assert scoped.status_code == 403 and "not source text" in scoped.json()["detail"]
    assert client.get(ARTICLE).json()["version"] == 1


def test_a_rollback_is_a_review_not_a_publish(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    _published_correction(client, auth)
    requested = client.post(
        f"{HEAD}/rollback",
        json={"to_version": 1, "reason": "Undo the change"},
        headers=_read(client, auth["rev"]),
    )
    assert requested.status_code == 201, requested.text
    draft = requested.json()
    assert (draft["status"], draft["author"], draft["base_version"]) == ("in_review", "rev", 2)
    assert client.get(ARTICLE).json()["version"] == 2, "nothing reached readers"
    own = _publish(client, auth["rev"], draft["id"], requested.headers["etag"])
    assert own.status_code == 403
    published = _publish(client, auth["root"], draft["id"], requested.headers["etag"])
    assert published.status_code == 200, published.text
    current = client.get(ARTICLE).json()
    assert current["version"] == 3 and _block(current, "introduction", "p1")["text"] == OLD


def test_a_draft_needs_the_version_its_author_read(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    article = _with_text(_article(client, auth["ed"]), "introduction", "p1", NEW)
    body = {"article": article, "message": "no read"}
    missing = client.post(DRAFTS, json=body, headers=auth["ed"])
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = client.post(DRAFTS, json=body, headers={**auth["ed"], "If-Match": '"article-x-v1"'})
    assert wrong.status_code == 412
    star = client.post(DRAFTS, json=body, headers={**auth["ed"], "If-Match": "*"})
    assert star.status_code == 428
    assert client.get("/v1/manage/drafts", headers=auth["ed"]).json() == []


def test_a_draft_from_a_read_before_a_correction_does_not_undo_it(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    stale_read = _read(client, auth["ed2"])
    stale_copy = _article(client, auth["ed2"])
    _published_correction(client, auth)
    # ed2 edits another paragraph of the copy read before the correction.
    edited = _with_text(stale_copy, "introduction", "p2", "Another change.")
    created = _create(client, auth["ed2"], edited, stale_read["If-Match"], "Other paragraph")
    assert created.json()["base_version"] == 1 and created.json()["head_version"] == 2
    etag = _submit(client, auth["ed2"], created.json()["id"], created.headers["etag"])
    diff = client.get(f"/v1/manage/drafts/{created.json()['id']}/diff", headers=auth["rev"]).json()
    assert diff["conflicts"] == []
    assert [c["field"] for c in diff["against_head"]] == ["block:introduction/p2"]
    published = _publish(client, auth["rev"], created.json()["id"], etag)
    assert published.status_code == 200, published.text
    served = client.get(ARTICLE).json()
    assert _block(served, "introduction", "p1")["text"] == CORRECTED, "the correction stays"
    assert _block(served, "introduction", "p2")["text"] == "Another change."


def test_both_sides_changing_a_block_is_a_conflict_the_author_resolves(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    stale_read = _read(client, auth["ed2"])
    stale_copy = _article(client, auth["ed2"])
    _published_correction(client, auth)
    edited = _with_text(stale_copy, "introduction", "p1", NEW)
    created = _create(client, auth["ed2"], edited, stale_read["If-Match"], "Reword")
    draft = created.json()["id"]
    etag = _submit(client, auth["ed2"], draft, created.headers["etag"])
    diff = client.get(f"/v1/manage/drafts/{draft}/diff", headers=auth["rev"]).json()
    (conflict,) = diff["conflicts"]
    assert conflict == {
        "unit": "block:introduction/p1",
        "base": OLD,
        "draft": NEW,
        "head": CORRECTED,
    } | {k: conflict[k] for k in conflict if k not in ("unit", "base", "draft", "head")}
    blocked = _publish(client, auth["rev"], draft, etag)
    assert blocked.status_code == 409 and "block:introduction/p1" in blocked.json()["detail"]
    # Saving again keeps the base: no silent rebase.
    again = client.put(
        f"/v1/manage/drafts/{draft}",
        json={"article": _with_text(edited, "introduction", "p2", "Also this."), "message": "m"},
        headers={**auth["ed2"], "If-Match": etag},
    )
    assert again.status_code == 200 and again.json()["base_version"] == 1
    # The author resolves: content made against the head, declared so.
    resolved_text = CORRECTED.replace("experimental approach", "experimental, new approach")
    resolved = client.put(
        f"/v1/manage/drafts/{draft}",
        json={
            "article": _with_text(
                _article(client, auth["ed2"]), "introduction", "p1", resolved_text
            ),
            "message": "Resolved against version 2",
            "base_version": 2,
        },
        headers={**auth["ed2"], "If-Match": again.headers["etag"]},
    )
    assert resolved.status_code == 200 and resolved.json()["base_version"] == 2
    etag = _submit(client, auth["ed2"], draft, resolved.headers["etag"])
    final = _publish(client, auth["rev"], draft, etag)
    assert final.status_code == 200, final.text
    served = _block(client.get(ARTICLE).json(), "introduction", "p1")
    assert served["text"] == resolved_text


def test_a_publish_since_the_review_changes_the_draft_etag(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    read = _read(client, auth["ed2"])
    edited = _with_text(_article(client, auth["ed2"]), "introduction", "p2", "Another change.")
    created = _create(client, auth["ed2"], edited, read["If-Match"], "Other paragraph")
    seen = _submit(client, auth["ed2"], created.json()["id"], created.headers["etag"])
    _published_correction(client, auth)
    stale = _publish(client, auth["rev"], created.json()["id"], seen)
    assert stale.status_code == 412, "the reviewer saw the draft against version 1"


def test_the_draft_diff_shows_every_field_authors_message_and_locale_impact(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    read = _read(client, auth["ed"])
    article = {
        **_with_text(_article(client, auth["ed"]), "introduction", "p1", NEW),
        "title": "Stem cell therapy for hair loss: what is known",
    }
    created = _create(client, auth["ed"], article, read["If-Match"], "Drop 'revolutionary'")
    diff = client.get(f"/v1/manage/drafts/{created.json()['id']}/diff", headers=auth["rev"])
    assert diff.status_code == 200
    body = diff.json()
    assert body["message"] == "Drop 'revolutionary'" and body["authors"] == ["ed"]
    assert [r["author"] for r in body["revisions"]] == ["ed"]
    fields = {c["field"]: c for c in body["against_base"]}
    assert fields["title"] == {
        "field": "title",
        "change": "changed",
        "old": "Stem cell therapy for hair loss",
        "new": "Stem cell therapy for hair loss: what is known",
    }
    assert fields["block:introduction/p1"]["old"] == OLD
    assert fields["block:introduction/p1"]["new"] == NEW
    impact = {i["locale"]: i for i in body["impact"]}
    spanish = impact["es"]
    assert f"{SLUG}/introduction/p1" in spanish["loses_translation"]
    assert f"{SLUG}/title" in spanish["loses_translation"]
    before, after = spanish["completeness_before"], spanish["completeness_after"]
    assert before["translated"] - after["translated"] == len(spanish["loses_translation"])
    assert body["etag"] == diff.headers["etag"] == created.headers["etag"]


def test_drafts_can_be_withdrawn_and_no_op_writes_are_refused(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    read = _read(client, auth["ed"])
    same = client.post(
        DRAFTS, json={"article": _article(client, auth["ed"]), "message": "nothing"}, headers=read
    )
    assert same.status_code == 422 and same.json()["type"] == "/problems/nothing-changed"
    article = _with_text(_article(client, auth["ed"]), "introduction", "p1", NEW)
    created = _create(client, auth["ed"], article, read["If-Match"], "change")
    draft = created.json()["id"]
    unchanged = client.put(
        f"/v1/manage/drafts/{draft}",
        json={"article": article, "message": "again"},
        headers={**auth["ed"], "If-Match": created.headers["etag"]},
    )
    assert unchanged.status_code == 422 and "nothing changed" in unchanged.json()["detail"]
    withdrawn = client.post(
        f"/v1/manage/drafts/{draft}/withdraw",
        json={"comment": "Not needed after all."},
        headers={**auth["ed"], "If-Match": created.headers["etag"]},
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    submit = client.post(
        f"/v1/manage/drafts/{draft}/submit",
        headers={**auth["ed"], "If-Match": withdrawn.headers["etag"]},
    )
    assert submit.status_code == 409
    entries = client.get("/v1/manage/audit", headers=auth["root"]).json()["entries"]
    assert ("draft.withdraw", "ed") in {(e["action"], e["actor"]) for e in entries}
    assert ("draft.update", "ed") not in {(e["action"], e["actor"]) for e in entries}


@pytest.mark.parametrize("who", ["es-tr", "rev"])
def test_only_writers_withdraw(client: Client, auth: dict[str, dict[str, str]], who: str) -> None:
    read = _read(client, auth["ed"])
    article = _with_text(_article(client, auth["ed"]), "introduction", "p1", NEW)
    created = _create(client, auth["ed"], article, read["If-Match"], "change")
    refused = client.post(
        f"/v1/manage/drafts/{created.json()['id']}/withdraw",
        json={},
        headers={**auth[who], "If-Match": created.headers["etag"]},
    )
    assert refused.status_code == 403


def _with_suitability(head: dict[str, Any], text: str) -> list[dict[str, Any]]:
    records = copy.deepcopy(head["treatments"]["treatments"])
    stem = next(r for r in records if r["id"] == "stem-cell-therapy")
    stem["suitable_for"] = {"text": text, "source": "candidates/p1"}  # quoted word for word
    return records


TYPICALLY = (
    "typically include individuals with androgenetic alopecia (male or female pattern hair "
    "loss) or early-stage hair thinning and those who have not responded to traditional "
    "treatments"
)


def test_article_text_and_a_treatment_record_are_corrected_in_one_review(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    read = client.get(HEAD, headers=auth["ed"])
    head = read.json()
    assert (head["treatments_version"], read.headers["etag"]) == (1, f'"article-{SLUG}-v1-t1"')
    article = _with_text(head["article"], "introduction", "p1", NEW)
    created = client.post(
        DRAFTS,
        json={
            "article": article,
            "treatments": {"treatments": _with_suitability(head, TYPICALLY)},
            "message": "Candidacy is typical, not definite",
        },
        headers={**auth["ed"], "If-Match": read.headers["etag"]},
    )
    assert created.status_code == 201, created.text
    draft = created.json()["id"]
    diff = client.get(f"/v1/manage/drafts/{draft}/diff", headers=auth["rev"]).json()
    fields = [c["field"] for c in diff["against_base"]]
    assert fields == ["block:introduction/p1", "treatment:stem-cell-therapy"]
    assert TYPICALLY in diff["against_base"][1]["new"]
    etag = _submit(client, auth["ed"], draft, created.headers["etag"])
    assert client.get("/v1/treatments").json()[0]["suitable_for"]["text"] != TYPICALLY
    published = _publish(client, auth["rev"], draft, etag)
    assert published.status_code == 200, published.text
    record = next(t for t in client.get("/v1/treatments").json() if t["id"] == "stem-cell-therapy")
    assert record["suitable_for"]["text"] == TYPICALLY
    assert _block(client.get(ARTICLE).json(), "introduction", "p1")["text"] == NEW
    entries = client.get("/v1/manage/audit", headers=auth["root"]).json()["entries"]
    assert [(e["action"], e["actor"]) for e in entries[:2]] == [
        ("article.publish", "rev"),
        ("treatments.publish", "rev"),
    ]
    assert client.get(HEAD, headers=auth["ed"]).headers["etag"] == f'"article-{SLUG}-v2-t2"'
    public = client.get(f"{ARTICLE}/diff", params={"from": 1, "to": 2}).json()
    assert [c["field"] for c in public["fields"]] == ["treatment:stem-cell-therapy"]
    assert TYPICALLY in public["fields"][0]["new"]


def test_a_treatment_record_changed_since_the_read_is_merged_not_undone(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    read = client.get(HEAD, headers=auth["ed2"])
    stale = read.json()
    # Someone else corrects the record first.
    first = client.get(HEAD, headers=auth["ed"])
    created = client.post(
        DRAFTS,
        json={
            "article": first.json()["article"],
            "treatments": {"treatments": _with_suitability(first.json(), TYPICALLY)},
            "message": "typically",
        },
        headers={**auth["ed"], "If-Match": first.headers["etag"]},
    )
    etag = _submit(client, auth["ed"], created.json()["id"], created.headers["etag"])
    assert _publish(client, auth["rev"], created.json()["id"], etag).status_code == 200
    # ed2 changes another record from the copy read before.
    records = copy.deepcopy(stale["treatments"]["treatments"])
    prp = next(r for r in records if r["id"] == "prp")
    prp["suitable_for"] = {
        "text": "suitable for those experiencing thinning or early-stage hair loss",
        "source": "alternatives/prp/p2",
    }
    late = client.post(
        DRAFTS,
        json={
            "article": _with_text(stale["article"], "introduction", "p2", "Another change."),
            "treatments": {"treatments": records},
            "message": "prp",
        },
        headers={**auth["ed2"], "If-Match": read.headers["etag"]},
    )
    assert late.status_code == 201, late.text
    etag = _submit(client, auth["ed2"], late.json()["id"], late.headers["etag"])
    assert _publish(client, auth["rev"], late.json()["id"], etag).status_code == 200
    served = {t["id"]: t for t in client.get("/v1/treatments").json()}
    assert served["stem-cell-therapy"]["suitable_for"]["text"] == TYPICALLY
    assert served["prp"]["suitable_for"]["text"].startswith("suitable for")


def test_a_pinned_version_keeps_its_bytes_when_the_records_change(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    pinned = client.get(ARTICLE, params={"version": 1, "locale": "en"})
    # Current, version 1 revalidates (a review would change its review dates).
    assert "immutable" not in pinned.headers["cache-control"]
    read = client.get(HEAD, headers=auth["ed"])
    records = copy.deepcopy(read.json()["treatments"])
    stem = next(r for r in records["treatments"] if r["id"] == "stem-cell-therapy")
    stem["name"] = "Stem Cell Therapy"  # as the section's heading has it
    created = client.post(
        DRAFTS,
        json={"article": read.json()["article"], "treatments": records, "message": "name"},
        headers={**auth["ed"], "If-Match": read.headers["etag"]},
    )
    etag = _submit(client, auth["ed"], created.json()["id"], created.headers["etag"])
    published = _publish(client, auth["rev"], created.json()["id"], etag)
    assert published.status_code == 200 and published.json()["number"] == 2
    latest = client.get(ARTICLE).json()
    assert _block(latest, "what-is-stem-cell-therapy", "treatment")["name"] == stem["name"]
    again = client.get(ARTICLE, params={"version": 1, "locale": "en"})
    # Superseded now, and saying so; its content and the records it names are unchanged,
    # and from now on its bytes never change.
    before, after = pinned.json(), again.json()
    assert after.pop("review")["review_status"] == "superseded"
    assert before.pop("review")["review_status"] == "current"
    assert after == before
    assert "immutable" in again.headers["cache-control"]


CAUTION = "generally not recommended for men due to potential feminizing effects"


def test_changing_a_quoted_sentence_makes_the_record_stale_and_blocks_publishing(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    read = client.get(HEAD, headers=auth["ed"])
    head = read.json()
    article = copy.deepcopy(head["article"])
    alternatives = next(s for s in article["sections"] if s["id"] == "alternatives")
    p2 = _block(alternatives, "alternatives/spironolactone", "p2")
    assert CAUTION in p2["text"]
    p2["text"] = p2["text"].replace("generally not", "not")
    created = _create(client, auth["ed"], article, read.headers["etag"], "Firmer wording")
    draft = created.json()["id"]
    diff = client.get(f"/v1/manage/drafts/{draft}/diff", headers=auth["rev"]).json()
    assert [(s["treatment"], s["field"], s["block"], s["quote"]) for s in diff["stale_claims"]] == [
        ("spironolactone", "cautions/0", "alternatives/spironolactone/p2", CAUTION)
    ]
    etag = _submit(client, auth["ed"], draft, created.headers["etag"])
    refused = _publish(client, auth["rev"], draft, etag)
    assert refused.status_code == 409, refused.text
    assert (
        "'spironolactone' cautions/0 (block alternatives/spironolactone/p2)"
        in (refused.json()["detail"])
    )
    assert client.get(ARTICLE).json()["version"] == 1, "nothing reached readers"
    served = client.get("/v1/treatments/spironolactone").json()
    assert served["cautions"][0]["statement"]["text"] == CAUTION

    # The author updates the record in the same draft: its quote follows the new sentence.
    records = copy.deepcopy(head["treatments"])
    spiro = next(r for r in records["treatments"] if r["id"] == "spironolactone")
    spiro["cautions"][0]["statement"] = CAUTION.replace("generally not", "not")
    wrong = copy.deepcopy(records)
    next(r for r in wrong["treatments"] if r["id"] == "spironolactone")["cautions"][0][
        "statement"
    ] = CAUTION  # a record the draft's own article does not support is refused at the door
    body = {"article": article, "treatments": wrong, "message": "Caution follows"}
    door = client.put(
        f"/v1/manage/drafts/{draft}", json=body, headers={**auth["ed"], "If-Match": etag}
    )
    assert door.status_code == 422 and "cautions/0" in door.json()["detail"]
    body["treatments"] = records
    updated = client.put(
        f"/v1/manage/drafts/{draft}", json=body, headers={**auth["ed"], "If-Match": etag}
    )
    assert updated.status_code == 200, updated.text
    assert (
        client.get(f"/v1/manage/drafts/{draft}/diff", headers=auth["rev"]).json()["stale_claims"]
        == []
    )
    etag = _submit(client, auth["ed"], draft, updated.headers["etag"])
    assert _publish(client, auth["rev"], draft, etag).status_code == 200
    served = client.get("/v1/treatments/spironolactone").json()
    assert served["cautions"][0]["statement"]["text"] == CAUTION.replace("generally not", "not")
    (evidence,) = [e for e in served["evidence"] if e["claim"] == "cautions/0"]
    assert evidence["block"] == "alternatives/spironolactone/p2"


def test_delivery_exposes_each_claims_evidence_in_the_response_locale(client: Client) -> None:
    record = client.get("/v1/treatments/finasteride", params={"locale": "es"}).json()
    claims = {e["claim"]: e for e in record["evidence"]}
    assert set(claims) == {"kind", "forms/oral", "forms/topical", "regulatory/0", "regulatory/1"}
    fda = claims["regulatory/0"]
    assert fda["block"] == "alternatives/finasteride/p2"
    assert fda["quote"]["locale"] == "es" and not fda["quote"]["fallback"]
    assert fda["quote"] == record["regulatory"][0]["statement"]
    assert claims["forms/topical"]["quote"]["locale"] == "es"
    assert claims["forms/topical"]["quote"]["fallback"] is False
    (topical,) = [f for f in record["form_details"] if f["form"] == "topical"]
    assert topical["condition"]["text"] == "para quienes desean evitar los efectos sistémicos"
