"""The webhook outbox, deliveries, their log and the sender's lease, on a real database."""

from __future__ import annotations

import io
import json
import os
import random
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import msgspec
import pytest
import sqlite_utils
from babel.messages.pofile import read_po, write_po

from api.core.access import Principal
from api.core.catalog import parse_catalog
from api.core.errors import Conflict, PreconditionRequired, StaleVersion, ValidationFailed
from api.core.messages import known_contexts
from api.core.webhooks import (
    RETRY_SCHEDULE,
    ArticlePublished,
    address_refusal,
    check_endpoint_url,
    next_delay,
)
from api.store.catalogs import approve_catalog, pending_review, stage_catalog
from api.store.deliveries import (
    AttemptOutcome,
    due_deliveries,
    get_delivery,
    list_deliveries,
    next_due,
    record_attempt,
    replay_delivery,
)
from api.store.exporting import export_catalog, published_content
from api.store.reviews import sweep_review_status
from api.store.schema import open_database, transaction
from api.store.sender_lease import SenderLease, lease_holder
from api.store.sync import current_cursor
from api.store.versions import latest_version, load_article
from api.store.webhooks import (
    create_endpoint,
    delete_endpoint,
    enqueue_event,
    get_endpoint,
    rotate_secret,
    signing_secrets,
    update_endpoint,
)
from tests.conftest import ROOT, SLUG
from tests.editing import publish_change

ADMIN = Principal(name="root", role="admin")


@pytest.fixture()
def db(db_path: Path) -> sqlite_utils.Database:
    return open_database(db_path)


def _events(db: sqlite_utils.Database) -> list[tuple[str, dict[str, object]]]:
    rows = db.execute("SELECT type, payload FROM webhook_events ORDER BY id").fetchall()
    return [(kind, json.loads(body)) for kind, body in rows]


def _publish(db: sqlite_utils.Database, title: str) -> int:
    head = latest_version(db, SLUG)
    assert head is not None
    article = load_article(db, SLUG, head.number)
    return publish_change(db, msgspec.structs.replace(article, title=title)).number


def test_an_event_is_written_with_the_change_or_not_at_all(db: sqlite_utils.Database) -> None:
    endpoint = create_endpoint(db, ADMIN, "https://partner.example/hook", ["article.published"])
    with pytest.raises(RuntimeError), transaction(db):
        enqueue_event(db, ArticlePublished(slug=SLUG, version=9))
        raise RuntimeError("the change fails after the event was written")
    assert _events(db) == []
    version = _publish(db, "A new title")
    [(kind, body)] = _events(db)
    assert kind == "article.published"
    assert body["type"] == "article.published"
    assert body["data"] == {"slug": SLUG, "version": version, "cursor": current_cursor(db)}
    assert str(body["timestamp"]).endswith("Z")
    delivery = db.execute("SELECT endpoint_id, state FROM webhook_deliveries").fetchall()
    assert delivery == [(endpoint.endpoint.id, "pending")]


def test_only_enabled_endpoints_subscribed_to_the_type_get_a_delivery(
    db: sqlite_utils.Database,
) -> None:
    wanted = create_endpoint(db, ADMIN, "https://a.example/", ["article.published"])
    create_endpoint(db, ADMIN, "https://b.example/", ["review.overdue"])
    off = create_endpoint(db, ADMIN, "https://c.example/", ["article.published"])
    update_endpoint(db, ADMIN, off.endpoint.id, off.endpoint.etag, enabled=False)
    _publish(db, "Another title")
    endpoints = [row[0] for row in db.execute("SELECT endpoint_id FROM webhook_deliveries")]
    assert endpoints == [wanted.endpoint.id]


def test_no_subscriber_writes_nothing(db: sqlite_utils.Database) -> None:
    _publish(db, "Unheard")
    assert db.execute("SELECT count(*) FROM webhook_events").fetchone()[0] == 0


def test_a_catalog_approval_announces_its_locale_and_articles(db: sqlite_utils.Database) -> None:
    create_endpoint(db, ADMIN, "https://a.example/", ["translation.approved"])
    content = published_content(db)
    catalog = read_po(io.BytesIO(export_catalog(db, "es", content)))
    message = next(m for m in catalog if m.context == f"{SLUG}/title")
    message.string = "Un título aprobado ahora"
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    contexts = known_contexts(list(content.articles), content.treatments)
    parsed = parse_catalog(out.getvalue(), "es.po", "es", contexts)
    stage_catalog(db, Principal(name="tr", role="translator", locales=("es",)), parsed)
    reviewer = Principal(name="rv", role="reviewer", locales=("es",))
    approve_catalog(db, reviewer, "es", pending_review(db, "es").etag)
    [(kind, body)] = _events(db)
    assert kind == "translation.approved"
    assert body["data"] == {"locale": "es", "articles": [SLUG], "cursor": current_cursor(db)}


def test_the_secret_rotation_signs_with_both_secrets_while_it_overlaps(
    db: sqlite_utils.Database,
) -> None:
    made = create_endpoint(db, ADMIN, "https://a.example/", ["article.published"])
    assert made.secret.startswith("whsec_")
    rotated = rotate_secret(db, ADMIN, made.endpoint.id, made.endpoint.etag, overlap_seconds=60)
    assert rotated.secret != made.secret
    assert rotated.endpoint.previous_secret_until is not None
    assert signing_secrets(db, made.endpoint.id, time.time()) == [rotated.secret, made.secret]
    assert signing_secrets(db, made.endpoint.id, time.time() + 61) == [rotated.secret]


def test_changes_need_the_endpoints_etag(db: sqlite_utils.Database) -> None:
    made = create_endpoint(db, ADMIN, "https://a.example/", ["article.published"])
    with pytest.raises(PreconditionRequired):
        update_endpoint(db, ADMIN, made.endpoint.id, None, description="x")
    changed = update_endpoint(db, ADMIN, made.endpoint.id, made.endpoint.etag, description="x")
    assert changed.description == "x"
    with pytest.raises(StaleVersion):
        delete_endpoint(db, ADMIN, made.endpoint.id, made.endpoint.etag)
    delete_endpoint(db, ADMIN, made.endpoint.id, changed.etag)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://partner.example/",
        "https://user:pw@partner.example/",
        "https:///nohost",
        "https://partner.example/#frag",
        "https://partner.example:99999/",
        "https://partner.example/\u202ehook",
    ],
)
def test_endpoint_urls_are_checked_at_the_door(url: str) -> None:
    with pytest.raises(ValidationFailed):
        check_endpoint_url(url)


@pytest.mark.parametrize(
    ("address", "allowed", "refused"),
    [
        ("127.0.0.1", (), True),
        ("::1", (), True),
        ("10.1.2.3", (), True),
        ("192.168.0.10", (), True),
        ("172.16.5.4", (), True),
        ("169.254.169.254", (), True),  # the cloud metadata service
        ("fe80::1", (), True),
        ("::ffff:127.0.0.1", (), True),
        ("0.0.0.0", (), True),
        ("100.64.0.1", (), True),
        ("fc00::1", (), True),
        ("93.184.215.14", (), False),
        ("2606:4700::1111", (), False),
        ("127.0.0.1", ("127.0.0.0/8",), False),
        ("10.1.2.3", ("127.0.0.0/8",), True),
    ],
)
def test_addresses_a_sender_may_not_call(
    address: str, allowed: tuple[str, ...], refused: bool
) -> None:
    assert (address_refusal(address, allowed) is not None) == refused


def test_the_retry_schedule_is_the_specifications_with_jitter() -> None:
    rng = random.Random(7)
    for failures, base in enumerate(RETRY_SCHEDULE, start=1):
        delays = {next_delay(failures, rng=rng) for _ in range(20)}
        assert all(d is not None and base * 0.8 <= d <= base * 1.2 for d in delays)
        assert len(delays) > 1  # jitter: retries caused by load do not come back together
    assert next_delay(len(RETRY_SCHEDULE) + 1) is None
    assert next_delay(1, retry_after=120) == pytest.approx(120, abs=0)


def test_attempts_follow_the_schedule_and_410_disables(db: sqlite_utils.Database) -> None:
    made = create_endpoint(db, ADMIN, "https://a.example/", ["article.published"])
    _publish(db, "Scheduled")
    [due] = due_deliveries(db, time.time() + 1)
    start = time.time()
    assert record_attempt(db, due, AttemptOutcome(status=500), at=start) == "pending"
    later = next_due(db)
    assert later is not None and start + 4 <= later <= start + 6
    assert due_deliveries(db, start + 1) == []
    [again] = due_deliveries(db, start + 7)
    assert again.failures == 1
    assert record_attempt(db, again, AttemptOutcome(status=410)) == "failed"
    endpoint = get_endpoint(db, made.endpoint.id)
    assert not endpoint.enabled
    assert endpoint.disabled_reason == "the receiver answered 410 Gone"
    detail = get_delivery(db, due.id)
    assert [a.status for a in detail.attempts] == [500, 410]
    assert detail.delivery.state == "failed"
    with pytest.raises(Conflict):
        replay_delivery(db, ADMIN, due.id)


def test_a_delivered_delivery_can_be_replayed_with_the_same_webhook_id(
    db: sqlite_utils.Database,
) -> None:
    made = create_endpoint(db, ADMIN, "https://a.example/", ["article.published"])
    _publish(db, "Replayed")
    [due] = due_deliveries(db, time.time() + 1)
    assert record_attempt(db, due, AttemptOutcome(status=204)) == "delivered"
    assert due_deliveries(db, time.time() + 10**6) == []
    replayed = replay_delivery(db, ADMIN, due.id)
    assert replayed.state == "pending"
    [again] = due_deliveries(db, time.time() + 1)
    assert (again.id, again.msg_id, again.payload, again.replay) == (
        due.id,
        due.msg_id,
        due.payload,
        True,
    )
    record_attempt(db, again, AttemptOutcome(status=200))
    detail = get_delivery(db, due.id)
    assert [a.trigger for a in detail.attempts] == ["scheduled", "replay"]
    page = list_deliveries(db, made.endpoint.id)
    assert [d.id for d in page.deliveries] == [due.id]
    assert page.deliveries[0].webhook_id == due.msg_id


def test_the_schedule_ending_without_a_success_disables_the_endpoint(
    db: sqlite_utils.Database,
) -> None:
    made = create_endpoint(db, ADMIN, "https://a.example/", ["article.published"])
    _publish(db, "Unreachable")
    at = time.time()
    for _ in range(len(RETRY_SCHEDULE) + 1):
        [due] = due_deliveries(db, at + 10**7)
        state = record_attempt(db, due, AttemptOutcome(error="connection refused"), at=at)
    assert state == "failed"
    assert not get_endpoint(db, made.endpoint.id).enabled


def test_one_sender_holds_the_lease(db_path: Path, db: sqlite_utils.Database) -> None:
    host = socket.gethostname()
    me = SenderLease(db_path, f"{host}/{os.getpid()}/a")
    other = SenderLease(db_path, f"{host}/{os.getpid()}/b")
    seen = db.execute("PRAGMA data_version").fetchone()[0]
    try:
        assert lease_holder(db_path) is None
        assert me.acquire()
        assert not other.acquire()
        assert me.acquire()  # still held
        assert lease_holder(db_path) == me.holder
        me.release()
        assert lease_holder(db_path) is None
        assert other.acquire()
        assert not me.acquire()
        assert lease_holder(db_path) == other.holder
    finally:
        me.release()
        other.release()
    # Taking, holding and giving up the lease commits nothing to the database.
    assert db.execute("PRAGMA data_version").fetchone()[0] == seen


_HOLD = """
import sys, time
from api.store.sender_lease import SenderLease
lease = SenderLease(sys.argv[1], "elsewhere/1/held")
assert lease.acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_a_killed_holders_lease_is_taken_at_once(db_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(db_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    mine = SenderLease(db_path, f"{socket.gethostname()}/{os.getpid()}/y")
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert lease_holder(db_path) == "elsewhere/1/held"
        assert not mine.acquire()
        holder.kill()  # SIGKILL: no clean release
        holder.wait(timeout=10)
        assert mine.acquire()  # at once: no expiry to wait out
        assert lease_holder(db_path) == mine.holder
    finally:
        mine.release()
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_the_sweep_announces_an_article_gone_overdue(db: sqlite_utils.Database) -> None:
    create_endpoint(db, ADMIN, "https://a.example/", ["review.overdue"])
    assert sweep_review_status(db, on=date(2100, 1, 1)) == [SLUG]
    [(kind, body)] = _events(db)
    assert kind == "review.overdue"
    data = body["data"]
    assert isinstance(data, dict)
    assert (data["slug"], data["cursor"]) == (SLUG, current_cursor(db))
    assert data["next_review_due"] < "2100-01-01"
    assert sweep_review_status(db, on=date(2100, 1, 2)) == []  # once, when it moves
    assert len(_events(db)) == 1
