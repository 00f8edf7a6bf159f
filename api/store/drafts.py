"""Drafts and their review: every revision is kept; publishing appends a version.

Each public function here is one write transaction with its audit entry.
"""

from __future__ import annotations

import msgspec
import sqlite_utils

from api.core.access import Principal
from api.core.errors import Conflict, NotFound
from api.core.model import Article, content_hash
from api.core.workflow import (
    DraftAction,
    check_if_match,
    check_reviewer,
    draft_etag,
    next_status,
)
from api.store.audit import record
from api.store.rendering import render_documents
from api.store.schema import transaction
from api.store.versions import VersionRow, latest_version, load_article, now, publish_version

__all__ = [
    "Draft",
    "article_etag",
    "create_draft",
    "get_draft",
    "list_drafts",
    "publish_draft",
    "reject_draft",
    "rollback",
    "submit_draft",
    "update_draft",
]

_encode = msgspec.json.Encoder(order="deterministic").encode
_article = msgspec.json.Decoder(Article)
_COLUMNS = (
    "id, slug, base_version, status, author, revision, content_hash, comment, created_at, "
    "updated_at"
)


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """A proposed change to an article and where it stands in review."""

    id: int
    slug: str
    base_version: int
    status: str
    author: str
    revision: int
    content_hash: str
    comment: str | None
    created_at: str
    updated_at: str

    @property
    def etag(self) -> str:
        return draft_etag(self.id, self.revision)


def article_etag(slug: str, number: int) -> str:
    """The validator of an article's published head, for rollback's If-Match."""
    return f'"article-{slug}-v{number}"'


def _draft(db: sqlite_utils.Database, draft_id: int) -> Draft:
    row = db.execute(f"SELECT {_COLUMNS} FROM drafts WHERE id = ?", [draft_id]).fetchone()
    if row is None:
        raise NotFound(f"no draft {draft_id}")
    return msgspec.convert(dict(zip(_COLUMNS.split(", "), row, strict=True)), Draft)


def get_draft(db: sqlite_utils.Database, draft_id: int) -> tuple[Draft, Article]:
    """A draft and the content of its latest revision."""
    draft = _draft(db, draft_id)
    body = db.execute(
        "SELECT body FROM draft_revisions WHERE draft_id = ? AND revision = ?",
        [draft_id, draft.revision],
    ).fetchone()[0]
    return draft, _article.decode(body)


def list_drafts(db: sqlite_utils.Database, status: str | None = None) -> list[Draft]:
    """Drafts, newest first, optionally in one status."""
    sql = f"SELECT {_COLUMNS} FROM drafts"
    rows = db.execute(
        sql + (" WHERE status = ? ORDER BY id DESC" if status else " ORDER BY id DESC"),
        [status] if status else [],
    ).fetchall()
    names = _COLUMNS.split(", ")
    return [msgspec.convert(dict(zip(names, r, strict=True)), Draft) for r in rows]


def _add_revision(
    db: sqlite_utils.Database,
    draft_id: int,
    revision: int,
    article: Article,
    actor: str,
    message: str,
) -> str:
    digest = content_hash(article)
    db.table("draft_revisions").insert(
        {
            "draft_id": draft_id,
            "revision": revision,
            "body": _encode(article).decode(),
            "content_hash": digest,
            "author": actor,
            "message": message,
            "created_at": now(),
        }
    )
    return digest


def create_draft(
    db: sqlite_utils.Database, actor: Principal, article: Article, message: str
) -> Draft:
    """Start a draft of `article` (a new article, or a change to a published one)."""
    with transaction(db):
        head = latest_version(db, article.slug)
        stamp = now()
        cursor = db.execute(
            "INSERT INTO drafts (slug, base_version, status, author, revision, content_hash, "
            "created_at, updated_at) VALUES (?, ?, 'draft', ?, 1, '', ?, ?)",
            [article.slug, head.number if head else 0, actor.name, stamp, stamp],
        )
        draft_id = int(cursor.lastrowid or 0)
        digest = _add_revision(db, draft_id, 1, article, actor.name, message)
        db.execute("UPDATE drafts SET content_hash = ? WHERE id = ?", [digest, draft_id])
        record(db, actor, "draft.create", f"drafts/{draft_id}", after=digest, detail=message)
        return _draft(db, draft_id)


def update_draft(
    db: sqlite_utils.Database,
    actor: Principal,
    draft_id: int,
    if_match: str | None,
    article: Article,
    message: str,
) -> Draft:
    """Add a revision to a draft (If-Match must name its current revision)."""
    with transaction(db):
        draft = _draft(db, draft_id)
        check_if_match(if_match, draft.etag)
        next_status(draft.status, "update")
        if article.slug != draft.slug:
            raise Conflict(f"draft {draft_id} is for {draft.slug!r}, not {article.slug!r}")
        revision = draft.revision + 1
        digest = _add_revision(db, draft_id, revision, article, actor.name, message)
        head = latest_version(db, draft.slug)
        db.execute(
            "UPDATE drafts SET revision = ?, content_hash = ?, status = 'draft', "
            "base_version = ?, updated_at = ? WHERE id = ?",
            [revision, digest, head.number if head else 0, now(), draft_id],
        )
        record(
            db,
            actor,
            "draft.update",
            f"drafts/{draft_id}",
            before=draft.content_hash,
            after=digest,
            detail=message,
        )
        return _draft(db, draft_id)


def _move(
    db: sqlite_utils.Database,
    actor: Principal,
    draft_id: int,
    if_match: str | None,
    action: DraftAction,
    comment: str | None = None,
) -> Draft:
    draft = _draft(db, draft_id)
    check_if_match(if_match, draft.etag)
    status = next_status(draft.status, action)
    db.execute(
        "UPDATE drafts SET status = ?, comment = ?, updated_at = ? WHERE id = ?",
        [status, comment if comment is not None else draft.comment, now(), draft_id],
    )
    record(
        db,
        actor,
        f"draft.{action}",
        f"drafts/{draft_id}",
        before=draft.content_hash,
        after=draft.content_hash,
        detail=comment,
    )
    return draft


def submit_draft(
    db: sqlite_utils.Database, actor: Principal, draft_id: int, if_match: str | None
) -> Draft:
    """Send a draft to review."""
    with transaction(db):
        _move(db, actor, draft_id, if_match, "submit")
        return _draft(db, draft_id)


def reject_draft(
    db: sqlite_utils.Database,
    actor: Principal,
    draft_id: int,
    if_match: str | None,
    comment: str,
) -> Draft:
    """Send a draft back to its author with the reviewer's comment."""
    with transaction(db):
        _move(db, actor, draft_id, if_match, "reject", comment)
        return _draft(db, draft_id)


def publish_draft(
    db: sqlite_utils.Database, actor: Principal, draft_id: int, if_match: str | None
) -> VersionRow:
    """Publish a reviewed draft as the article's next version, rendered for every locale."""
    with transaction(db):
        draft = _draft(db, draft_id)
        check_reviewer(draft.author, actor.name)
        next_status(draft.status, "publish")  # a published draft says so, not "stale base"
        head = latest_version(db, draft.slug)
        if head is not None and head.number != draft.base_version:
            raise Conflict(
                f"{draft.slug} was published as version {head.number} after this draft was "
                "based on it; update the draft against the current version first"
            )
        if head is not None and head.content_hash == draft.content_hash:
            raise Conflict(f"draft {draft_id} does not change {draft.slug}")
        _move(db, actor, draft_id, if_match, "publish")
        _, article = get_draft(db, draft_id)
        message = db.execute(
            "SELECT message FROM draft_revisions WHERE draft_id = ? AND revision = ?",
            [draft_id, draft.revision],
        ).fetchone()[0]
        row = publish_version(
            db,
            article,
            author=draft.author,
            reviewer=actor.name,
            message=message or f"draft {draft_id}",
        )
        record(
            db,
            actor,
            "article.publish",
            f"articles/{draft.slug}",
            before=head.content_hash if head else None,
            after=row.content_hash,
            detail=f"version {row.number} from draft {draft_id}",
        )
        render_documents(db, slugs={draft.slug})
        return row


def rollback(
    db: sqlite_utils.Database,
    actor: Principal,
    slug: str,
    to_version: int,
    if_match: str | None,
) -> VersionRow:
    """Publish an earlier version's content as a new version; history stays intact."""
    with transaction(db):
        head = latest_version(db, slug)
        if head is None:
            raise NotFound(f"no published article {slug!r}")
        check_if_match(if_match, article_etag(slug, head.number))
        if not 1 <= to_version < head.number:
            raise Conflict(f"version {to_version} is not an earlier version of {slug}")
        article = load_article(db, slug, to_version)
        row = publish_version(
            db,
            article,
            author=actor.name,
            reviewer=actor.name,
            message=f"rollback to version {to_version}",
        )
        record(
            db,
            actor,
            "article.rollback",
            f"articles/{slug}",
            before=head.content_hash,
            after=row.content_hash,
            detail=f"version {row.number} = version {to_version}",
        )
        render_documents(db, slugs={slug})
        return row
