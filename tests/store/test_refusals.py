"""The refusal log is bounded: a flood is counted, not itemized, and old rows give way."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from api.store import refusals
from api.store.refusals import ITEMIZED_PER_MINUTE, Refusal, list_refusals, record_refusal
from api.store.schema import open_database

UNAUTHORIZED = Refusal(
    actor=None,
    role=None,
    method="GET",
    path="/v1/manage/drafts",
    operation="listDrafts",
    status=401,
    problem="/problems/unauthorized",
    detail="invalid or revoked token",
)
FORBIDDEN = msgspec.structs.replace(
    UNAUTHORIZED,
    actor="ed",
    role="editor",
    method="POST",
    path="/v1/manage/drafts/1/publish",
    operation="publishDraft",
    status=403,
    problem="/problems/forbidden",
    detail="role 'editor' may not draft.review",
)


def test_a_flood_is_counted_per_minute_beyond_the_itemized_refusals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_database(tmp_path / "r.db")
    monkeypatch.setattr(refusals, "now", lambda: "2026-11-25T14:21:07Z")
    for _ in range(ITEMIZED_PER_MINUTE + 500):
        record_refusal(db, UNAUTHORIZED)
    record_refusal(db, FORBIDDEN)
    rows = db.execute("SELECT count(*) FROM refusals").fetchone()[0]
    assert rows == ITEMIZED_PER_MINUTE + 2
    counted = list_refusals(db, limit=2).entries
    assert [(e.status, e.method, e.path, e.repeats) for e in counted] == [
        (403, "*", "*", 1),
        (401, "*", "*", 500),
    ]
    # The next minute itemizes again.
    monkeypatch.setattr(refusals, "now", lambda: "2026-11-25T14:22:00Z")
    record_refusal(db, FORBIDDEN)
    newest = list_refusals(db, limit=1).entries[0]
    assert (newest.at, newest.actor, newest.path, newest.repeats) == (
        "2026-11-25T14:22:00Z",
        "ed",
        "/v1/manage/drafts/1/publish",
        1,
    )


def test_only_the_newest_rows_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = open_database(tmp_path / "r.db")
    monkeypatch.setattr(refusals, "KEPT", 5)
    for _ in range(12):
        record_refusal(db, UNAUTHORIZED)
    ids = [e.id for e in list_refusals(db).entries]
    assert ids == [12, 11, 10, 9, 8]
