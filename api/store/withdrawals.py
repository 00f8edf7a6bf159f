"""Withdrawing published content: an article (every published version of it) or a
treatment record, requested by one person with a reason and approved by a second under the
review rule, at once or at a set time. Readers then get `410 Gone` with a short notice,
sync clients a removal, and bundles, lists and search no longer hold it; the versions and
the requests stay in the history for staff. Publishing again is a new reviewed version
(of the article, or of the record).

Each public function here is one write transaction with its audit entry."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import sqlite_utils

from api.core.access import Principal, Target, may
from api.core.errors import Conflict, NotFound, ValidationFailed
from api.core.lifecycle import (
    WithdrawalKind,
    WithdrawalStatus,
    instant,
    parse_instant,
    withdrawal_notice,
)
from api.core.model import content_hash
from api.core.text import checked_text
from api.core.webhooks import ArticleWithdrawn
from api.core.workflow import check_if_match
from api.store.audit import record
from api.store.documents import delete_documents, put_bytes
from api.store.listing import unlist_article
from api.store.schedules import add_schedule, cancel_schedules
from api.store.schema import transaction
from api.store.search import unindex_article
from api.store.versions import latest_version, load_treatments, now

__all__ = [
    "Tombstone",
    "Withdrawal",
    "approve_withdrawal",
    "cancel_withdrawal",
    "carry_out_withdrawal",
    "get_withdrawal",
    "list_withdrawals",
    "reject_withdrawal",
    "request_withdrawal",
    "tombstone_key",
    "withdrawn_records",
]

_COLUMNS = (
    "id, kind, item, reason, notice, status, requested_by, requested_at, approved_by, "
    "approved_at, withdraw_at, done_at, through_version, record_hash, comment"
)
_encode = msgspec.json.Encoder().encode
REASON = "$.reason"
NOTICE = "$.notice"
COMMENT = "$.comment"


class Withdrawal(msgspec.Struct, frozen=True, kw_only=True):
    """A request to take published content away from readers, and where it stands."""

    id: int
    kind: WithdrawalKind
    item: str
    """The article's slug or the treatment record's id."""
    reason: str
    """Why (for staff and the audit log): urgency is a reason, not an exemption."""
    notice: str
    """The short notice readers get with the 410 (may be empty: a generic one is given)."""
    status: WithdrawalStatus
    requested_by: str
    requested_at: str
    approved_by: str | None = None
    approved_at: str | None = None
    withdraw_at: str | None = None
    """When it takes effect (None: when approved)."""
    done_at: str | None = None
    through_version: int | None = None
    """For an article: the last version withdrawn (every published one up to it)."""
    record_hash: str | None = None
    """For a record: the content withdrawn; a new reviewed version of it is served again."""
    comment: str | None = None

    @property
    def etag(self) -> str:
        return f'"withdrawal-{self.id}-{self.status}"'


class Tombstone(msgspec.Struct, frozen=True, kw_only=True):
    """What stays for readers where withdrawn content was: stored at withdrawal, read only
    when a document is missing."""

    notice: str
    withdrawn_at: str
    through_version: int | None = None
    """For an article: versions up to this one are gone (a later one may be published)."""


def tombstone_key(kind: WithdrawalKind, item: str) -> str:
    """The document key of what readers of withdrawn content are told."""
    return f"withdrawn/{kind}/{item}"


def _row(values: tuple[object, ...]) -> Withdrawal:
    return msgspec.convert(dict(zip(_COLUMNS.split(", "), values, strict=True)), Withdrawal)


def get_withdrawal(db: sqlite_utils.Database, withdrawal_id: int) -> Withdrawal:
    """One withdrawal request."""
    row = db.execute(f"SELECT {_COLUMNS} FROM withdrawals WHERE id = ?", [withdrawal_id])
    found = row.fetchone()
    if found is None:
        raise NotFound(f"no withdrawal {withdrawal_id}")
    return _row(found)


def list_withdrawals(
    db: sqlite_utils.Database, status: WithdrawalStatus | None = None
) -> list[Withdrawal]:
    """Withdrawal requests, newest first; `status` filters."""
    where, params = (" WHERE status = ?", [status]) if status else ("", [])
    rows = db.execute(f"SELECT {_COLUMNS} FROM withdrawals{where} ORDER BY id DESC", params)
    return [_row(r) for r in rows.fetchall()]


def _record_hash(db: sqlite_utils.Database, item: str) -> str | None:
    for treatment in load_treatments(db).treatments:
        if treatment.id == item:
            return content_hash(treatment)
    return None


def withdrawn_records(db: sqlite_utils.Database) -> set[str]:
    """Ids of the current treatment records that are withdrawn: withdrawn with exactly
    their current content (a new reviewed version of a record is served again)."""
    rows = db.execute(
        "SELECT item, record_hash FROM withdrawals WHERE kind = 'treatment' "
        "AND status = 'withdrawn'"
    ).fetchall()
    if not rows:
        return set()
    current = {t.id: content_hash(t) for t in load_treatments(db).treatments}
    return {item for item, digest in rows if current.get(item) == digest}


def _check_published(db: sqlite_utils.Database, kind: WithdrawalKind, item: str) -> None:
    if kind == "article":
        published = db.execute("SELECT 1 FROM publications WHERE slug = ?", [item]).fetchone()
        if published is None:
            raise NotFound(f"no published article {item!r}")
    elif _record_hash(db, item) is None or item in withdrawn_records(db):
        raise NotFound(f"no published treatment {item!r}")


def request_withdrawal(
    db: sqlite_utils.Database,
    actor: Principal,
    kind: WithdrawalKind,
    item: str,
    reason: str,
    notice: str | None = None,
    withdraw_at: str | None = None,
) -> Withdrawal:
    """Ask for published content to be withdrawn (at once when approved, or at
    `withdraw_at`, a stored future time): a second person must approve it."""
    reason = checked_text(reason, REASON, multiline=True).strip()
    if not reason:
        raise ValidationFailed("say why: a withdrawal needs a reason", path=REASON)
    notice = checked_text(notice or "", NOTICE).strip()
    with transaction(db):
        _check_published(db, kind, item)
        open_one = db.execute(
            "SELECT id FROM withdrawals WHERE kind = ? AND item = ? "
            "AND status IN ('requested', 'scheduled')",
            [kind, item],
        ).fetchone()
        if open_one is not None:
            raise Conflict(f"withdrawal {open_one[0]} of {kind} {item!r} is already open")
        cursor = db.execute(
            "INSERT INTO withdrawals (kind, item, reason, notice, status, requested_by, "
            "requested_at, withdraw_at) VALUES (?, ?, ?, ?, 'requested', ?, ?, ?)",
            [kind, item, reason, notice, actor.name, now(), withdraw_at],
        )
        withdrawal_id = int(cursor.lastrowid or 0)
        record(
            db,
            actor,
            "withdrawal.request",
            f"{kind}s/{item}",
            detail=f"withdrawal {withdrawal_id}"
            + (f" at {withdraw_at}" if withdraw_at else "")
            + f": {reason}",
        )
        return get_withdrawal(db, withdrawal_id)


def _reviewable(
    db: sqlite_utils.Database, actor: Principal, withdrawal_id: int, if_match: str | None
) -> Withdrawal:
    withdrawal = get_withdrawal(db, withdrawal_id)
    target = Target.source(
        (withdrawal.requested_by,), what=f"withdrawal {withdrawal_id} (requested by)"
    )
    may(actor, "withdrawal.review", target).enforce()
    check_if_match(if_match, withdrawal.etag)
    return withdrawal


def approve_withdrawal(
    db: sqlite_utils.Database,
    actor: Principal,
    withdrawal_id: int,
    if_match: str | None,
    at: datetime | None = None,
) -> Withdrawal:
    """Approve a withdrawal as requested (If-Match: the request's ETag): carried out now,
    or scheduled for its `withdraw_at` when that is still ahead."""
    when = at or datetime.now(UTC)
    with transaction(db):
        withdrawal = _reviewable(db, actor, withdrawal_id, if_match)
        if withdrawal.status != "requested":
            raise Conflict(f"cannot approve a withdrawal that is {withdrawal.status}")
        _check_published(db, withdrawal.kind, withdrawal.item)
        stamp = now()
        ahead = withdrawal.withdraw_at is not None and parse_instant(withdrawal.withdraw_at) > when
        db.execute(
            "UPDATE withdrawals SET status = ?, approved_by = ?, approved_at = ? WHERE id = ?",
            ["scheduled" if ahead else "requested", actor.name, stamp, withdrawal_id],
        )
        record(
            db,
            actor,
            "withdrawal.approve",
            f"{withdrawal.kind}s/{withdrawal.item}",
            detail=f"withdrawal {withdrawal_id}"
            + (f", scheduled for {withdrawal.withdraw_at}" if ahead else ""),
        )
        if ahead:
            assert withdrawal.withdraw_at is not None
            add_schedule(
                db,
                kind="withdraw",
                target=f"{withdrawal.kind}s/{withdrawal.item}",
                due_at=withdrawal.withdraw_at,
                approved_by=actor.name,
                withdrawal_id=withdrawal_id,
            )
        else:
            carry_out_withdrawal(db, actor, withdrawal_id, when)
        return get_withdrawal(db, withdrawal_id)


def reject_withdrawal(
    db: sqlite_utils.Database,
    actor: Principal,
    withdrawal_id: int,
    if_match: str | None,
    comment: str,
) -> Withdrawal:
    """Decline a requested withdrawal, saying why (the same reviewers who could approve it)."""
    comment = checked_text(comment, COMMENT, multiline=True).strip()
    if not comment:
        raise ValidationFailed("say why the withdrawal is declined", path=COMMENT)
    with transaction(db):
        withdrawal = _reviewable(db, actor, withdrawal_id, if_match)
        if withdrawal.status != "requested":
            raise Conflict(f"cannot reject a withdrawal that is {withdrawal.status}")
        db.execute(
            "UPDATE withdrawals SET status = 'rejected', comment = ?, done_at = ? WHERE id = ?",
            [comment, now(), withdrawal_id],
        )
        record(
            db,
            actor,
            "withdrawal.reject",
            f"{withdrawal.kind}s/{withdrawal.item}",
            detail=f"withdrawal {withdrawal_id}: {comment}",
        )
        return get_withdrawal(db, withdrawal_id)


def cancel_withdrawal(
    db: sqlite_utils.Database,
    actor: Principal,
    withdrawal_id: int,
    if_match: str | None,
) -> Withdrawal:
    """Call a withdrawal off: its requester may while it waits for approval; once approved
    (scheduled), only a reviewer the review rule allows, since readers keep content that
    reviewers decided to take away."""
    with transaction(db):
        withdrawal = get_withdrawal(db, withdrawal_id)
        if withdrawal.status == "scheduled":
            withdrawal = _reviewable(db, actor, withdrawal_id, if_match)
        elif withdrawal.status == "requested":
            check_if_match(if_match, withdrawal.etag)
            if actor.name != withdrawal.requested_by and actor.role != "admin":
                raise Conflict(
                    f"withdrawal {withdrawal_id} was requested by {withdrawal.requested_by}: "
                    "only they (or an admin) may call it off; a reviewer rejects it instead"
                )
        else:
            raise Conflict(f"cannot cancel a withdrawal that is {withdrawal.status}")
        db.execute(
            "UPDATE withdrawals SET status = 'cancelled', done_at = ? WHERE id = ?",
            [now(), withdrawal_id],
        )
        cancel_schedules(db, actor, withdrawal_id=withdrawal_id)
        record(
            db,
            actor,
            "withdrawal.cancel",
            f"{withdrawal.kind}s/{withdrawal.item}",
            detail=f"withdrawal {withdrawal_id}",
        )
        return get_withdrawal(db, withdrawal_id)


def carry_out_withdrawal(
    db: sqlite_utils.Database, actor: Principal, withdrawal_id: int, at: datetime | None = None
) -> Withdrawal:
    """Take the content away from readers (inside the approving or the sweep's
    transaction): its documents go, a tombstone with the notice takes their place, lists,
    bundles and the search index drop it, and sync clients get its removal."""
    from api.store.rendering import render_documents
    from api.store.webhooks import enqueue_event  # it reads the sync ledger, which reads us

    withdrawal = get_withdrawal(db, withdrawal_id)
    _check_published(db, withdrawal.kind, withdrawal.item)
    stamp = instant(at or datetime.now(UTC))
    item = withdrawal.item
    notice = withdrawal_notice(withdrawal.kind, item, stamp, withdrawal.notice or None)
    through: int | None = None
    record_hash: str | None = None
    if withdrawal.kind == "article":
        head = latest_version(db, item)
        assert head is not None  # _check_published found it published
        through = head.number
        db.execute(
            "UPDATE versions SET status = 'withdrawn' WHERE slug = ? AND status = 'published'",
            [item],
        )
        db.execute("DELETE FROM publications WHERE slug = ?", [item])
        delete_documents(
            db, [f"article/{item}/", f"section/{item}/", f"jsonld/{item}/", f"html/{item}/"]
        )
        unindex_article(db, item)
        unlist_article(db, item)
    else:
        record_hash = _record_hash(db, item)
        delete_documents(db, [f"treatment/{item}/"])
    tombstone = Tombstone(notice=notice, withdrawn_at=stamp, through_version=through)
    put_bytes(db, tombstone_key(withdrawal.kind, item), _encode(tombstone))
    db.execute(
        "UPDATE withdrawals SET status = 'withdrawn', done_at = ?, through_version = ?, "
        "record_hash = ? WHERE id = ?",
        [stamp, through, record_hash, withdrawal_id],
    )
    record(
        db,
        actor,
        f"{withdrawal.kind}.withdraw",
        f"{withdrawal.kind}s/{item}",
        detail=f"withdrawal {withdrawal_id} requested by {withdrawal.requested_by}: "
        f"{withdrawal.reason}",
    )
    render_documents(db, slugs=set())  # the lists, bundles and change feed without it
    if through is not None:
        # In this transaction, after the rendering: the event's cursor includes the removal.
        enqueue_event(db, ArticleWithdrawn(slug=item, version=through))
    return get_withdrawal(db, withdrawal_id)
