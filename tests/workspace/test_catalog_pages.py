"""The translator's and the catalog reviewer's pages over HTTP with the real app: download,
upload with its errors listed by line, progress and stale entries, and review entry by
entry under the review rule (the uploader cannot approve, even by posting the form)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from api.store.catalogs import pending_review
from api.store.schema import open_database
from api.store.translations import catalog_entries
from tests.conftest import SLUG
from tests.workspace.pages import People, parse, signed_in, text_of

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


def _etag(html: str) -> str:
    """The ETag the page's review form posts back (the one the reviewer saw)."""
    return parse(html).select('input[name="etag"]')[0].get("value") or ""


def test_the_translator_downloads_uploads_and_sees_errors_by_line(
    people: People, db_path: Path
) -> None:
    translator, _ = people["translator"]
    page = translator.get("/workspace/catalogs/es")
    assert page.status_code == 200
    progress = parse(page.text).one('progress[max="100"]')
    assert 0 <= int(progress.get("value") or "x") <= 100
    download = translator.get("/workspace/catalogs/es/download")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="es.po"'
    catalog = download.content

    broken = catalog.replace(b'msgid ""\nmsgstr ""', b'msgid ""\nmsgstr ""\nthis is not po', 1)
    status, text = _upload(people, broken)
    assert status == 422
    line = broken.split(b"\n").index(b"this is not po") + 1
    assert f"line {line}:" in text_of(text) and "not a valid PO line" in text_of(text)

    status, text = _upload(people, catalog)
    assert status == 422 and "nothing changed" in text_of(text)

    status, text = _upload(people, _revised(catalog))
    assert status == 200, text
    assert parse(text).select("#upload-done")
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
        text_of(seen.text)
    )
    forced = translator.post(
        "/workspace/catalogs/es/approve",
        data={"_csrf_token": csrf, "etag": _etag(seen.text), "do": "all"},
    )
    assert forced.status_code == 403
    assert pending_review(open_database(db_path), "es").entries

    # Ben reviews source text, not Spanish.
    ben, _ = people["reviewer"]
    assert "you are not scoped to review translations into es" in text_of(
        ben.get("/workspace/catalogs/es/review").text
    )

    marta, marta_csrf = people["es-reviewer"]
    review = marta.get("/workspace/catalogs/es/review")
    assert review.status_code == 200
    row = parse(review.text).one("tr#entry-0")
    assert row.select('[lang="es"][dir="ltr"]') and row.select("del")
    assert "changed translation" in row.text and "lucia" in row.text
    etag = _etag(review.text)
    nothing = marta.post(
        "/workspace/catalogs/es/approve",
        data={"_csrf_token": marta_csrf, "etag": etag, "do": "selected"},
    )
    assert nothing.status_code == 422 and "Tick the entries" in text_of(nothing.text)
    approved = marta.post(
        "/workspace/catalogs/es/approve",
        data={
            "_csrf_token": marta_csrf,
            "etag": etag,
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
    data = {"_csrf_token": csrf, "etag": _etag(review.text)}
    refused = marta.post("/workspace/catalogs/es/reject", data={**data, "comment": " "})
    assert refused.status_code == 422 and "Say why" in text_of(refused.text)
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
    page = parse(review.text)
    row = page.one("tr#entry-0")
    assert len(row.select('[lang="ar"][dir="rtl"]')) == 2  # approved and proposed
    assert row.select('[lang="en"][dir="ltr"]')  # the source stays left to right
    assert "you wrote part of these ar entries: a second person must review it" in page.text
    assert page.one("html").attrs == {"lang": "en", "dir": "ltr"}


def test_the_translator_downloads_and_uploads_one_articles_catalog(
    people: People, db_path: Path
) -> None:
    """One article's catalog, chosen on the page: it holds that article's messages only,
    and its upload is staged as that article's."""
    translator, csrf = people["translator"]
    page = parse(translator.get("/workspace/catalogs/es").text)
    choices = [o.get("value") for o in page.select("#f-article-download option")]
    assert choices == ["shared", SLUG]
    download = translator.get("/workspace/catalogs/es/download", params={"article": SLUG})
    assert download.status_code == 200
    assert download.headers["content-disposition"] == f'attachment; filename="es-{SLUG}.po"'
    contexts = {m.context for m in read_po(io.BytesIO(download.content)) if m.id}
    assert P1 in contexts and all(c.startswith(f"{SLUG}/") for c in contexts)
    # The article's file offered as the shared catalog: its messages are not shared's.
    wrong = translator.post(
        "/workspace/catalogs/es/upload",
        data={"_csrf_token": csrf, "article": "shared"},
        files={"catalog": ("es.po", _revised(download.content), "text/x-gettext-translation")},
    )
    assert wrong.status_code == 422 and "names no known block" in text_of(wrong.text)
    done = translator.post(
        "/workspace/catalogs/es/upload",
        data={"_csrf_token": csrf, "article": SLUG},
        files={"catalog": ("es.po", _revised(download.content), "text/x-gettext-translation")},
    )
    assert done.status_code == 200 and parse(done.text).select("#upload-done"), done.text
    (entry,) = pending_review(open_database(db_path), "es", SLUG).entries
    assert (entry.context, entry.proposed) == (P1, REVISED)


def test_forms_posted_anyway_follow_the_rule_entry_by_entry(people: People, db_path: Path) -> None:
    """Workspace walk 5, server side: an admin who typed an entry cannot approve it by
    posting the form (one ticked entry, or all); a translator cannot reject an entry; an
    entry's page whose source has since changed says so instead of saving."""
    from api.core.catalog_changes import entry_key

    root, root_csrf = people["admin"]
    source = next(
        e.source for e in catalog_entries(open_database(db_path), "es") if e.context == P1
    )
    key = entry_key(P1, source)
    typed = root.post(
        f"/workspace/catalogs/es/entries/{key}",
        data={"_csrf_token": root_csrf, "text": REVISED},
        follow_redirects=False,
    )
    assert typed.status_code == 303, typed.text
    review = root.get("/workspace/catalogs/es/review")
    assert "you wrote part of this entry: a second person must review it" in text_of(review.text)
    for form in ({"do": "selected", "entries": [P1]}, {"do": "all"}):
        forced = root.post(
            "/workspace/catalogs/es/approve",
            data={"_csrf_token": root_csrf, "etag": _etag(review.text), **form},
        )
        assert forced.status_code == 403, form
    translator, csrf = people["translator"]
    refused = translator.post(
        "/workspace/catalogs/es/approve",
        data={
            "_csrf_token": csrf,
            "etag": _etag(review.text),
            "reject": key,
            f"reason-{key}": "No.",
        },
    )
    assert refused.status_code == 403
    assert [e.context for e in pending_review(open_database(db_path), "es").entries] == [P1]
    gone = root.get(f"/workspace/catalogs/es/entries/{entry_key(P1, 'an older source')}")
    assert gone.status_code == 404
    assert "its source text may have changed" in text_of(gone.text)


def test_two_people_typing_one_entry_never_overwrite_each_other(
    people: People, db_path: Path
) -> None:
    """Catalog review: the translator opened the entry before the admin's text became
    pending; their save says who proposed what meanwhile, and the admin's text still
    awaits review. The page opened again carries that text, and saving then proposes the
    translator's for the reviewer to choose."""
    from api.core.catalog_changes import entry_key

    source = next(
        e.source for e in catalog_entries(open_database(db_path), "es") if e.context == P1
    )
    url = f"/workspace/catalogs/es/entries/{entry_key(P1, source)}"
    translator, csrf = people["translator"]
    opened = translator.get(url)
    assert opened.status_code == 200
    assert not parse(opened.text).select('input[name="had_pending"]')
    root, root_csrf = people["admin"]
    typed = root.post(url, data={"_csrf_token": root_csrf, "text": REVISED}, follow_redirects=False)
    assert typed.status_code == 303, typed.text
    mine = "La terapia con células madre es un enfoque aún experimental."
    late = translator.post(url, data={"_csrf_token": csrf, "text": mine}, follow_redirects=False)
    assert late.status_code == 422
    assert "meanwhile" in text_of(late.text) and REVISED in text_of(late.text)
    pending = pending_review(open_database(db_path), "es").entries
    assert [(e.context, e.proposed) for e in pending] == [(P1, REVISED)]
    again = translator.get(url)
    form = parse(again.text)
    fields = {i.get("name"): i.get("value") or "" for i in form.select('input[type="hidden"]')}
    assert fields.get("pending") == REVISED and fields.get("had_pending") == "1"
    saved = translator.post(
        url,
        data={"_csrf_token": csrf, "text": mine, "pending": REVISED, "had_pending": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    pending = pending_review(open_database(db_path), "es").entries
    assert [(e.context, e.proposed) for e in pending] == [(P1, mine)]
