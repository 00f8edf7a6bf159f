"""One catalog entry at a time over HTTP (workspace walk finding 5): a translation typed
rather than uploaded, checked by the upload's own code and reviewed under the same rule;
one pending entry rejected with a reason the uploader can read; the pending view filtered."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tests.conftest import SLUG
from tests.web.test_catalog_review import (
    ES,
    P2,
    P6,
    Auth,
    Client,
    _approve,
    _edited,
    _served,
    _set,
    _tokens,
    _upload,
)

ENTRIES = f"{ES}/entries"
PLAN = "{range} per plan"
# A safety-bearing paragraph (its comment in the catalog: "safety: translate first").
SAFETY_BLOCK = f"{SLUG}/safety-and-efficacy/p1"


@pytest.fixture()
def auth(db_path: Path) -> Auth:
    return _tokens(db_path)


def _source(client: Client, who: dict[str, str], context: str) -> str:
    po = read_po(io.BytesIO(client.get(ES, headers=who).content))
    return str(next(m for m in po if m.context == context and m.id).id)


def _edit(client: Client, who: dict[str, str], context: str, text: str, **extra: str) -> Any:
    body = {"context": context, "source": _source(client, who, context), "text": text}
    return client.post(ENTRIES, headers=who, json={**body, **extra})


def _pending(client: Client, who: dict[str, str], **params: str) -> Any:
    return client.get(f"{ES}/pending", headers=who, params=params)


def test_a_translation_typed_in_awaits_a_second_person(client: Client, auth: Auth) -> None:
    edited = _edit(client, auth["es-tr"], P2, "Una traducción escrita en el navegador.")
    assert edited.status_code == 202, edited.text
    body = edited.json()
    assert (body["context"], body["edited_by"]) == (P2, "es-tr")
    pending = _pending(client, auth["es-rev"])
    assert pending.headers["etag"] == body["etag"]
    [entry] = pending.json()["entries"]
    assert (entry["context"], entry["uploaded_by"], entry["changed"]) == (P2, ["es-tr"], True)
    assert _served(client, P2)["text"] != "Una traducción escrita en el navegador."
    approved = _approve(client, auth["es-rev"], body["etag"])
    assert approved.status_code == 200, approved.text
    assert _served(client, P2)["text"] == "Una traducción escrita en el navegador."
    audit = client.get("/v1/manage/audit", params={"action": "catalog.edit"}, headers=auth["root"])
    assert [(e["actor"], e["detail"]) for e in audit.json()["entries"]] == [("es-tr", P2)]


def test_whoever_types_an_entry_cannot_approve_it_admins_included(
    client: Client, auth: Auth
) -> None:
    edited = _edit(client, auth["root"], P2, "Texto del administrador.")
    assert edited.status_code == 202, edited.text
    own = _approve(client, auth["root"], edited.json()["etag"])
    assert own.status_code == 403
    assert "second person" in own.json()["detail"]
    named = _approve(client, auth["root"], edited.json()["etag"], [P2])
    assert named.status_code == 403
    assert _served(client, P2)["text"] != "Texto del administrador."
    assert _approve(client, auth["root2"], edited.json()["etag"]).status_code == 200
    assert _served(client, P2)["text"] == "Texto del administrador."


def _upload_error(client: Client, auth: Auth, context: str, msgid: str, text: str) -> str:
    def edit(po: Catalog) -> None:
        next(m for m in po if m.context == context and m.id == msgid).string = text

    refused = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], edit))
    assert refused.status_code == 422, refused.text
    return str(refused.json()["errors"][0]["message"])


@pytest.mark.parametrize(
    ("context", "msgid", "text", "words"),
    [
        ("fact/per", PLAN, "por plan", "placeholders differ"),
        ("fact/per", PLAN, "{rango} por plan", "placeholders differ"),
        (P2, None, "Texto con \u202econtrol bidi.", "bidi"),
        (P2, None, "Texto <b>marcado</b>.", "markup"),
    ],
)
def test_a_typed_translation_passes_the_same_checks_as_an_upload(
    client: Client, auth: Auth, context: str, msgid: str | None, text: str, words: str
) -> None:
    source = msgid or _source(client, auth["es-tr"], context)
    refused = client.post(
        ENTRIES, headers=auth["es-tr"], json={"context": context, "source": source, "text": text}
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert refused.headers["content-type"] == "application/problem+json"
    assert words in problem["detail"]
    assert problem["errors"][0]["field"] == "$.text"
    # The very message the upload of the same msgstr gets, without its line.
    assert problem["errors"][0]["message"] in _upload_error(client, auth, context, source, text)
    assert _pending(client, auth["es-rev"]).status_code == 404


def test_a_typed_translation_names_a_current_message_of_a_locale_in_scope(
    client: Client, auth: Auth
) -> None:
    source = _source(client, auth["es-tr"], P2)
    old = client.post(
        ENTRIES, headers=auth["es-tr"], json={"context": P2, "source": "Old words.", "text": "X."}
    )
    assert old.status_code == 409 and "changed since you read it" in old.json()["detail"]
    unknown = client.post(
        ENTRIES, headers=auth["es-tr"], json={"context": "nope/x", "source": "A", "text": "B"}
    )
    assert unknown.status_code == 404
    for who in ("es-rev", "rev"):
        refused = client.post(
            ENTRIES, headers=auth[who], json={"context": P2, "source": source, "text": "Otro."}
        )
        assert refused.status_code == 403, who
    french = client.post(
        "/v1/manage/catalogs/fr/entries",
        headers=auth["es-tr"],
        json={"context": P2, "source": source, "text": "Autre."},
    )
    assert french.status_code == 403
    same = client.post(
        ENTRIES,
        headers=auth["es-tr"],
        json={"context": P2, "source": source, "text": _served(client, P2)["text"]},
    )
    assert same.status_code == 422 and "nothing changed" in same.json()["detail"]
    assert _edit(client, auth["es-tr"], P2, "Nuevo.").status_code == 202
    again = _edit(client, auth["es-tr"], P2, "Nuevo.")
    assert again.status_code == 422 and "already awaits review" in again.json()["detail"]


def _two_changes(client: Client, auth: Auth) -> str:
    def two(po: Catalog) -> None:
        next(m for m in po if m.context == P2).string = "Cambio uno."
        next(m for m in po if m.context == P6).string = "Cambio dos."

    staged = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], two))
    assert staged.status_code == 202, staged.text
    return str(staged.json()["etag"])


def _reject(client: Client, who: dict[str, str], etag: str | None, **body: str) -> Any:
    headers = {**who, **({"If-Match": etag} if etag else {})}
    return client.post(f"{ENTRIES}/reject", headers=headers, json=body)


def test_one_entry_is_rejected_with_a_reason_and_the_rest_approved(
    client: Client, auth: Auth
) -> None:
    before_p2 = _served(client, P2)["text"]
    etag = _two_changes(client, auth)
    reason = "“Cambio uno” drops the comparison the source makes."
    assert _reject(client, auth["es-rev"], None, context=P2, comment=reason).status_code == 428
    stale = _reject(client, auth["es-rev"], '"sha256:00"', context=P2, comment=reason)
    assert stale.status_code == 412
    for who in ("fr-rev", "es-tr", "rev"):
        assert _reject(client, auth[who], etag, context=P2, comment=reason).status_code == 403
    empty = _reject(client, auth["es-rev"], etag, context=P2, comment="")
    assert empty.status_code in (400, 422)
    rejected = _reject(client, auth["es-rev"], etag, context=P2, comment=reason)
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert (body["context"], body["proposed"], body["comment"]) == (P2, "Cambio uno.", reason)
    assert (body["rejected_by"], body["uploaded_by"], body["remaining"]) == (
        "es-rev",
        ["es-tr"],
        1,
    )
    # Readers keep today's translation; the rejected one is no longer pending (nor is its
    # removal: the approved translation stays).
    pending = _pending(client, auth["es-rev"])
    assert [e["context"] for e in pending.json()["entries"]] == [P6]
    assert pending.headers["etag"] == body["etag"]
    assert _approve(client, auth["es-rev"], body["etag"]).status_code == 200
    assert _served(client, P6)["text"] == "Cambio dos."
    assert _served(client, P2)["text"] == before_p2
    # The uploader reads why.
    notes = client.get(f"{ES}/rejections", headers=auth["es-tr"])
    assert notes.status_code == 200, notes.text
    [note] = notes.json()
    assert (note["context"], note["text"], note["reviewer"], note["comment"]) == (
        P2,
        "Cambio uno.",
        "es-rev",
        reason,
    )
    assert note["uploaded_by"] == ["es-tr"]
    audit = client.get(
        "/v1/manage/audit", params={"action": "catalog.reject-entry"}, headers=auth["root"]
    )
    assert [e["detail"] for e in audit.json()["entries"]] == [f"{P2}: {reason}"]


def test_rejecting_the_last_entry_leaves_nothing_pending(client: Client, auth: Auth) -> None:
    etag = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], _set(P2, "Mal.")))
    rejected = _reject(
        client, auth["es-rev"], etag.json()["etag"], context=P2, comment="Say it as the source."
    )
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["remaining"], rejected.json()["etag"]) == (0, None)
    assert _pending(client, auth["es-rev"]).status_code == 404


def test_a_shared_msgctxt_needs_the_source_to_name_one_entry(client: Client, auth: Auth) -> None:
    for msgid, text in (
        (PLAN, "{range} para el plan"),
        ("{range} per session", "{range} / sesión"),
    ):
        assert (
            client.post(
                ENTRIES,
                headers=auth["es-tr"],
                json={"context": "fact/per", "source": msgid, "text": text},
            ).status_code
            == 202
        )
    etag = _pending(client, auth["es-rev"]).headers["etag"]
    vague = _reject(client, auth["es-rev"], etag, context="fact/per", comment="No.")
    assert vague.status_code == 422 and "source" in vague.json()["detail"]
    named = _reject(
        client, auth["es-rev"], etag, context="fact/per", source=PLAN, comment="Keep “por plan”."
    )
    assert named.status_code == 200, named.text
    [left] = _pending(client, auth["es-rev"]).json()["entries"]
    assert (left["source"], left["proposed"]) == ("{range} per session", "{range} / sesión")


def test_the_pending_view_filters_by_flag_and_keeps_the_whole_etag(
    client: Client, auth: Auth
) -> None:
    etag = _two_changes(client, auth)
    assert _edit(client, auth["es-tr"], SAFETY_BLOCK, "Una precaución revisada.").status_code == 202
    whole = _pending(client, auth["es-rev"])
    assert {e["context"]: e["safety"] for e in whole.json()["entries"]} == {
        P2: False,
        SAFETY_BLOCK: True,
        P6: False,
    }
    safety = _pending(client, auth["es-rev"], show="safety")
    assert [e["context"] for e in safety.json()["entries"]] == [SAFETY_BLOCK]
    assert safety.headers["etag"] == whole.headers["etag"] != etag
    assert _pending(client, auth["es-rev"], show="new").json()["entries"] == []
    changed = _pending(client, auth["es-rev"], show="changed").json()["entries"]
    assert len(changed) == 3
    assert _pending(client, auth["es-rev"], show="everything").status_code == 400


def test_two_translators_typing_one_entry_never_overwrite_each_other(
    client: Client, auth: Auth
) -> None:
    """The second translator read the entry before the first one's text became pending:
    409 naming who, and the first text still awaits review. Having read it (`pending`), the
    second one replaces it, for the reviewer to choose."""
    source = _source(client, auth["es-tr"], P2)
    first = client.post(
        ENTRIES, headers=auth["es-tr"], json={"context": P2, "source": source, "text": "Uno."}
    )
    assert first.status_code == 202, first.text
    second = client.post(
        ENTRIES, headers=auth["es-tr2"], json={"context": P2, "source": source, "text": "Dos."}
    )
    assert second.status_code == 409, second.text
    assert "meanwhile" in second.json()["detail"] and "Uno." in second.json()["detail"]
    pending = _pending(client, auth["es-rev"])
    proposed = {e["context"]: e["proposed"] for e in pending.json()["entries"]}
    assert proposed[P2] == "Uno."
    read = client.post(
        ENTRIES,
        headers=auth["es-tr2"],
        json={"context": P2, "source": source, "text": "Dos.", "pending": "Uno."},
    )
    assert read.status_code == 202, read.text
