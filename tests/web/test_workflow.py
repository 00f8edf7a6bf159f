"""The editorial and translator workflow over HTTP with real tokens, end to end."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from litestar.testing import TestClient

from api.store.accounts import create_token
from api.store.schema import open_database
from tests.conftest import LOCALES, SLUG, locale_catalog

Client = TestClient[Any]
ARTICLE = f"/v1/articles/{SLUG}"
HEAD = f"/v1/manage/articles/{SLUG}"
OLD = (
    "Stem cell therapy for hair loss is a revolutionary approach that taps into the body’s "
    "natural regenerative abilities to restore thinning hair and revitalize dormant follicles."
)
NEW = OLD.replace("a revolutionary approach", "an approach")
NEW_ES = (
    "La terapia con células madre para la pérdida de cabello es un enfoque que aprovecha las "
    "capacidades regenerativas naturales del cuerpo para restaurar el cabello que se está "
    "adelgazando y revitalizar los folículos latentes."
)
ROLES = {
    "ed": ("editor", ""),
    "ed2": ("editor", ""),
    "rev": ("reviewer", ""),
    "es-tr": ("translator", "es"),
    "fr-tr": ("translator", "fr"),
    "es-rev": ("reviewer", "es"),
    "root": ("admin", ""),
}


@pytest.fixture()
def auth(db_path: Path) -> dict[str, dict[str, str]]:
    """A real token per person, created in the database the app serves."""
    db = open_database(db_path)
    headers = {}
    for name, (role, locales) in ROLES.items():
        _, secret = create_token(db, name=name, role=role, locales=locales.split(","))
        headers[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    return headers


def _block(article: dict[str, Any], section: str, block: str) -> dict[str, Any]:
    found = next(s for s in article["sections"] if s["id"] == section)
    return next(b for b in found["blocks"] if b["id"] == block)


def revised_catalog(locales: Path, locale: str) -> bytes:
    """The shipped catalogs of `locale` as one whole-locale catalog with one translation
    revised, as a translator would upload it."""
    po = locale_catalog(locales, locale)
    message = next(m for m in po if m.id and m.string and not m.fuzzy)
    message.string = f"{message.string} (révisé)"
    out = io.BytesIO()
    write_po(out, po, width=0)
    return out.getvalue()


def _read(client: Client, who: dict[str, str]) -> dict[str, str]:
    """`who`'s headers for a new draft: If-Match names the published version they read."""
    return {**who, "If-Match": client.get(HEAD, headers=who).headers["etag"]}


def _edited(client: Client, who: dict[str, str]) -> dict[str, Any]:
    head = client.get(HEAD, headers=who)
    assert head.status_code == 200 and head.headers["etag"] == f'"article-{SLUG}-v1-t1"'
    article = copy.deepcopy(head.json()["article"])
    block = _block(article, "introduction", "p1")
    assert block["text"] == OLD
    block["text"] = NEW
    return {"article": article, "message": "Drop 'revolutionary' (medical review)"}


def _submitted(client: Client, auth: dict[str, dict[str, str]]) -> tuple[int, str]:
    created = client.post(
        f"/v1/manage/articles/{SLUG}/drafts",
        json=_edited(client, auth["ed"]),
        headers=_read(client, auth["ed"]),
    )
    assert created.status_code == 201, created.text
    draft_id = created.json()["id"]
    submitted = client.post(
        f"/v1/manage/drafts/{draft_id}/submit",
        headers={**auth["ed"], "If-Match": created.headers["etag"]},
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    return draft_id, submitted.headers["etag"]


def _spanish_fix(catalog: bytes) -> bytes:
    """The translator's edit, made with Babel like a PO editor: translate the stale entry."""
    po = read_po(io.BytesIO(catalog))
    message = po.get(NEW, context=f"{SLUG}/introduction/p1")
    assert message is not None and message.fuzzy, "the changed entry is exported as stale"
    assert f'#, fuzzy\n#| msgid "{OLD}"\nmsgctxt "{SLUG}/introduction/p1"'.encode() in catalog
    message.string = NEW_ES
    message.flags.discard("fuzzy")
    out = io.BytesIO()
    write_po(out, po, width=0)
    return out.getvalue()


def test_whole_editorial_and_translator_flow(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    es_before = client.get(ARTICLE, params={"locale": "es"}).json()
    completeness_before = es_before["completeness"]

    # An editor drafts a change and submits it; the editor cannot publish it.
    draft_id, etag = _submitted(client, auth)
    assert (
        client.post(
            f"/v1/manage/drafts/{draft_id}/publish", headers={**auth["ed"], "If-Match": etag}
        ).status_code
        == 403
    )
    assert client.get(ARTICLE).json()["version"] == 1, "drafts never reach readers"
    queue = client.get("/v1/manage/review-queue", headers=auth["rev"]).json()
    assert [d["id"] for d in queue] == [draft_id]

    # A reviewer (not the author) publishes: version 2.
    published = client.post(
        f"/v1/manage/drafts/{draft_id}/publish", headers={**auth["rev"], "If-Match": etag}
    )
    assert published.status_code == 200, published.text
    assert published.json()["number"] == 2 and published.json()["reviewer"] == "rev"
    latest = client.get(ARTICLE, params={"locale": "en"}).json()
    assert latest["version"] == 2 and _block(latest, "introduction", "p1")["text"] == NEW
    pinned = client.get(ARTICLE, params={"locale": "en", "version": 1}).json()
    assert pinned["version"] == 1 and _block(pinned, "introduction", "p1")["text"] == OLD
    versions = client.get(f"{ARTICLE}/versions").json()
    assert [v["number"] for v in versions] == [1, 2]
    diff = client.get(f"{ARTICLE}/diff", params={"from": 1, "to": 2}).json()
    assert diff["changes"] == [
        {
            "id": "introduction",
            "change": "changed",
            "blocks": [{"id": "p1", "change": "changed", "old": OLD, "new": NEW}],
        }
    ]

    # The Spanish block now falls back; its neighbours stay Spanish.
    es = client.get(ARTICLE, params={"locale": "es"}).json()
    assert _block(es, "introduction", "p1")["fallback"] is True
    assert _block(es, "introduction", "p2")["locale"] == "es"

    # The Spanish translator exports, fixes and uploads; it stays pending.
    catalog = client.get("/v1/manage/catalogs/es", headers=auth["es-tr"])
    assert catalog.status_code == 200
    assert catalog.headers["content-type"] == "text/x-gettext-translation; charset=utf-8"
    upload = _spanish_fix(catalog.content)
    wrong_scope = client.put("/v1/manage/catalogs/es", content=upload, headers=auth["fr-tr"])
    assert wrong_scope.status_code == 403
    staged = client.put("/v1/manage/catalogs/es", content=upload, headers=auth["es-tr"])
    assert staged.status_code == 202, staged.text
    assert staged.json()["entries"] >= 1
    assert _block(client.get(ARTICLE, params={"locale": "es"}).json(), "introduction", "p1")[
        "fallback"
    ], "pending translations are not served"

    # The es reviewer approves: now served, completeness restored.
    pending = client.get("/v1/manage/catalogs/es/pending", headers=auth["es-rev"])
    assert pending.status_code == 200
    assert client.post("/v1/manage/catalogs/es/approve", headers=auth["es-rev"]).status_code == 428
    approved = client.post(
        "/v1/manage/catalogs/es/approve",
        headers={**auth["es-rev"], "If-Match": pending.headers["etag"]},
    )
    assert approved.status_code == 200, approved.text
    es = client.get(ARTICLE, params={"locale": "es"}).json()
    fixed = _block(es, "introduction", "p1")
    assert fixed == {**fixed, "text": NEW_ES, "locale": "es", "fallback": False}
    assert es["completeness"] == completeness_before

    # A rollback to version 1 is a draft in review; a second person publishes version 3.
    head = client.get(HEAD, headers=auth["rev"])
    requested = client.post(
        f"{HEAD}/rollback",
        json={"to_version": 1, "reason": "Undo the change"},
        headers={**auth["rev"], "If-Match": head.headers["etag"]},
    )
    assert requested.status_code == 201, requested.text
    assert requested.json()["status"] == "in_review"
    assert client.get(ARTICLE).json()["version"] == 2, "a rollback waits for review"
    rolled = client.post(
        f"/v1/manage/drafts/{requested.json()['id']}/publish",
        headers={**auth["root"], "If-Match": requested.headers["etag"]},
    )
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["number"] == 3
    current = client.get(ARTICLE, params={"locale": "en"}).json()
    assert current["version"] == 3 and _block(current, "introduction", "p1")["text"] == OLD
    assert [v["number"] for v in client.get(f"{ARTICLE}/versions").json()] == [1, 2, 3]
    assert (
        _block(client.get(ARTICLE, params={"version": 2}).json(), "introduction", "p1")["text"]
        == NEW
    )

    # The audit log lists every step, with who did it.
    assert client.get("/v1/manage/audit", headers=auth["rev"]).status_code == 403
    entries = client.get("/v1/manage/audit", headers=auth["root"]).json()["entries"]
    assert {(e["action"], e["actor"]) for e in entries} >= {("token.create", "operator")}
    steps = [
        (e["action"], e["actor"])
        for e in reversed(entries)
        if e["actor"] not in ("import", "operator")
    ]
    assert steps == [
        ("draft.create", "ed"),
        ("draft.submit", "ed"),
        ("draft.publish", "rev"),
        ("article.publish", "rev"),
        ("catalog.upload", "es-tr"),
        ("catalog.approve", "es-rev"),
        ("draft.create", "rev"),
        ("draft.publish", "root"),
        ("article.publish", "root"),
    ]


def test_racing_editors_get_412_not_a_silent_overwrite(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    body = _edited(client, auth["ed"])
    created = client.post(
        f"/v1/manage/articles/{SLUG}/drafts", json=body, headers=_read(client, auth["ed"])
    )
    draft = f"/v1/manage/drafts/{created.json()['id']}"
    etag = created.headers["etag"]
    body["message"] = "second thoughts"
    body["article"]["title"] = "First editor's title"
    first = client.put(draft, json=body, headers={**auth["ed"], "If-Match": etag})
    body["article"]["title"] = "Second editor's title"
    second = client.put(draft, json=body, headers={**auth["ed2"], "If-Match": etag})
    assert first.status_code == 200 and first.json()["revision"] == 2
    assert second.status_code == 412
    assert second.headers["content-type"] == "application/problem+json"
    assert client.put(draft, json=body, headers=auth["ed2"]).status_code == 428
    assert client.get(draft, headers=auth["ed"]).json()["revision"] == 2


def test_author_cannot_review_their_own_draft(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    body = _edited(client, auth["root"])
    created = client.post(
        f"/v1/manage/articles/{SLUG}/drafts", json=body, headers=_read(client, auth["root"])
    )
    draft = f"/v1/manage/drafts/{created.json()['id']}"
    submitted = client.post(
        f"{draft}/submit", headers={**auth["root"], "If-Match": created.headers["etag"]}
    )
    own = client.post(
        f"{draft}/publish", headers={**auth["root"], "If-Match": submitted.headers["etag"]}
    )
    assert own.status_code == 403 and "you wrote part of" in own.json()["detail"]
    assert client.get(ARTICLE).json()["version"] == 1


def test_rejected_draft_goes_back_with_the_comment(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    draft_id, etag = _submitted(client, auth)
    rejected = client.post(
        f"/v1/manage/drafts/{draft_id}/reject",
        json={"comment": "Keep the source wording."},
        headers={**auth["rev"], "If-Match": etag},
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["comment"] == "Keep the source wording."
    again = client.post(
        f"/v1/manage/drafts/{draft_id}/publish",
        headers={**auth["rev"], "If-Match": rejected.headers["etag"]},
    )
    assert again.status_code == 409


def test_bad_draft_body_is_422_with_the_path_of_each_field(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    body = _edited(client, auth["ed"])
    body["article"]["sections"][0]["blocks"][0]["type"] = "video"
    response = client.post(
        f"/v1/manage/articles/{SLUG}/drafts", json=body, headers=_read(client, auth["ed"])
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert any("sections[0].blocks[0]" in e.get("field", "") for e in response.json()["errors"])
    duplicate = _edited(client, auth["ed"])
    sections = duplicate["article"]["sections"]
    sections[1]["id"] = sections[0]["id"]
    response = client.post(
        f"/v1/manage/articles/{SLUG}/drafts", json=duplicate, headers=_read(client, auth["ed"])
    )
    assert response.status_code == 422
    assert client.get("/v1/manage/drafts", headers=auth["ed"]).json() == []


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("Bearer vt_1_not-a-real-secret-at-all", 401),
        ("Basic dXNlcjpwYXNz", 401),
        ("Bearer nonsense", 401),
    ],
)
def test_missing_or_invalid_token_is_401(client: Client, header: str | None, status: int) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/v1/manage/drafts", headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_wrong_role_is_403_and_delivery_stays_public(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    body = _edited(client, auth["ed"])
    forbidden = client.post(f"/v1/manage/articles/{SLUG}/drafts", json=body, headers=auth["es-tr"])
    assert forbidden.status_code == 403
    assert forbidden.json()["type"] == "/problems/forbidden"
    assert client.get(ARTICLE).status_code == 200


def test_a_broken_upload_names_the_line_and_stores_nothing(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    catalog = client.get("/v1/manage/catalogs/es", headers=auth["es-tr"]).text
    lines = catalog.splitlines()
    bad = next(n for n, line in enumerate(lines, 1) if line.startswith('msgstr "La terapia'))
    lines[bad - 1] = lines[bad - 1][:-1] + '<b>bold</b>"'
    response = client.put(
        "/v1/manage/catalogs/es", content="\n".join(lines).encode(), headers=auth["es-tr"]
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"file": "es.po", "line": bad} in [
        {k: e.get(k) for k in ("file", "line")} for e in errors
    ]
    assert client.get("/v1/manage/catalogs/es/pending", headers=auth["es-rev"]).status_code == 404


def test_a_new_article_can_be_drafted_and_published(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    # Treatments point into the published article; a draft of another article must not be
    # checked as if it were the only one.
    article = {
        "slug": "new-article",
        "title": "A new article",
        "sections": [{"id": "intro", "blocks": [{"type": "paragraph", "id": "p1", "text": "Hi."}]}],
    }
    created = client.post(
        "/v1/manage/articles/new-article/drafts",
        json={"article": article, "message": "new"},
        headers=auth["ed"],
    )
    assert created.status_code == 201, created.text
    draft_id = created.json()["id"]
    submitted = client.post(
        f"/v1/manage/drafts/{draft_id}/submit",
        headers={**auth["ed"], "If-Match": created.headers["etag"]},
    )
    published = client.post(
        f"/v1/manage/drafts/{draft_id}/publish",
        headers={**auth["rev"], "If-Match": submitted.headers["etag"]},
    )
    assert published.status_code == 200, published.text
    served = client.get("/v1/articles/new-article/sections/intro", params={"locale": "es"})
    assert served.status_code == 200
    block = served.json()["section"]["blocks"][0]
    assert (block["text"], block["locale"], block["fallback"]) == ("Hi.", "en", True)
    assert client.get(ARTICLE).json()["version"] == 1, "the other article is untouched"


def test_a_draft_that_drops_a_section_a_treatment_names_is_refused(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    head = client.get(HEAD, headers=auth["ed"]).json()["article"]
    head["sections"] = [s for s in head["sections"] if s["id"] != "alternatives"]
    response = client.post(
        f"/v1/manage/articles/{SLUG}/drafts",
        json={"article": head, "message": "drop alternatives"},
        headers=_read(client, auth["ed"]),
    )
    assert response.status_code == 422
    assert "names unknown section" in response.json()["detail"]


def test_a_catalog_upload_as_multipart_is_the_same_upload(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    upload = revised_catalog(LOCALES, "fr")
    as_form = client.put(
        "/v1/manage/catalogs/fr",
        files={"catalog": ("fr.po", upload, "text/x-gettext-translation")},
        headers=auth["fr-tr"],
    )
    assert as_form.status_code == 202, as_form.text
    assert as_form.json()["entries"] > 0
    # The same bytes as the raw body are the same upload: nothing new to review.
    as_body = client.put("/v1/manage/catalogs/fr", content=upload, headers=auth["fr-tr"])
    assert as_body.status_code == 422, as_body.text
    assert "equals the pending one" in as_body.json()["detail"]
    no_part = client.put(
        "/v1/manage/catalogs/fr",
        files={"file": ("fr.po", upload, "text/plain")},
        headers=auth["fr-tr"],
    )
    assert no_part.status_code == 422
    assert no_part.json()["errors"][0]["field"] == "catalog"
