"""A medical correction from draft to every reader, over HTTP with real tokens against the
real server: a factual error fixed in the article text and its treatment record together,
reviewed by a second person, then the Spanish translation fixed by a translator and approved
entry by entry by the Spanish reviewer, and the kiosk's delta sync delivering it."""

from __future__ import annotations

import copy
import hashlib
import io
from pathlib import Path
from typing import Any

import httpx
from babel.messages.pofile import read_po, write_po

from api.sources import read_content
from api.store.accounts import create_token
from api.store.importer import import_content
from api.store.schema import open_database
from bench.servers import free_port
from tests.conftest import SLUG
from tests.test_server import served

P1 = f"{SLUG}/introduction/p1"
WRONG = "Stem cell therapy for hair loss is a revolutionary approach"
RIGHT = "Stem cell therapy for hair loss is an experimental approach"
SUITABLE = (
    "typically include individuals with androgenetic alopecia (male or female pattern hair "
    "loss) or early-stage hair thinning and those who have not responded to traditional "
    "treatments"
)
FIXED_ES = "La terapia con células madre para la pérdida de cabello es un enfoque experimental"
PEOPLE = {
    "ana": ("editor", []),
    "ben": ("reviewer", []),
    "lucia": ("translator", ["es"]),
    "marta": ("reviewer", ["es"]),
    "root": ("admin", []),
}


def _block(article: dict[str, Any], section: str, block: str) -> dict[str, Any]:
    found = next(s for s in article["sections"] if s["id"] == section)
    return dict(next(b for b in found["blocks"] if b["id"] == block))


def _ok(response: httpx.Response, status: int = 200) -> httpx.Response:
    assert response.status_code == status, response.text
    return response


def _translated(catalog: bytes, source: str) -> bytes:
    """What a translator does in a PO editor: translate the stale entry, clear `fuzzy`."""
    po = read_po(io.BytesIO(catalog))
    message = po.get(source, context=P1)
    assert message is not None and message.fuzzy
    assert message.string.startswith("La terapia con células madre")  # the old translation
    message.string = FIXED_ES + message.string[message.string.index(" que ") :]
    message.flags.discard("fuzzy")
    out = io.BytesIO()
    write_po(out, po, width=0)
    return out.getvalue()


def test_a_correction_reaches_every_reader_through_review(tree: Path) -> None:
    db_path = tree / "served.db"
    db = open_database(db_path)
    import_content(db, read_content(tree / "content", tree / "locales"))
    who = {}
    for name, (role, locales) in PEOPLE.items():
        _, secret = create_token(db, name=name, role=role, locales=locales)
        who[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    port = free_port()
    with served(tree, db_path, port), httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        # The kiosk has synced Spanish before the correction.
        cursor = _ok(http.get("/v1/bundles/es")).json()["cursor"]

        # Ana reads the article and its records, corrects both, and reads her diff.
        read = _ok(http.get(f"/v1/manage/articles/{SLUG}", headers=who["ana"]))
        head = read.json()
        article = copy.deepcopy(head["article"])
        wrong = _block(article, "introduction", "p1")["text"]
        assert wrong.startswith(WRONG)
        corrected = wrong.replace(WRONG, RIGHT)
        next(s for s in article["sections"] if s["id"] == "introduction")["blocks"][0]["text"] = (
            corrected
        )
        records = copy.deepcopy(head["treatments"])
        stem = next(t for t in records["treatments"] if t["id"] == "stem-cell-therapy")
        stem["suitable_for"] = {"text": SUITABLE, "source": "candidates/p1"}
        draft = _ok(
            http.post(
                f"/v1/manage/articles/{SLUG}/drafts",
                json={
                    "article": article,
                    "treatments": records,
                    "message": "Correct: the therapy is experimental; candidacy is typical",
                },
                headers={**who["ana"], "If-Match": read.headers["etag"]},
            ),
            201,
        )
        draft_id = draft.json()["id"]
        diff = _ok(http.get(f"/v1/manage/drafts/{draft_id}/diff", headers=who["ana"])).json()
        assert [c["field"] for c in diff["against_base"]] == [
            "block:introduction/p1",
            "treatment:stem-cell-therapy",
        ]
        submitted = _ok(
            http.post(
                f"/v1/manage/drafts/{draft_id}/submit",
                headers={**who["ana"], "If-Match": draft.headers["etag"]},
            )
        )
        refused = http.post(
            f"/v1/manage/drafts/{draft_id}/publish",
            headers={**who["ana"], "If-Match": submitted.headers["etag"]},
        )
        assert refused.status_code == 403

        # Ben, a second person, reads the same diff and its Spanish impact, and publishes.
        review = _ok(http.get(f"/v1/manage/drafts/{draft_id}/diff", headers=who["ben"])).json()
        spanish = next(i for i in review["impact"] if i["locale"] == "es")
        assert spanish["loses_translation"] == [P1]
        published = _ok(
            http.post(
                f"/v1/manage/drafts/{draft_id}/publish",
                headers={**who["ben"], "If-Match": review["etag"]},
            )
        ).json()
        assert (published["number"], published["authors"], published["reviewer"]) == (
            2,
            ["ana"],
            "ben",
        )

        # Readers: the new text and record; version 1 is still what it was.
        latest = _ok(http.get(f"/v1/articles/{SLUG}")).json()
        assert _block(latest, "introduction", "p1")["text"] == corrected
        pinned = _ok(http.get(f"/v1/articles/{SLUG}", params={"version": 1})).json()
        assert _block(pinned, "introduction", "p1")["text"] == wrong
        treatments = _ok(http.get("/v1/treatments")).json()
        stem_out = next(t for t in treatments if t["id"] == "stem-cell-therapy")
        assert stem_out["suitable_for"]["text"] == SUITABLE

        # Spanish readers get the corrected English sentence, marked, until a fix is approved.
        es_block = _block(
            _ok(http.get(f"/v1/articles/{SLUG}", params={"locale": "es"})).json(),
            "introduction",
            "p1",
        )
        assert (es_block["text"], es_block["locale"], es_block["fallback"]) == (
            corrected,
            "en",
            True,
        )

        # Lucia translates the stale entry and uploads; nothing changes for readers yet.
        exported = _ok(http.get("/v1/manage/catalogs/es", headers=who["lucia"])).content
        assert f'#| msgid "{wrong}"'.encode() in exported
        staged = _ok(
            http.put(
                "/v1/manage/catalogs/es",
                content=_translated(exported, corrected),
                headers={**who["lucia"], "Content-Type": "text/x-gettext-translation"},
            ),
            202,
        )
        assert staged.json()["uploaded_by"] == "lucia"

        # Marta, the Spanish reviewer, sees that exact entry and approves it alone.
        pending = _ok(http.get("/v1/manage/catalogs/es/pending", headers=who["marta"]))
        (entry,) = pending.json()["entries"]
        assert (entry["context"], entry["source"]) == (P1, corrected)
        assert entry["proposed"].startswith(FIXED_ES) and entry["uploaded_by"] == ["lucia"]
        _ok(
            http.post(
                "/v1/manage/catalogs/es/approve",
                json={"entries": [P1]},
                headers={**who["marta"], "If-Match": pending.headers["etag"]},
            )
        )
        es_block = _block(
            _ok(http.get(f"/v1/articles/{SLUG}", params={"locale": "es"})).json(),
            "introduction",
            "p1",
        )
        assert es_block["text"].startswith(FIXED_ES) and es_block["fallback"] is False

        # The kiosk's delta sync brings the corrected article, records and translation.
        changes = _ok(http.get("/v1/changes", params={"since": cursor, "locale": "es"})).json()
        (synced,) = changes["articles"]
        assert synced["version"] == 2
        assert _block(synced, "introduction", "p1")["text"].startswith(FIXED_ES)
        stem_synced = next(t for t in changes["treatments"] if t["id"] == "stem-cell-therapy")
        assert stem_synced["suitable_for"]["text"] == SUITABLE
        assert stem_synced["suitable_for"]["fallback"] is True  # no Spanish yet: English, marked

        # The audit log shows each step, by whom; the sign-off names the exact texts.
        audit = _ok(http.get("/v1/manage/audit", headers=who["root"])).json()["entries"]
        steps = [(e["action"], e["actor"]) for e in reversed(audit) if e["actor"] in PEOPLE]
        assert steps == [
            ("draft.create", "ana"),
            ("draft.submit", "ana"),
            ("draft.publish", "ben"),
            ("treatments.publish", "ben"),
            ("article.publish", "ben"),
            ("catalog.upload", "lucia"),
            ("catalog.approve", "marta"),
        ]
        (signed,) = _ok(http.get("/v1/manage/catalogs/es/signoff", headers=who["root"])).json()[
            "entries"
        ]
        assert signed["context"] == P1 and signed["reviewer"] == "marta"
        assert signed["source_hash"] == "sha256:" + hashlib.sha256(corrected.encode()).hexdigest()
        assert signed["translation_hash"] == (
            "sha256:" + hashlib.sha256(es_block["text"].encode()).hexdigest()
        )
        refusals = _ok(http.get("/v1/manage/audit/refusals", headers=who["root"])).json()
        assert [(r["actor"], r["status"]) for r in refusals["entries"]] == [("ana", 403)]
