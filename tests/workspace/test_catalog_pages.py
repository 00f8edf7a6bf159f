"""The translator's and the catalog reviewer's pages over HTTP with the real app: download,
upload with its errors listed by line, progress and stale entries, and review entry by
entry under the review rule (the uploader cannot approve, even by posting the form)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from api.store.catalogs import pending_review
from api.store.schema import open_database
from api.store.translations import catalog_entries
from tests.conftest import SLUG
from tests.workspace.pages import People, signed_in, unescape

P1 = f"{SLUG}/introduction/p1"
REVISED = "La terapia con células madre es un enfoque experimental."


@pytest.fixture()
def people(db_path: Path, tokens: dict[str, str]) -> Iterator[People]:
    yield from signed_in(db_path, tokens)


def _revised(catalog: bytes, context: str = P1, text: str = REVISED) -> bytes:
    po = read_po(io.BytesIO(catalog))
    message = next(m for m in po if m.context == context)
    message.string = text
    out = io.BytesIO()
    write_po(out, po, width=0)
    return out.getvalue()


def _upload(people: People, body: bytes) -> tuple[int, str]:
    translator, csrf = people["translator"]
    response = translator.post(
        "/workspace/catalogs/es/upload",
        data={"_csrf_token": csrf},
        files={"catalog": ("es.po", body, "text/x-gettext-translation")},
    )
    return response.status_code, response.text


def test_the_translator_downloads_uploads_and_sees_errors_by_line(
    people: People, db_path: Path
) -> None:
    translator, _ = people["translator"]
    page = translator.get("/workspace/catalogs/es")
    assert page.status_code == 200
    assert re.search(r'<progress max="100" value="\d+"', page.text)
    download = translator.get("/workspace/catalogs/es/download")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="es.po"'
    catalog = download.content

    broken = catalog.replace(b'msgid ""\nmsgstr ""', b'msgid ""\nmsgstr ""\nthis is not po', 1)
    status, text = _upload(people, broken)
    assert status == 422
    line = broken.split(b"\n").index(b"this is not po") + 1
    assert f"line {line}:" in text and "not a valid PO line" in text

    status, text = _upload(people, catalog)
    assert status == 422 and "nothing changed" in text

    status, text = _upload(people, _revised(catalog))
    assert status == 200, text
    assert 'id="upload-done"' in text
    (entry,) = pending_review(open_database(db_path), "es").entries
    assert (entry.context, entry.proposed, entry.uploaded_by) == (P1, REVISED, ("lucia",))


def test_the_uploader_cannot_approve_and_the_locale_reviewer_can(
    people: People, db_path: Path
) -> None:
    translator, csrf = people["translator"]
    catalog = translator.get("/workspace/catalogs/es/download").content
    assert _upload(people, _revised(catalog))[0] == 200

    # Lucia, the uploader, is a translator: the review page shows why she cannot approve.
    seen = translator.get("/workspace/catalogs/es/review")
    assert seen.status_code == 200
    assert "a translator does not review: only a reviewer may approve these es entries" in (
        unescape(seen.text)
    )
    etag = re.search(r'name="etag" value="([^"]+)"', seen.text)
    assert etag is not None
    forced = translator.post(
        "/workspace/catalogs/es/approve",
        data={"_csrf_token": csrf, "etag": unescape(etag.group(1)), "do": "all"},
    )
    assert forced.status_code == 403
    assert pending_review(open_database(db_path), "es").entries

    # Ben reviews source text, not Spanish.
    ben, _ = people["reviewer"]
    assert (
        "you are not scoped to review translations into es"
        in ben.get("/workspace/catalogs/es/review").text
    )

    marta, marta_csrf = people["es-reviewer"]
    review = marta.get("/workspace/catalogs/es/review")
    assert review.status_code == 200
    row = re.search(r'<tr id="entry-0">.*?</tr>', review.text, re.S)
    assert row is not None
    assert 'lang="es" dir="ltr"' in row.group(0) and "<del>" in row.group(0)
    assert "changed translation" in row.group(0) and "lucia" in row.group(0)
    etag = re.search(r'name="etag" value="([^"]+)"', review.text)
    assert etag is not None
    nothing = marta.post(
        "/workspace/catalogs/es/approve",
        data={"_csrf_token": marta_csrf, "etag": unescape(etag.group(1)), "do": "selected"},
    )
    assert nothing.status_code == 422 and "Tick the entries" in nothing.text
    approved = marta.post(
        "/workspace/catalogs/es/approve",
        data={
            "_csrf_token": marta_csrf,
            "etag": unescape(etag.group(1)),
            "do": "selected",
            "entries": [P1],
        },
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    served = {e.context: e.text for e in catalog_entries(open_database(db_path), "es")}
    assert served[P1] == REVISED


def test_a_rejection_needs_a_comment_and_discards_the_upload(people: People, db_path: Path) -> None:
    translator, _ = people["translator"]
    catalog = translator.get("/workspace/catalogs/es/download").content
    assert _upload(people, _revised(catalog))[0] == 200
    marta, csrf = people["es-reviewer"]
    review = marta.get("/workspace/catalogs/es/review")
    etag = re.search(r'name="etag" value="([^"]+)"', review.text)
    assert etag is not None
    data = {"_csrf_token": csrf, "etag": unescape(etag.group(1))}
    refused = marta.post("/workspace/catalogs/es/reject", data={**data, "comment": " "})
    assert refused.status_code == 422 and "Say why" in refused.text
    done = marta.post(
        "/workspace/catalogs/es/reject",
        data={**data, "comment": "Keep 'revolucionario' out"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    db = open_database(db_path)
    assert (
        db.execute("SELECT count(*) FROM translations WHERE status = 'pending'").fetchone()[0] == 0
    )
    detail = db.execute(
        "SELECT actor, detail FROM audit WHERE action = 'catalog.reject'"
    ).fetchone()
    assert tuple(detail) == ("marta", "Keep 'revolucionario' out")


def test_arabic_translations_are_reviewed_right_to_left(people: People) -> None:
    root, csrf = people["admin"]
    catalog = root.get("/workspace/catalogs/ar/download").content
    revised = _revised(catalog, text="يعد العلاج بالخلايا الجذعية لتساقط الشعر نهجا تجريبيا.")
    uploaded = root.post(
        "/workspace/catalogs/ar/upload",
        data={"_csrf_token": csrf},
        files={"catalog": ("ar.po", revised, "text/x-gettext-translation")},
    )
    assert uploaded.status_code == 200, uploaded.text
    # The admin uploaded it: the review page says why they may not approve it themselves.
    review = root.get("/workspace/catalogs/ar/review")
    row = re.search(r'<tr id="entry-0">.*?</tr>', review.text, re.S)
    assert row is not None
    assert row.group(0).count('lang="ar" dir="rtl"') == 2  # approved and proposed
    assert 'lang="en" dir="ltr"' in row.group(0)  # the source stays left to right
    assert "you wrote part of these ar entries: a second person must review it" in unescape(
        review.text
    )
    assert '<html lang="en" dir="ltr">' in review.text
