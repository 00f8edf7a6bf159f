"""Review metadata readers get (who reviewed, when, when it is due, its status, the
translation's sign-off) in the article, list, section, bundle and sync documents; a review
that finds a version still accurate; the sweep that flags overdue content."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from api.core.access import Principal
from api.core.errors import Forbidden
from api.core.schedule import ReviewPolicy, next_review_due, review_status
from api.store.accounts import create_token
from api.store.reviews import confirm_review, sweep_review_status, today
from api.store.schema import open_database
from api.store.versions import load_article
from api.web.app import create_app
from api.web.sweeper import seconds_to_next_sweep
from tests.conftest import SLUG
from tests.editing import EDITOR, REVIEWER, head_etag, publish_change

Client = TestClient[Any]
ARTICLE = f"/v1/articles/{SLUG}"
HEAD = f"/v1/manage/articles/{SLUG}"


def _review(client: Client, path: str = ARTICLE, **params: Any) -> dict[str, Any]:
    review: dict[str, Any] = client.get(path, params=params).json()["review"]
    return review


@pytest.mark.parametrize(
    ("last", "months", "due"),
    [
        (date(2026, 12, 7), 12, date(2027, 12, 7)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
    ],
)
def test_next_review_due_adds_calendar_months(last: date, months: int, due: date) -> None:
    assert next_review_due(last, ReviewPolicy(interval_months=months)) == due


@pytest.mark.parametrize(
    ("days_left", "status"),
    [(31, "current"), (30, "due-soon"), (0, "due-soon"), (-1, "overdue")],
)
def test_status_against_the_due_date(days_left: int, status: str) -> None:
    on = date(2027, 1, 1)
    assert review_status(on + timedelta(days=days_left), on, ReviewPolicy()) == status


def test_every_reader_document_carries_the_review(client: Client) -> None:
    stamp = today()
    en = _review(client, locale="en")
    assert en["reviewed_by"]["name"] == "import"
    assert en["last_reviewed"] == stamp.isoformat()
    assert en["next_review_due"] == next_review_due(stamp, ReviewPolicy()).isoformat()
    assert en["review_status"] == "current" and en["interval_months"] == 12
    assert en["translation"] is None
    fr = _review(client, locale="fr")
    assert fr["translation"]["locale"] == "fr"
    assert fr["translation"]["approved_by"]["name"] == "import"
    # As the fr catalog file dates its revision (PO-Revision-Date), not the seed's time.
    assert fr["translation"]["approved_at"] == "2026-11-25T00:34:00Z"
    assert {k: v for k, v in fr.items() if k != "translation"} == {
        k: v for k, v in en.items() if k != "translation"
    }
    listed = client.get("/v1/articles", params={"locale": "fr"}).json()
    assert listed[0]["review"] == fr
    bundle = client.get("/v1/bundles/fr").json()
    assert bundle["articles"][0]["review"] == fr
    changes = client.get("/v1/changes", params={"since": 0, "locale": "fr"}).json()
    assert changes["articles"][0]["review"] == fr


def test_a_superseded_version_says_so_and_only_then_is_immutable(db_path: Path) -> None:
    with TestClient(create_app(db_path)) as client:
        pinned = client.get(ARTICLE, params={"version": 1, "locale": "en"})
        # The current version's review dates change with a review: it revalidates.
        assert "immutable" not in pinned.headers["cache-control"]
        db = open_database(db_path)
        article = load_article(db, SLUG, 1)
        publish_change(db, msgspec.structs.replace(article, title="Stem cells for hair loss"))
        db.conn.close()
        old = client.get(ARTICLE, params={"version": 1, "locale": "en"})
        assert "immutable" in old.headers["cache-control"]
        assert old.json()["review"]["review_status"] == "superseded"
        assert old.json()["review"]["next_review_due"] is None
        current = _review(client, locale="en")
    assert current["review_status"] == "current"
    assert current["reviewed_by"] == {"name": "rev"}  # no account here: no role to show


def test_overdue_content_is_flagged_by_the_sweep_and_a_review_clears_it(db_path: Path) -> None:
    db = open_database(db_path)
    publish_change(db, msgspec.structs.replace(load_article(db, SLUG, 1), title="Renamed"))
    # Published long ago: the stored documents still say what they said when rendered.
    db.execute("UPDATE versions SET published_at = '2025-01-10T09:00:00Z' WHERE number = 2")
    assert sweep_review_status(db, on=date(2025, 12, 20)) == [SLUG]
    assert sweep_review_status(db, on=date(2025, 12, 20)) == []  # nothing moved since
    with TestClient(create_app(db_path)) as client:
        review = _review(client, locale="es")
        assert review["review_status"] == "due-soon"
        assert review["next_review_due"] == "2026-01-10"
        assert sweep_review_status(db, on=date(2026, 3, 1)) == [SLUG]
        assert _review(client, locale="es")["review_status"] == "overdue"
        assert client.get("/v1/articles").json()[0]["review"]["review_status"] == "overdue"
        # The version's own author may not vouch for it, whatever their role.
        with pytest.raises(Forbidden, match="you wrote part of version 2"):
            confirm_review(db, Principal(name=EDITOR.name, role="admin"), SLUG, head_etag(db, SLUG))
        confirmed = confirm_review(
            db, Principal(name="doc", role="reviewer"), SLUG, head_etag(db, SLUG)
        )
        assert confirmed.review_status == "current"
        review = _review(client, locale="es")
    assert review["reviewed_by"]["name"] == "doc"
    assert review["last_reviewed"] == today().isoformat() and review["review_status"] == "current"
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 2  # no new version


def test_a_reviewer_confirms_over_http_under_the_review_rule(db_path: Path) -> None:
    db = open_database(db_path)
    tokens = {}
    for name, role in (("ed", "editor"), ("rev", "reviewer"), ("doc", "reviewer")):
        tokens[name] = {
            "Authorization": f"Bearer {create_token(db, name=name, role=role, locales=[])[1]}"
        }
    publish_change(db, msgspec.structs.replace(load_article(db, SLUG, 1), title="Renamed"))
    db.conn.close()
    with TestClient(create_app(db_path)) as client:
        etag = client.get(HEAD, headers=tokens["doc"]).headers["etag"]
        path = f"{HEAD}/reviews"
        body = {"note": "Re-read against the sources; still accurate."}
        missing = client.post(path, json=body, headers=tokens["doc"])
        assert missing.status_code == 428
        editor = client.post(path, json=body, headers={**tokens["ed"], "If-Match": etag})
        assert editor.status_code == 403
        # `rev` published version 2 but wrote none of it: the rule lets them review it again.
        done = client.post(path, json=body, headers={**tokens["doc"], "If-Match": etag})
        assert done.status_code == 201, done.text
        assert done.json()["reviewed_by"] == {"name": "doc", "role": "reviewer"}
        hostile = client.post(
            path, json={"note": "a\u202eb"}, headers={**tokens["doc"], "If-Match": etag}
        )
        assert hostile.status_code == 422 and "note" in hostile.text
        assert _review(client, locale="en")["reviewed_by"]["name"] == "doc"
    db = open_database(db_path)
    audit = db.execute("SELECT actor, detail FROM audit WHERE action = 'article.review'").fetchall()
    assert audit == [("doc", "version 2 reviewed, still accurate: " + body["note"])]
    assert REVIEWER.name == "rev"


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (datetime(2026, 12, 7, 23, 59, tzinfo=UTC), 120),
        (datetime(2026, 12, 31, 0, 1, tzinfo=UTC), 86_400),
        (datetime(2026, 12, 7, 0, 0, 30, tzinfo=UTC), 86_430),
    ],
)
def test_the_daily_sweep_runs_just_after_utc_midnight(now: datetime, seconds: float) -> None:
    assert seconds_to_next_sweep(now) == seconds
