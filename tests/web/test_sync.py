"""Offline bundles and delta sync through the real app, across a real re-import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from api.sources import read_content
from api.store.importer import import_content
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG, publish_files
from tests.store.test_sync import _patched
from tests.web.test_schedules import _at, _fall_due, _schedule
from tests.web.test_workflow import NEW, _submitted, auth

__all__ = ["auth"]

Client = TestClient[Any]
SENTENCE = "Not everyone experiences the same degree of transformation."
CHANGED = "Results differ from person to person."


def _republish_with_one_sentence_changed(tree: Path, db_path: Path) -> None:
    article = tree / "content" / "articles" / f"{SLUG}.yaml"
    article.write_text(article.read_text().replace(SENTENCE, CHANGED))
    db = open_database(db_path)
    publish_files(db, tree)
    db.conn.close()


@pytest.fixture()
def synced(tree: Path) -> tuple[Path, Path]:
    db_path = tree / "sync.db"
    db = open_database(db_path)
    import_content(db, read_content(tree / "content", tree / "locales"))
    db.conn.close()
    return tree, db_path


def test_bundle_holds_everything_a_kiosk_needs(client: Client) -> None:
    response = client.get("/v1/bundles/es")
    assert response.status_code == 200
    assert response.headers["content-language"] == "es"
    bundle = response.json()
    assert bundle["locale"] == "es" and bundle["cursor"] >= 1
    assert [a["slug"] for a in bundle["articles"]] == [SLUG]
    assert bundle["articles"][0] == client.get(f"/v1/articles/{SLUG}?locale=es").json()
    listed = client.get("/v1/treatments?locale=es").json()
    # The bundle sorts records by id (the list keeps the content's order), as /v1/changes.
    assert bundle["treatments"] == sorted(listed, key=lambda t: t["id"]) != listed
    assert bundle["locales"] == client.get("/v1/locales").json()
    assert len(bundle["treatments"]) == 8


def test_bundle_of_an_unsupported_region_is_its_fallback_locale(client: Client) -> None:
    response = client.get("/v1/bundles/es-AR")
    assert response.headers["content-language"] == "es"
    assert response.content == client.get("/v1/bundles/es").content
    again = client.get("/v1/bundles/es-AR", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    # Mexico has a bundle of its own: the Spanish text with Mexico's figures (RV-3).
    mexican = client.get("/v1/bundles/es-MX")
    assert mexican.headers["content-language"] == "es-MX"
    assert mexican.json()["locale"] == "es-MX" and mexican.content != response.content


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/v1/bundles/e$", 400, "locale"),
        ("/v1/bundles/" + "x" * 65, 400, "locale"),
        ("/v1/changes?since=-1", 400, "since"),
        ("/v1/changes?since=abc", 400, "since"),
        ("/v1/changes?since=1%20OR%201=1", 400, "since"),
        ("/v1/changes?since=99999999999999999999", 400, "since"),
        ("/v1/changes?since=1000", 400, "since"),
        ("/v1/changes?since=0&locale=%00", 400, "locale"),
        ("/v1/changes?since=0&patches=maybe", 400, "patches"),
    ],
)
def test_bad_sync_input_is_a_problem_naming_the_parameter(
    client: Client, path: str, status: int, field: str
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


def test_changes_since_the_bundle_cursor_hold_exactly_the_republished_article(
    synced: tuple[Path, Path],
) -> None:
    tree, db_path = synced
    with TestClient(create_app(db_path)) as client:
        cursor = client.get("/v1/bundles/es").json()["cursor"]
        nothing = client.get("/v1/changes", params={"since": cursor, "locale": "es"}).json()
        assert nothing == {
            "locale": "es",
            "since": cursor,
            "cursor": cursor,
            "locales": None,
            "articles": [],
            "treatments": [],
            "removed": [],
        }
        _republish_with_one_sentence_changed(tree, db_path)
        response = client.get(
            "/v1/changes", params={"since": cursor}, headers={"Accept-Language": "es-AR,es;q=0.9"}
        )
        assert response.headers["content-language"] == "es"
        changes = response.json()
        assert changes["cursor"] > cursor
        assert [(a["slug"], a["version"]) for a in changes["articles"]] == [(SLUG, 2)]
        assert changes["articles"][0] == client.get(f"/v1/articles/{SLUG}?locale=es").json()
        assert changes["treatments"] == [] and changes["removed"] == []
        # The Spanish translation of the changed sentence is stale, so completeness moved.
        assert changes["locales"] == client.get("/v1/locales").json()
        bundle = client.get("/v1/bundles/es").json()
        assert bundle["cursor"] == changes["cursor"]
        assert bundle["articles"][0]["version"] == 2
        full = client.get("/v1/changes", params={"since": 0, "locale": "es"}).json()
        assert len(full["articles"]) == 1 and len(full["treatments"]) == 8


def test_changes_answer_is_cacheable_and_revalidates(client: Client) -> None:
    first = client.get("/v1/changes", params={"since": 0, "locale": "fr"})
    assert first.status_code == 200 and first.headers["etag"].startswith('"')
    assert "Accept-Language" in first.headers["vary"]
    again = client.get(
        "/v1/changes",
        params={"since": 0, "locale": "fr"},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304


def test_an_embargoed_correction_reaches_no_kiosk_through_a_patch_before_its_time(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    """Patches are made when content is published, never before: a scheduled correction is
    in no patch (nor stored as one) until its time; then the kiosk gets the paragraph, and
    applying it gives the fresh bundle byte for byte (M2, P7)."""
    held = msgspec.json.decode(client.get("/v1/bundles/en").content)
    ask = {"since": held["cursor"], "locale": "en", "patches": "true"}
    draft, etag = _submitted(client, auth)
    scheduled = _schedule(client, auth["rev"], draft, etag, _at(3600))
    assert scheduled.status_code == 200, scheduled.text
    early = client.get("/v1/changes", params=ask)
    assert early.json()["patches"] == [] and early.json()["cursor"] == held["cursor"]
    assert NEW not in early.text
    db = open_database(db_path)
    assert db.execute("SELECT count(*) FROM sync_patches").fetchone()[0] == 0
    db.conn.close()
    _fall_due(db_path)
    late = client.get("/v1/changes", params=ask)
    [patch] = late.json()["patches"]
    assert patch["kind"] == "article" and NEW in late.text
    assert (
        len(late.content)
        < len(client.get("/v1/changes", params=ask | {"patches": "false"}).content) / 4
    )
    _patched(held, late.json())
    assert msgspec.json.encode(held) == client.get("/v1/bundles/en").content
