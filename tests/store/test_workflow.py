"""Workflow writes on a real SQLite file: all-or-nothing transactions, append-only audit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from msgspec.structs import replace

from api.core.access import Principal
from api.core.errors import Conflict, Forbidden, StaleVersion
from api.store.audit import list_audit
from api.store.drafts import (
    create_draft,
    get_draft,
    publish_draft,
    request_rollback,
    submit_draft,
)
from api.store.schema import open_database
from api.store.versions import latest_version, load_article
from tests.conftest import SLUG
from tests.editing import head_etag

EDITOR = Principal(name="ed", role="editor")
REVIEWER = Principal(name="rev", role="reviewer")


def _snapshot(db: sqlite_utils.Database) -> list[str]:
    """Every row of every table, as SQL."""
    return list(db.conn.iterdump())


def _in_review(db: sqlite_utils.Database) -> tuple[int, str]:
    """A draft changing the first paragraph, submitted for review."""
    article = load_article(db, SLUG, 1)
    first = article.sections[0]
    edited = replace(first.blocks[0], text="Changed.")
    section = replace(first, blocks=(edited, *first.blocks[1:]))
    draft = create_draft(
        db,
        EDITOR,
        replace(article, sections=(section, *article.sections[1:])),
        "edit",
        head_etag(db, SLUG),
    )
    submit_draft(db, EDITOR, draft.id, draft.etag)
    return draft.id, get_draft(db, draft.id)[0].etag


@pytest.fixture()
def db(db_path: Path) -> sqlite_utils.Database:
    return open_database(db_path)


@pytest.mark.parametrize("table", ["documents", "audit", "publications", "versions"])
def test_a_failure_half_way_through_publish_leaves_the_database_as_before(
    db: sqlite_utils.Database, table: str
) -> None:
    draft_id, etag = _in_review(db)
    before = _snapshot(db)
    db.execute(
        f"CREATE TRIGGER injected BEFORE INSERT ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="injected failure"):
        publish_draft(db, REVIEWER, draft_id, etag)
    db.execute("DROP TRIGGER injected")
    assert _snapshot(db) == before
    assert publish_draft(db, REVIEWER, draft_id, etag).number == 2  # and it can be retried


def test_a_failed_rollback_leaves_the_database_as_before(db: sqlite_utils.Database) -> None:
    draft_id, etag = _in_review(db)
    publish_draft(db, REVIEWER, draft_id, etag)
    requested = request_rollback(db, EDITOR, SLUG, 1, f'"article-{SLUG}-v2-t1"', "Undo")
    before = _snapshot(db)
    db.execute(
        "CREATE TRIGGER injected BEFORE INSERT ON documents "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        publish_draft(db, REVIEWER, requested.id, requested.etag)
    db.execute("DROP TRIGGER injected")
    assert _snapshot(db) == before


def test_workflow_rules_hold_in_the_store(db: sqlite_utils.Database) -> None:
    draft_id, etag = _in_review(db)
    with pytest.raises(Forbidden):
        publish_draft(db, Principal(name="ed", role="admin"), draft_id, etag)
    with pytest.raises(StaleVersion):
        publish_draft(db, REVIEWER, draft_id, '"draft-1-r99"')
    publish_draft(db, REVIEWER, draft_id, etag)
    with pytest.raises(Conflict, match="cannot publish a draft that is published"):
        publish_draft(db, REVIEWER, draft_id, etag)
    with pytest.raises(Conflict):
        request_rollback(
            db, EDITOR, SLUG, 2, f'"article-{SLUG}-v2-t1"', "Undo"
        )  # not an earlier version
    requested = request_rollback(db, EDITOR, SLUG, 1, f'"article-{SLUG}-v2-t1"', "Undo")
    assert latest_version(db, SLUG).number == 2  # type: ignore[union-attr]
    row = publish_draft(db, REVIEWER, requested.id, requested.etag)
    head = latest_version(db, SLUG)
    assert head is not None and head.number == row.number == 3
    assert load_article(db, SLUG, 3) == load_article(db, SLUG, 1)
    assert (
        row.content_hash
        == db.execute(
            "SELECT content_hash FROM versions WHERE slug = ? AND number = 1", [SLUG]
        ).fetchone()[0]
    )


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit SET actor = 'someone else'", "DELETE FROM audit", "DELETE FROM audit WHERE 1"],
)
def test_the_audit_log_refuses_update_and_delete(db: sqlite_utils.Database, statement: str) -> None:
    _in_review(db)
    before = list_audit(db, limit=500)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(statement)
    assert list_audit(db, limit=500) == before
    assert [e.action for e in before.entries[:2]] == ["draft.submit", "draft.create"]


def test_audit_pages_by_cursor_and_filters(db: sqlite_utils.Database) -> None:
    _in_review(db)
    _in_review(db)
    everything = list_audit(db, limit=500).entries
    first = list_audit(db, limit=2)
    second = list_audit(db, limit=2, before_id=first.next_before)
    assert first.entries + second.entries == everything[:4]
    assert {e.actor for e in list_audit(db, actor="ed").entries} == {"ed"}
    drafts = list_audit(db, target="drafts").entries
    assert drafts and all(e.target.startswith("drafts/") for e in drafts)
    assert all(e.action == "draft.submit" for e in list_audit(db, action="draft.submit").entries)
