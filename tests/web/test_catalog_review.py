"""Reviewing uploaded catalogs over HTTP: the review rule, what reviewers see, stale
entries, approval of a subset with its sign-off, rejection, empty uploads and caching."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from litestar.testing import TestClient

from api.sources import read_content
from api.store.accounts import create_token
from api.store.importer import import_content
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG

Client = TestClient[Any]
Auth = dict[str, dict[str, str]]
ARTICLE = f"/v1/articles/{SLUG}"
ES = "/v1/manage/catalogs/es"
ROLES = {
    "es-tr": ("translator", "es"),
    "es-tr2": ("translator", "es"),
    "es-rev": ("reviewer", "es"),
    "fr-rev": ("reviewer", "fr"),
    "rev": ("reviewer", ""),
    "root": ("admin", ""),
    "root2": ("admin", ""),
}
INTRO = f"{SLUG}/introduction/p1"
P2 = f"{SLUG}/introduction/p2"
# Not safety-bearing: their section is served in Spanish however these three fare.
P5 = f"{SLUG}/how-it-works/p4"
P6 = f"{SLUG}/how-it-works/p5"
P7 = f"{SLUG}/how-it-works/p6"
OLD_INTRO = (
    "Stem cell therapy for hair loss is a revolutionary approach that taps into the body’s "
    "natural regenerative abilities to restore thinning hair and revitalize dormant follicles."
)
NEW_INTRO = OLD_INTRO.replace("a revolutionary approach", "an approach")
OLD_P5 = (
    "Additionally, the growth factors secreted by MSCs help encourage blood vessel formation, "
    "which brings more nutrients and oxygen to the follicles. This better circulation may "
    "extend the anagen (growth) phase, resulting in more sustained growth and fewer strands "
    "shedding prematurely."
)
NEW_P5 = "Not everyone sees the same change."


def _tokens(db_path: Path) -> Auth:
    db = open_database(db_path)
    headers = {}
    for name, (role, locales) in ROLES.items():
        _, secret = create_token(db, name=name, role=role, locales=locales.split(","))
        headers[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    return headers


@pytest.fixture()
def auth(db_path: Path) -> Auth:
    return _tokens(db_path)


@pytest.fixture()
def changed(tree: Path) -> Iterator[tuple[Client, Auth]]:
    """A database whose source changed after translation: the introduction and one
    safety sentence have new wording; the Spanish catalog still translates the old."""
    article = tree / "content" / "articles" / f"{SLUG}.yaml"
    text = article.read_text()
    assert OLD_INTRO in text and OLD_P5 in text
    article.write_text(text.replace(OLD_INTRO, NEW_INTRO).replace(OLD_P5, NEW_P5))
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    db.conn.close()
    auth = _tokens(tree / "v.db")
    with TestClient(create_app(tree / "v.db")) as client:
        yield client, auth


def _edited(client: Client, who: dict[str, str], edit: Callable[[Catalog], None]) -> bytes:
    """The locale's exported catalog edited with Babel, as a PO editor would."""
    exported = client.get(ES, headers=who)
    assert exported.status_code == 200
    po = read_po(io.BytesIO(exported.content))
    edit(po)
    out = io.BytesIO()
    write_po(out, po, width=0)
    return out.getvalue()


def _message(po: Catalog, context: str) -> Any:
    found = next((m for m in po if m.context == context), None)
    assert found is not None, context
    return found


def _set(context: str, text: str) -> Callable[[Catalog], None]:
    def edit(po: Catalog) -> None:
        _message(po, context).string = text

    return edit


def _block(body: dict[str, Any], context: str) -> dict[str, Any]:
    _, section_id, block_id = context.split("/")
    section = next(s for s in body["sections"] if s["id"] == section_id)
    return next(b for b in section["blocks"] if b["id"] == block_id)


def _served(client: Client, context: str) -> dict[str, Any]:
    return _block(client.get(ARTICLE, params={"locale": "es"}).json(), context)


def _approve(
    client: Client, who: dict[str, str], etag: str, entries: list[str] | None = None
) -> Any:
    return client.post(
        f"{ES}/approve",
        headers={**who, "If-Match": etag},
        json={"entries": entries} if entries is not None else None,
    )


def _upload(client: Client, who: dict[str, str], body: bytes) -> Any:
    return client.put(ES, content=body, headers=who)


# 1. The review rule


def test_the_uploader_cannot_approve_their_own_catalog_admins_included(
    client: Client, auth: Auth
) -> None:
    upload = _edited(client, auth["root"], _set(P2, "Texto revisado por el administrador."))
    staged = _upload(client, auth["root"], upload)
    assert staged.status_code == 202, staged.text
    etag = staged.json()["etag"]
    own = _approve(client, auth["root"], etag)
    assert own.status_code == 403
    assert own.headers["content-type"] == "application/problem+json"
    assert "second person" in own.json()["detail"]
    assert _served(client, P2)["text"] != "Texto revisado por el administrador."
    assert _approve(client, auth["fr-rev"], etag).status_code == 403
    assert _approve(client, auth["rev"], etag).status_code == 403, "not scoped to es"
    approved = _approve(client, auth["root2"], etag)
    assert approved.status_code == 200, approved.text
    assert _served(client, P2)["text"] == "Texto revisado por el administrador."


def test_authors_are_everyone_who_uploaded_an_entry_being_approved(
    client: Client, auth: Auth
) -> None:
    first = _edited(client, auth["root"], _set(P2, "Primera propuesta."))
    assert _upload(client, auth["root"], first).status_code == 202

    def both(po: Catalog) -> None:
        _message(po, P2).string = "Primera propuesta."
        _message(po, P6).string = "Segunda propuesta."

    staged = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], both))
    assert staged.status_code == 202, staged.text
    pending = client.get(f"{ES}/pending", headers=auth["es-rev"]).json()
    uploaders = {e["context"]: e["uploaded_by"] for e in pending["entries"]}
    assert uploaders == {P2: ["es-tr", "root"], P6: ["es-tr"]}
    etag = pending["etag"]
    assert _approve(client, auth["root"], etag, [P2]).status_code == 403
    assert _approve(client, auth["root"], etag).status_code == 403
    only_p6 = _approve(client, auth["root"], etag, [P6])
    assert only_p6.status_code == 200, only_p6.text
    assert _served(client, P6)["text"] == "Segunda propuesta."
    assert _served(client, P2)["text"] != "Primera propuesta."


@pytest.mark.parametrize(
    ("if_match", "status", "words"),
    [
        (None, 428, "If-Match"),
        ("*", 428, "exact ETag you read"),
        ('"sha256:0000"', 412, "does not match"),
    ],
)
def test_approval_names_the_exact_pending_etag(
    client: Client, auth: Auth, if_match: str | None, status: int, words: str
) -> None:
    staged = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], _set(P2, "Otra.")))
    assert staged.status_code == 202
    headers = {**auth["es-rev"], **({"If-Match": if_match} if if_match else {})}
    refused = client.post(f"{ES}/approve", headers=headers)
    assert refused.status_code == status
    assert refused.headers["content-type"] == "application/problem+json"
    assert words in refused.json()["detail"]
    assert _served(client, P2)["text"] != "Otra."


def test_a_newer_upload_makes_the_etag_the_reviewer_saw_stale(client: Client, auth: Auth) -> None:
    first = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], _set(P2, "Una.")))
    seen = client.get(f"{ES}/pending", headers=auth["es-rev"])
    assert seen.headers["etag"] == first.json()["etag"] == seen.json()["etag"]
    second = _upload(client, auth["es-tr2"], _edited(client, auth["es-tr2"], _set(P2, "Dos.")))
    assert second.status_code == 202 and second.json()["etag"] != seen.headers["etag"]
    stale = _approve(client, auth["es-rev"], seen.headers["etag"])
    assert stale.status_code == 412
    assert _served(client, P2)["text"] not in ("Una.", "Dos.")


# 2. Reviewers see what they approve


def _translator_pass(po: Catalog) -> None:
    intro = _message(po, INTRO)
    assert intro.fuzzy and intro.id == NEW_INTRO, "the changed source is exported as stale"
    intro.flags.discard("fuzzy")  # old translation confirmed without a look: source_changed
    p5 = _message(po, P5)
    p5.string = "No todos ven el mismo cambio."
    p5.flags.discard("fuzzy")  # a new translation of the new source
    _message(po, P6).string = "Una traducción mejorada."  # changed
    _message(po, P7).string = ""  # removed


def test_pending_lists_every_difference_with_source_approved_proposed_and_flags(
    changed: tuple[Client, Auth],
) -> None:
    client, auth = changed
    old_intro_es = _message(
        read_po(io.BytesIO(client.get(ES, headers=auth["es-tr"]).content)), INTRO
    ).string
    old_p6_es = _served(client, P6)["text"]
    old_p7_es = _served(client, P7)["text"]
    staged = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], _translator_pass))
    assert staged.status_code == 202, staged.text
    pending = client.get(f"{ES}/pending", headers=auth["es-rev"])
    assert pending.status_code == 200
    body = pending.json()
    assert pending.headers["etag"] == body["etag"]
    assert body["uploaded_by"] == "es-tr"
    entries = {e["context"]: e for e in body["entries"]}
    assert set(entries) == {INTRO, P5, P6, P7}
    flags = ("new", "changed", "removed", "source_changed")
    assert {c: tuple(f for f in flags if e[f]) for c, e in entries.items()} == {
        INTRO: ("new", "source_changed"),
        P5: ("new",),
        P6: ("changed",),
        P7: ("removed",),
    }
    assert entries[INTRO] == {
        **entries[INTRO],
        "source": NEW_INTRO,
        "approved": None,
        "proposed": old_intro_es,
        "translated_from": OLD_INTRO,
        "uploaded_by": ["es-tr"],
    }
    assert (entries[P5]["source"], entries[P5]["approved"]) == (NEW_P5, None)
    assert entries[P5]["proposed"] == "No todos ven el mismo cambio."
    assert (entries[P6]["approved"], entries[P6]["proposed"]) == (
        old_p6_es,
        "Una traducción mejorada.",
    )
    assert (entries[P7]["approved"], entries[P7]["proposed"]) == (old_p7_es, None)


def test_a_source_changed_entry_is_served_only_once_named(changed: tuple[Client, Auth]) -> None:
    client, auth = changed
    staged = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], _translator_pass))
    approved = _approve(client, auth["es-rev"], staged.json()["etag"])
    assert approved.status_code == 200, approved.text
    assert sorted(approved.json()["approved"]) == sorted([P5, P6, P7])
    intro = _served(client, INTRO)
    assert (intro["locale"], intro["fallback"], intro["text"]) == ("en", True, NEW_INTRO)
    assert _served(client, P5)["text"] == "No todos ven el mismo cambio."
    assert _served(client, P7)["fallback"] is True
    left = client.get(f"{ES}/pending", headers=auth["es-rev"]).json()
    assert [e["context"] for e in left["entries"]] == [INTRO]
    confirmed = _approve(client, auth["es-rev"], left["etag"], [INTRO])
    assert confirmed.status_code == 200, confirmed.text
    intro = _served(client, INTRO)
    assert (intro["locale"], intro["fallback"]) == ("es", False)
    assert client.get(f"{ES}/pending", headers=auth["es-rev"]).status_code == 404


# 3. An entry that translates an old source text


def test_an_entry_for_an_old_source_text_is_flagged_with_its_line_and_never_approved(
    changed: tuple[Client, Auth],
) -> None:
    client, auth = changed

    def old_file(po: Catalog) -> None:
        # A translator working from an old copy: the msgid is the old source text.
        intro = _message(po, INTRO)
        po.delete(intro.id, context=INTRO)
        po.add(OLD_INTRO, "Una traducción del texto antiguo.", context=INTRO)
        _message(po, P6).string = "Una traducción mejorada."

    upload = _edited(client, auth["es-tr"], old_file)
    staged = _upload(client, auth["es-tr"], upload)
    assert staged.status_code == 202, staged.text
    lines = upload.decode().splitlines()
    line = lines.index(f'msgid "{OLD_INTRO}"') + 1
    stale = staged.json()["stale"]
    assert [(s["context"], s["line"], s["msgid"], s["source"]) for s in stale] == [
        (INTRO, line, OLD_INTRO, NEW_INTRO)
    ]
    pending = client.get(f"{ES}/pending", headers=auth["es-rev"]).json()
    assert [e["context"] for e in pending["entries"]] == [P6]
    assert _approve(client, auth["es-rev"], pending["etag"]).status_code == 200
    intro = _served(client, INTRO)
    assert (intro["locale"], intro["text"]) == ("en", NEW_INTRO)
    exported = read_po(io.BytesIO(client.get(ES, headers=auth["es-tr"]).content))
    assert _message(exported, INTRO).string != "Una traducción del texto antiguo."


def test_an_upload_of_only_old_source_entries_is_refused_naming_their_lines(
    client: Client, auth: Auth
) -> None:
    def typo(po: Catalog) -> None:
        p2 = _message(po, P2)
        po.delete(p2.id, context=P2)
        po.add(p2.id + " (old)", "Texto para una fuente que ya no existe.", context=P2)

    refused = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], typo))
    assert refused.status_code == 422
    problem = refused.json()
    assert "nothing changed" in problem["detail"]
    assert [e["line"] > 0 and e["file"] == "es.po" for e in problem["errors"]] == [True]
    assert "current source" in problem["errors"][0]["message"]


# 4. Subset approval, sign-off, rejection


def test_a_subset_is_approved_and_signed_off_entry_by_entry(client: Client, auth: Auth) -> None:
    def two(po: Catalog) -> None:
        _message(po, P2).string = "Cambio uno."
        _message(po, P6).string = "Cambio dos."

    staged = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], two))
    approved = _approve(client, auth["es-rev"], staged.json()["etag"], [P6])
    assert approved.status_code == 200, approved.text
    assert _served(client, P6)["text"] == "Cambio dos."
    assert _served(client, P2)["text"] != "Cambio uno."
    assert [
        e["context"] for e in client.get(f"{ES}/pending", headers=auth["es-rev"]).json()["entries"]
    ] == [P2]
    unknown = _approve(
        client,
        auth["es-rev"],
        client.get(f"{ES}/pending", headers=auth["es-rev"]).json()["etag"],
        ["nope/x"],
    )
    assert unknown.status_code == 422 and "nope/x" in unknown.json()["detail"]

    assert client.get(f"{ES}/signoff", headers=auth["es-rev"]).status_code == 403
    signoff = client.get(f"{ES}/signoff", headers=auth["root"])
    assert signoff.status_code == 200, signoff.text
    records = signoff.json()["entries"]
    assert len(records) == 1
    record = records[0]
    import hashlib

    source = _served(client, P6)  # Spanish now; the source is the English text
    english = _block(client.get(ARTICLE, params={"locale": "en"}).json(), P6)["text"]
    assert record == {
        **record,
        "context": P6,
        "decision": "approved",
        "reviewer": "es-rev",
        "uploaded_by": ["es-tr"],
        "source_hash": "sha256:" + hashlib.sha256(english.encode()).hexdigest(),
        "translation_hash": "sha256:" + hashlib.sha256(source["text"].encode()).hexdigest(),
    }
    assert record["at"].endswith("Z")
    audit = client.get(
        "/v1/manage/audit", params={"action": "catalog.approve"}, headers=auth["root"]
    )
    assert [e["actor"] for e in audit.json()["entries"]] == ["es-rev"]


def test_a_reviewer_rejects_a_pending_upload_with_a_comment(client: Client, auth: Auth) -> None:
    staged = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], _set(P2, "Mal.")))
    etag = staged.json()["etag"]
    no_comment = client.post(f"{ES}/reject", headers={**auth["es-rev"], "If-Match": etag}, json={})
    assert no_comment.status_code in (400, 422)
    assert (
        client.post(
            f"{ES}/reject", headers={**auth["fr-rev"], "If-Match": etag}, json={"comment": "no"}
        ).status_code
        == 403
    )
    rejected = client.post(
        f"{ES}/reject",
        headers={**auth["es-rev"], "If-Match": etag},
        json={"comment": "Keep the medical term."},
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["comment"] == "Keep the medical term."
    assert rejected.json()["rejected_by"] == "es-rev"
    assert client.get(f"{ES}/pending", headers=auth["es-rev"]).status_code == 404
    assert _served(client, P2)["text"] != "Mal."
    audit = client.get(
        "/v1/manage/audit", params={"action": "catalog.reject"}, headers=auth["root"]
    )
    assert [e["detail"] for e in audit.json()["entries"]] == ["Keep the medical term."]


# 5. An upload that changes nothing


def test_an_upload_that_changes_nothing_is_refused_and_not_audited(
    client: Client, auth: Auth
) -> None:
    same = client.get(ES, headers=auth["es-tr"]).content
    refused = _upload(client, auth["es-tr"], same)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "nothing changed" in refused.json()["detail"]
    change = _edited(client, auth["es-tr"], _set(P2, "Cambio."))
    assert _upload(client, auth["es-tr"], change).status_code == 202
    again = _upload(client, auth["es-tr"], change)
    assert again.status_code == 422 and "nothing changed" in again.json()["detail"]
    audit = client.get(
        "/v1/manage/audit", params={"action": "catalog.upload"}, headers=auth["root"]
    )
    assert len(audit.json()["entries"]) == 1


# 6. Honest caching across an approval


@pytest.mark.parametrize("locale", ["es", "en"])
def test_a_response_marked_immutable_never_changes_its_bytes(
    client: Client, auth: Auth, locale: str
) -> None:
    pinned = {"version": 1, "locale": locale}
    paths = [ARTICLE, f"{ARTICLE}/sections/introduction"]
    before = [client.get(path, params=pinned) for path in paths]
    staged = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], _set(P2, "Nuevo.")))
    assert _approve(client, auth["es-rev"], staged.json()["etag"]).status_code == 200
    after = [client.get(path, params=pinned) for path in paths]
    for old, new in zip(before, after, strict=True):
        if "immutable" in old.headers["cache-control"]:
            assert new.content == old.content
        else:
            assert "max-age=60" in old.headers["cache-control"]
    changed_bytes = [old.content != new.content for old, new in zip(before, after, strict=True)]
    assert changed_bytes == [locale == "es"] * 2
    if locale == "en":
        # Version 1 is the current version: its article carries review dates a review
        # changes, so it revalidates; its sections never change.
        assert ["immutable" in r.headers["cache-control"] for r in before] == [False, True]
