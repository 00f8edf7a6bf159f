"""The admins' webhook pages in-process with the real app: a new endpoint's secret shown
once, a refused private target, rotation, switching off and on, the delivery log with its
attempts, replay, removal after a confirmation, and nobody but admins."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from api.store.deliveries import AttemptOutcome, due_deliveries, record_attempt
from api.store.schema import open_database
from api.store.versions import latest_version, load_article
from tests.conftest import SLUG
from tests.editing import publish_change
from tests.workspace.pages import parse, text_of
from tests.workspace.people import sign_in

Client = TestClient[Any]
PAGE = "/workspace/admin/webhooks"
URL = "https://93.184.215.14/hooks/vetted"


def _subscribe(ws: Client, csrf: str, url: str = URL) -> Any:
    return ws.post(
        f"{PAGE}/",
        data={
            "_csrf_token": csrf,
            "url": url,
            "events": ["article.published", "review.overdue"],
            "description": "kiosks",
        },
    )


def test_a_new_endpoints_secret_is_shown_once(ws: Client, tokens: dict[str, str]) -> None:
    csrf = sign_in(ws, tokens["admin"])
    assert 'href="/workspace/admin/webhooks"' in ws.get("/workspace/admin").text
    created = _subscribe(ws, csrf)
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    secret = parse(created.text).one("code#secret-value").text
    assert secret.startswith("whsec_")
    listing = ws.get(f"{PAGE}/").text
    assert URL in text_of(listing) and secret not in listing and "whsec_" not in listing
    one = ws.get(f"{PAGE}/1").text
    assert "article.published" in text_of(one) and "whsec_" not in one


def test_a_private_target_is_refused_with_the_form_kept(ws: Client, tokens: dict[str, str]) -> None:
    csrf = sign_in(ws, tokens["admin"])
    refused = _subscribe(ws, csrf, "http://169.254.169.254/latest/meta-data/")
    assert refused.status_code == 422
    page = parse(refused.text)
    assert "link-local" in page.one("#webhook-error").text
    assert page.one("#webhook-url").attrs["value"] == "http://169.254.169.254/latest/meta-data/"
    assert page.select('input[value="review.overdue"][checked]')


def test_rotation_switching_the_log_replay_and_removal(
    ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    csrf = sign_in(ws, tokens["admin"])
    first = parse(_subscribe(ws, csrf).text).one("code#secret-value").text
    etag = parse(ws.get(f"{PAGE}/1").text).select('input[name="etag"]')[0].attrs["value"]
    rotated = ws.post(
        f"{PAGE}/1/rotate", data={"_csrf_token": csrf, "etag": etag, "overlap_hours": "2"}
    )
    assert rotated.status_code == 200
    page = parse(rotated.text)
    second = page.one("code#secret-value").text
    assert second.startswith("whsec_") and second != first
    assert "Previous secret signs until" in page.text
    stale = ws.post(f"{PAGE}/1/rotate", data={"_csrf_token": csrf, "etag": etag})
    assert stale.status_code == 412

    db = open_database(db_path)
    head = latest_version(db, SLUG)
    assert head is not None
    article = load_article(db, SLUG, head.number)
    publish_change(db, msgspec.structs.replace(article, title="Announced"))
    [due] = due_deliveries(db, time.time() + 1)
    record_attempt(db, due, AttemptOutcome(status=503, response="busy", duration_ms=12))
    db.conn.close()

    endpoint = parse(ws.get(f"{PAGE}/1").text)
    row = next(tr for tr in endpoint.select("tbody tr") if "article.published" in tr.text)
    assert "pending" in row.text and "503" in row.text
    delivery = parse(ws.get(f"{PAGE}/deliveries/{due.id}").text)
    assert due.msg_id in delivery.text and '"slug":"' + SLUG in delivery.text
    assert "busy" in delivery.text and "12 ms" in delivery.text
    replayed = ws.post(f"{PAGE}/deliveries/{due.id}/replay", data={"_csrf_token": csrf})
    assert replayed.status_code == 200 and f"Delivery {due.id} is sent again." in replayed.text

    etag = parse(ws.get(f"{PAGE}/1").text).select('input[name="etag"]')[0].attrs["value"]
    off = ws.post(f"{PAGE}/1/enabled", data={"_csrf_token": csrf, "etag": etag, "enabled": "off"})
    assert off.status_code == 200 and "Sending is off." in off.text
    assert "disabled by root" in text_of(off.text)
    refused = ws.post(f"{PAGE}/deliveries/{due.id}/replay", data={"_csrf_token": csrf})
    assert "enable it before replaying" in text_of(refused.text)

    confirm = ws.get(f"{PAGE}/1/delete")
    assert "delivery log goes with it" in text_of(confirm.text)
    etag = parse(confirm.text).select('input[name="etag"]')[0].attrs["value"]
    removed = ws.post(f"{PAGE}/1/delete", data={"_csrf_token": csrf, "etag": etag})
    assert removed.status_code == 200 and "Webhook 1 is removed." in removed.text
    assert ws.get(f"{PAGE}/1").status_code == 404


@pytest.mark.parametrize("part", ["editor", "reviewer", "translator"])
def test_webhook_pages_are_for_admins(ws: Client, tokens: dict[str, str], part: str) -> None:
    csrf = sign_in(ws, tokens[part])
    assert ws.get(f"{PAGE}/").status_code == 403
    assert _subscribe(ws, csrf).status_code == 403
