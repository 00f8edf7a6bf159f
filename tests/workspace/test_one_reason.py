"""One person, one refusal, one reason: the API's 403, the workspace's disabled buttons (on
the dashboard, the review page and the article page) and the command line all ask the same
permission rule (`api.core.access.may`) and say the same sentence (code review, finding 3).

Pilar reviews Spanish, and her token was created by root, who wrote the draft and the
published version she is shown: two rules refuse her (her scope, and her tie to the
author). Before the one rule, the dashboard asked the scope first and the review page the
review rule first, so she read two different reasons for the same draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from litestar.testing import TestClient

from api.core.access import Principal
from api.core.workflow import article_etag
from api.store.accounts import create_token
from api.store.drafts import create_draft, submit_draft
from api.store.schema import open_database
from api.store.versions import latest_version, load_article, treatments_number
from tests.conftest import SLUG
from tests.test_cli import run
from tests.workspace.pages import parse
from tests.workspace.people import sign_in

Client = TestClient[Any]
ROOT = Principal(name="root", role="admin")
SCOPE = "you review translations into es, not source text"


def _pilar_and_roots_draft(db_path: Path) -> tuple[str, int, str]:
    """Pilar's secret, and root's draft in review (its id and ETag)."""
    db = open_database(db_path)
    try:
        _, secret = create_token(db, name="pilar", role="reviewer", locales=["es"], actor=ROOT)
        head = latest_version(db, SLUG)
        assert head is not None
        article = load_article(db, SLUG, head.number)
        etag = article_etag(SLUG, head.number, treatments_number(db))
        draft = create_draft(
            db, ROOT, msgspec.structs.replace(article, title="Renamed by root"), "Title", etag
        )
        draft = submit_draft(db, ROOT, draft.id, draft.etag)
        return secret, draft.id, draft.etag
    finally:
        db.conn.close()


def test_the_same_person_gets_the_same_single_reason_everywhere(
    seeded: Path, ws: Client, tmp_path: Path
) -> None:
    secret, draft_id, draft_etag = _pilar_and_roots_draft(seeded)
    bearer = {"Authorization": f"Bearer {secret}"}

    # Publishing root's draft: the API, the dashboard's queue and the review page.
    api = ws.post(
        f"/v1/manage/drafts/{draft_id}/publish", headers={**bearer, "If-Match": draft_etag}
    )
    assert api.status_code == 403, api.text
    said_by_api = api.json()["detail"]
    sign_in(ws, secret)
    dashboard = parse(ws.get("/workspace/dashboard").text)
    said_by_dashboard = dashboard.one(f"#queue-why-{draft_id}").text
    review = parse(ws.get(f"/workspace/drafts/{draft_id}/review").text)
    said_by_review_page = review.one("#publish-why").text
    assert said_by_api == said_by_dashboard == said_by_review_page == SCOPE

    # Confirming the published version still accurate: the API, the article page and the
    # command line (which knows Pilar by name only, not her token).
    head = ws.get(f"/v1/manage/articles/{SLUG}", headers=bearer)
    confirm = ws.post(
        f"/v1/manage/articles/{SLUG}/reviews",
        headers={**bearer, "If-Match": head.headers["etag"]},
        json={"note": "re-read"},
    )
    assert confirm.status_code == 403, confirm.text
    article = parse(ws.get(f"/workspace/articles/{SLUG}").text)
    cli = run("review", "confirm", SLUG, "--reviewer", "pilar", "--db", str(seeded), cwd=tmp_path)
    assert cli.returncode == 1
    assert confirm.json()["detail"] == article.one("#review-why").text == SCOPE
    assert cli.stderr.strip().splitlines()[-1] == f"error: {SCOPE}"


def test_a_reviewer_of_source_text_gets_one_reason_for_a_catalog_everywhere(
    seeded: Path, ws: Client, tokens: dict[str, str]
) -> None:
    """Ben reviews source text; the pending Spanish catalog is not his to approve or
    reject. The API said "'ben' is not scoped to locale 'es'", the dashboard the same, and
    the catalog's review page "you are not scoped to review translations into es"."""
    bearer = {"Authorization": f"Bearer {tokens['reviewer']}"}
    pending = ws.get("/v1/manage/catalogs/es/pending", headers=bearer)
    assert pending.status_code == 200, pending.text
    approve = ws.post(
        "/v1/manage/catalogs/es/approve", headers={**bearer, "If-Match": pending.headers["etag"]}
    )
    reject = ws.post(
        "/v1/manage/catalogs/es/reject",
        headers={**bearer, "If-Match": pending.headers["etag"]},
        json={"comment": "no"},
    )
    assert approve.status_code == reject.status_code == 403
    sign_in(ws, tokens["reviewer"])
    dashboard = parse(ws.get("/workspace/dashboard").text)
    page = parse(ws.get("/workspace/catalogs/es/review").text)
    said = {
        approve.json()["detail"],
        reject.json()["detail"],
        dashboard.one("#pending-why-es").text,
        page.one("#approve-why").text,
        page.one("#reject-why").text,
    }
    assert said == {"you are not scoped to review translations into es"}
