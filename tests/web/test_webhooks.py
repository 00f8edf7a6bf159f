"""The webhook management API (admins only) and the sender's checks of where a URL leads,
through the real app."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import msgspec
import pytest
from litestar.testing import TestClient

from api.config import Settings
from api.store.accounts import create_token
from api.store.deliveries import AttemptOutcome, DueDelivery
from api.store.schema import open_database, transaction
from api.store.versions import latest_version, load_article
from api.web.app import create_app
from api.web.outbound import send_attempt
from tests.conftest import SLUG
from tests.editing import publish_change

HOOK = {"url": "https://93.184.215.14/hooks", "events": ["article.published"]}


def _client(db_path: Path, **settings: object) -> TestClient:  # type: ignore[type-arg]
    return TestClient(create_app(db_path, Settings(db=str(db_path), **settings)))  # type: ignore[arg-type]


@pytest.fixture()
def tokens(db_path: Path) -> dict[str, str]:
    db = open_database(db_path)
    with transaction(db):
        made = {
            role: create_token(db, name=role, role=role, locales=[])[1]
            for role in ("admin", "editor")
        }
    db.conn.close()
    return {role: f"Bearer {secret}" for role, secret in made.items()}


@pytest.fixture()
def admin(db_path: Path, tokens: dict[str, str]) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with _client(db_path) as client:
        client.headers["Authorization"] = tokens["admin"]
        yield client


def test_only_admins_manage_webhooks(db_path: Path, tokens: dict[str, str]) -> None:
    with _client(db_path) as client:
        assert client.get("/v1/manage/webhooks").status_code == 401
        refused = client.get("/v1/manage/webhooks", headers={"Authorization": tokens["editor"]})
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        made = client.post(
            "/v1/manage/webhooks", json=HOOK, headers={"Authorization": tokens["editor"]}
        )
        assert made.status_code == 403


def test_the_secret_is_shown_once(admin: TestClient) -> None:  # type: ignore[type-arg]
    made = admin.post("/v1/manage/webhooks", json={**HOOK, "description": "kiosks"})
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    assert secret.startswith("whsec_")
    endpoint = made.json()["endpoint"]
    assert made.headers["etag"] == endpoint["etag"]
    listed = admin.get("/v1/manage/webhooks")
    one = admin.get(f"/v1/manage/webhooks/{endpoint['id']}")
    for answer in (listed, one):
        assert answer.status_code == 200
        assert secret not in answer.text and "whsec_" not in answer.text
    rotated = admin.post(
        f"/v1/manage/webhooks/{endpoint['id']}/rotate-secret",
        headers={"If-Match": one.headers["etag"]},
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] not in (secret, None)
    assert rotated.json()["endpoint"]["previous_secret_until"] is not None
    assert "whsec_" not in admin.get(f"/v1/manage/webhooks/{endpoint['id']}").text


def test_changes_and_removal_need_the_etag(admin: TestClient) -> None:  # type: ignore[type-arg]
    endpoint = admin.post("/v1/manage/webhooks", json=HOOK).json()["endpoint"]
    path = f"/v1/manage/webhooks/{endpoint['id']}"
    assert admin.patch(path, json={"enabled": False}).status_code == 428
    assert (
        admin.patch(path, json={"enabled": False}, headers={"If-Match": '"x"'}).status_code == 412
    )
    off = admin.patch(path, json={"enabled": False}, headers={"If-Match": endpoint["etag"]})
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert off.json()["disabled_reason"] == "disabled by admin"
    assert admin.delete(path, headers={"If-Match": endpoint["etag"]}).status_code == 412
    assert admin.delete(path, headers={"If-Match": off.headers["etag"]}).status_code == 204
    assert admin.get(path).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**HOOK, "events": ["article.deleted"]}, "events"),
        ({**HOOK, "events": []}, "events"),
        ({**HOOK, "url": "ftp://93.184.215.14/"}, "url"),
        ({**HOOK, "url": "https://user:pw@93.184.215.14/"}, "url"),
        ({**HOOK, "surprise": 1}, "surprise"),
    ],
)
def test_bad_subscriptions_are_refused_naming_the_field(
    admin: TestClient,  # type: ignore[type-arg]
    body: dict[str, object],
    field: str,
) -> None:
    answer = admin.post("/v1/manage/webhooks", json=body)
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in answer.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",  # a name: every address it resolves to is checked
        "http://[::1]/hook",
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_private_targets_are_refused_by_default(admin: TestClient, url: str) -> None:  # type: ignore[type-arg]
    answer = admin.post("/v1/manage/webhooks", json={**HOOK, "url": url})
    assert answer.status_code == 422, answer.text
    assert "--webhook-allowed-networks" in answer.json()["detail"]


def test_an_operator_can_allow_a_network(db_path: Path, tokens: dict[str, str]) -> None:
    with _client(db_path, webhook_allowed_networks=("127.0.0.0/8",)) as client:
        client.headers["Authorization"] = tokens["admin"]
        made = client.post("/v1/manage/webhooks", json={**HOOK, "url": "http://127.0.0.1:9/h"})
        assert made.status_code == 201, made.text
        still = client.post("/v1/manage/webhooks", json={**HOOK, "url": "http://10.0.0.7/h"})
        assert still.status_code == 422


def test_the_sender_checks_every_address_again_at_send_time() -> None:
    """DNS rebinding: a host that resolved to a public address when it was saved may lead
    to a private one later; the attempt is refused and nothing is sent."""
    due = DueDelivery(
        id=1,
        endpoint_id=1,
        url="http://localhost:9/hook",
        msg_id="msg_x",
        payload=b"{}",
        secrets=("whsec_" + "A" * 43,),
        failures=0,
        replay=False,
    )

    async def attempt() -> object:
        async with httpx.AsyncClient() as client:
            return await send_attempt(client, due, (), 5)

    outcome = asyncio.run(attempt())
    assert outcome.status is None  # type: ignore[attr-defined]
    assert outcome.error.startswith("refused: localhost resolves to")  # type: ignore[attr-defined]


def test_replay_of_an_unknown_delivery_is_404(admin: TestClient) -> None:  # type: ignore[type-arg]
    answer = admin.post("/v1/manage/webhook-deliveries/12345/replay")
    assert answer.status_code == 404
    assert admin.get("/v1/manage/webhook-deliveries/12345").status_code == 404
    assert admin.get("/v1/manage/webhooks/12345/deliveries").status_code == 404


def test_the_delivery_log_and_replay(admin: TestClient, db_path: Path) -> None:  # type: ignore[type-arg]
    made = admin.post("/v1/manage/webhooks", json=HOOK).json()["endpoint"]
    db = open_database(db_path)
    head = latest_version(db, SLUG)
    assert head is not None
    article = load_article(db, SLUG, head.number)
    version = publish_change(db, msgspec.structs.replace(article, title="Logged")).number
    db.conn.close()
    page = admin.get(f"/v1/manage/webhooks/{made['id']}/deliveries")
    assert page.status_code == 200
    [delivery] = page.json()["deliveries"]
    assert (delivery["type"], delivery["state"], delivery["attempts"]) == (
        "article.published",
        "pending",
        0,
    )
    detail = admin.get(f"/v1/manage/webhook-deliveries/{delivery['id']}").json()
    assert json.loads(detail["payload"])["data"]["version"] == version
    assert detail["attempts"] == []
    replayed = admin.post(f"/v1/manage/webhook-deliveries/{delivery['id']}/replay")
    assert replayed.status_code == 202
    assert replayed.json()["webhook_id"] == delivery["webhook_id"]
    etag = admin.get(f"/v1/manage/webhooks/{made['id']}").headers["etag"]
    admin.patch(
        f"/v1/manage/webhooks/{made['id']}", json={"enabled": False}, headers={"If-Match": etag}
    )
    refused = admin.post(f"/v1/manage/webhook-deliveries/{delivery['id']}/replay")
    assert refused.status_code == 409
    assert "disabled" in refused.json()["detail"]


class _Partner(BaseHTTPRequestHandler):
    """A receiver that is slow, redirects, or is busy, by path."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path == "/slow":
            time.sleep(3)
        status = {"/redirect": 302, "/busy": 503}.get(self.path, 200)
        self.send_response(status)
        if status == 302:
            self.send_header("location", "/elsewhere")
        if status == 503:
            self.send_header("retry-after", "120")
        self.send_header("content-length", "4")
        self.end_headers()
        self.wfile.write(b"busy")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def partner() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Partner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("path", "status", "error", "retry_after"),
    [
        ("/slow", None, "no answer within 1 s", None),
        ("/redirect", 302, None, None),  # a failure: redirects are never followed
        ("/busy", 503, None, 120.0),
        ("/ok", 200, None, None),
    ],
)
def test_an_attempt_times_out_follows_no_redirect_and_reads_retry_after(
    partner: str, path: str, status: int | None, error: str | None, retry_after: float | None
) -> None:
    due = DueDelivery(
        id=1,
        endpoint_id=1,
        url=partner + path,
        msg_id="msg_x",
        payload=b"{}",
        secrets=("whsec_" + "A" * 43,),
        failures=0,
        replay=False,
    )

    async def attempt() -> AttemptOutcome:
        async with httpx.AsyncClient() as client:
            return await send_attempt(client, due, ("127.0.0.0/8",), 1)

    outcome = asyncio.run(attempt())
    assert (outcome.status, outcome.error, outcome.retry_after) == (status, error, retry_after)
