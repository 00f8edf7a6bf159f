"""A new article from the workspace's form (issue 27 point 4): the same use case as the
API's, refusals beside their field (a bad slug, a taken one), the review rule (its author
alone cannot publish it), and once a second person publishes it, readers get it and
translators get its catalog, with nothing translated yet."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from litestar.testing import TestClient

from api.actions.drafts import create_article
from api.store.drafts import get_draft
from api.store.schema import open_database
from api.web.workspace.review import CHECKED
from tests.conftest import SLUG
from tests.editing import EDITOR, new_article, publish_change
from tests.workspace.pages import People, parse, signed_in, text_of

Client = TestClient[Any]
NEW = "/workspace/drafts/new"
SLUG_NEW = "hair-loss-in-women"


@pytest.fixture()
def people(db_path: Path, tokens: dict[str, str]) -> Iterator[People]:
    yield from signed_in(db_path, tokens)


def _form(csrf: str, **changes: str) -> dict[str, str]:
    return {
        "_csrf_token": csrf,
        "slug": SLUG_NEW,
        "title": "Hair loss in women",
        "section-0-heading": "What it is",
        "section-0-text": "Hair thins over the whole scalp.\n\nIt often starts at the parting.",
        "section-1-heading": "When to see a doctor",
        "section-1-text": "When hair falls out in patches.",
        "message": "A new article on hair loss in women",
        **changes,
    }


def _refusal(client: Client, csrf: str, field: str, **changes: str) -> str:
    response = client.post(NEW, data=_form(csrf, **changes))
    assert response.status_code == 422, response.text
    page = parse(response.text)
    error = page.one(f"#e-{field}")
    assert page.one(f"#f-{field}").get("aria-invalid") == "true"
    return error.text


def test_a_bad_or_taken_slug_is_refused_at_the_slug(people: People, db_path: Path) -> None:
    editor, csrf = people["editor"]
    assert "lower-case letters and digits" in _refusal(editor, csrf, "slug", slug="Hair Loss")
    assert "reserved" in _refusal(editor, csrf, "slug", slug="shared")
    taken = _refusal(editor, csrf, "slug", slug=SLUG)
    assert f"the slug {SLUG!r} is taken: an article with it exists (version 1)" in taken
    assert "markup" in _refusal(editor, csrf, "section-1-text", **{"section-1-text": "<b>x</b>"})
    assert "heading" in _refusal(editor, csrf, "section-2-heading", **{"section-2-text": "Text"})
    # What was typed is kept.
    kept = editor.post(NEW, data=_form(csrf, slug="Hair Loss"))
    assert parse(kept.text).one("#f-title").get("value") == "Hair loss in women"
    # A second new article with the slug an open draft proposes is refused too.
    first = editor.post(NEW, data=_form(csrf), follow_redirects=False)
    assert first.status_code == 303, first.text
    draft_id = int(first.headers["location"].rsplit("/", 1)[1])
    again = _refusal(editor, csrf, "slug")
    assert f"draft {draft_id} by ana already proposes a new article" in again
    assert open_database(db_path).execute("SELECT count(*) FROM drafts").fetchone()[0] == 1


def test_the_api_refuses_a_taken_slug_as_a_problem_at_the_field(
    people: People, tokens: dict[str, str]
) -> None:
    editor, csrf = people["editor"]
    assert editor.post(NEW, data=_form(csrf), follow_redirects=False).status_code == 303
    body = {
        "message": "Me too",
        "article": {
            "slug": SLUG_NEW,
            "title": "Hair loss in women",
            "sections": [
                {"id": "intro", "blocks": [{"type": "paragraph", "id": "p1", "text": "Text."}]}
            ],
        },
    }
    response = editor.post(
        f"/v1/manage/articles/{SLUG_NEW}/drafts",
        json=body,
        headers={"Authorization": f"Bearer {tokens['editor']}"},
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["errors"][0]["field"] == "$.article.slug"
    assert "already proposes a new article" in problem["errors"][0]["message"]


def test_created_reviewed_read_and_translatable(
    people: People, db_path: Path, tokens: dict[str, str]
) -> None:
    admin, csrf = people["admin"]
    created = admin.post(NEW, data=_form(csrf), follow_redirects=False)
    assert created.status_code == 303, created.text
    draft_id = int(created.headers["location"].rsplit("/", 1)[1])
    draft, article = get_draft(open_database(db_path), draft_id)
    assert (draft.base_version, draft.author) == (0, "root")
    assert [s.id for s in article.sections] == ["what-it-is", "when-to-see-a-doctor"]
    assert [b.id for b in article.sections[0].blocks] == ["p1", "p2"]
    page = admin.get(f"/workspace/drafts/{draft_id}")
    etag = parse(page.text).select('input[name="etag"]')[0].get("value") or ""
    admin.post(f"/workspace/drafts/{draft_id}/submit", data={"_csrf_token": csrf, "etag": etag})
    # Its author alone cannot publish it, whatever their role: one reason, everywhere.
    reason = "you wrote part of this draft: a second person must review it"
    review = parse(admin.get(f"/workspace/drafts/{draft_id}/review").text)
    assert review.one("span.reason#publish-why").text == reason
    reviewer, reviewer_csrf = people["reviewer"]
    seen = parse(reviewer.get(f"/workspace/drafts/{draft_id}/review").text)
    etag = seen.select('input[name="etag"]')[0].get("value") or ""
    forced = admin.post(
        f"/workspace/drafts/{draft_id}/publish", data={"_csrf_token": csrf, "etag": etag}
    )
    assert forced.status_code == 403 and reason in text_of(forced.text)
    assert admin.get(f"/v1/articles/{SLUG_NEW}").status_code == 404
    # A second person publishes it; readers get it, in the source text until translated.
    done = reviewer.post(
        f"/workspace/drafts/{draft_id}/publish",
        data={"_csrf_token": reviewer_csrf, "etag": etag, "checked": CHECKED},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    read = reviewer.get(f"/v1/articles/{SLUG_NEW}?locale=es").json()
    assert read["title"] == {"text": "Hair loss in women", "locale": "en", "fallback": True}
    listed = reviewer.get("/v1/articles?q=women&locale=es").json()
    assert [a["slug"] for a in listed] == [SLUG_NEW]
    found = parse(reviewer.get("/workspace/articles?q=women").text)
    assert [a.text for a in found.select("#article-list a")][:1] == ["Hair loss in women"]
    # A search with no word in it is refused with the reason, not read as "every article".
    nothing = reviewer.get("/workspace/articles?q=%E2%80%8B")
    assert nothing.status_code == 400
    assert "must contain a letter or digit" in nothing.text
    first = parse(reviewer.get("/workspace/articles?limit=1").text)
    assert len(first.select("#article-list li")) == 1
    (more,) = first.select('a[rel="next"]')
    assert more.get("href") == f"/workspace/articles?limit=1&after={SLUG_NEW}"
    rest = parse(reviewer.get(more.get("href") or "").text)
    assert [a.text for a in rest.select("#article-list code")] == [SLUG]
    # The translators' catalog of the new article: every message, none translated yet.
    po = reviewer.get(
        f"/v1/manage/catalogs/es/articles/{SLUG_NEW}",
        headers={"Authorization": f"Bearer {tokens['translator']}"},
    )
    assert po.status_code == 200, po.text
    catalog = read_po(io.BytesIO(po.content))
    ids = {m.context: m.string for m in catalog if m.id}
    assert f"{SLUG_NEW}/what-it-is/p2" in ids and not any(ids.values()), ids
    # Its template too, in the files a translator's tool reads (`locales/<slug>.pot`).
    archive = reviewer.get(
        "/v1/manage/catalogs/es/archive",
        headers={"Authorization": f"Bearer {tokens['translator']}"},
    )
    assert archive.status_code == 200, archive.text
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        template = read_po(io.BytesIO(files.read(f"locales/{SLUG_NEW}.pot")))
        assert f"locales/es/LC_MESSAGES/{SLUG_NEW}.po" in files.namelist()
    assert {m.context for m in template if m.id} == set(ids)


def test_a_new_article_is_checked_without_reading_every_article(db_path: Path) -> None:
    """Catalogue scale: the check of a draft reads the articles the treatment records point
    into, not every published one (at 10,000 articles that was seconds per save)."""
    db = open_database(db_path)
    for n in range(3):
        publish_change(db, new_article(f"other-{n}", f"Other {n}"), "New article")
    read: list[str] = []
    db.conn.set_trace_callback(read.append)
    draft = create_article(db, EDITOR, new_article(SLUG_NEW, "Hair loss in women"), "New")
    db.conn.set_trace_callback(None)
    assert draft.base_version == 0
    bodies = [sql for sql in read if sql.startswith("SELECT body FROM versions")]
    # The records point into the shipped article only: its body is read, no other's.
    assert len(bodies) == 1 and f"'{SLUG}'" in bodies[0], bodies


@pytest.mark.parametrize(
    ("slug", "field", "says"),
    [
        ("Bad-Slug", "article.slug", "matching regex"),
        ("shared", "$.article.slug", "is reserved"),
        (SLUG, "", "If-Match"),
    ],
)
def test_the_api_door_refuses_a_bad_slug_as_a_problem(
    ws: Client, tokens: dict[str, str], slug: str, field: str, says: str
) -> None:
    """The API's new article: the same model and checks as the form's; an existing slug
    without If-Match is a change that names no version read (428)."""
    body = {
        "message": "New",
        "article": {
            "slug": slug,
            "title": "T",
            "sections": [{"id": "a", "blocks": [{"type": "paragraph", "id": "p1", "text": "x"}]}],
        },
    }
    response = ws.post(
        f"/v1/manage/articles/{slug}/drafts",
        json=body,
        headers={"Authorization": f"Bearer {tokens['editor']}"},
    )
    assert response.status_code == (428 if slug == SLUG else 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert says in response.text
    if field:
        assert response.json()["errors"][0]["field"] == field
