"""Drafts and their review: every revision is kept; publishing appends a version.

Each public function here is one write transaction with its audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec
import sqlite_utils

from api.core.access import Principal, Target, may
from api.core.changes import DraftDiff, RevisionOut, field_changes, locale_impact
from api.core.content import check_article, check_references
from api.core.errors import Conflict, NotFound, NothingChanged, ValidationFailed
from api.core.evidence import StaleClaim, stale_claims, unnamed_forms
from api.core.history import check_cited_changes
from api.core.merge import (
    MergeConflict,
    MergeResult,
    Resolution,
    merge_articles,
    merge_treatments,
)
from api.core.model import Article, TreatmentCatalog, content_hash
from api.core.negotiation import DEFAULT_LOCALE
from api.core.properties import check_safety_reason
from api.core.text import checked_text
from api.core.webhooks import ArticlePublished
from api.core.workflow import (
    DraftAction,
    article_etag,
    check_if_match,
    draft_etag,
    next_status,
    read_version,
)
from api.store.audit import record
from api.store.rendering import render_documents
from api.store.rollback import reverted_versions, rollback_content
from api.store.schema import snapshot, transaction
from api.store.translations import article_catalogs, available_locales
from api.store.versions import (
    VersionRow,
    latest_version,
    load_article,
    load_treatments,
    now,
    publish_version,
    published_among,
    published_slugs,
    published_versions,
    save_treatments,
    treatments_number,
)
from api.store.webhooks import enqueue_event

__all__ = [
    "Draft",
    "Revision",
    "SlugTaken",
    "article_etag",
    "check_slug_free",
    "create_draft",
    "draft_authors",
    "draft_diff",
    "draft_message",
    "draft_revisions",
    "draft_stale_claims",
    "draft_treatments",
    "get_draft",
    "list_drafts",
    "merged_content",
    "publish_draft",
    "publish_scheduled",
    "reject_draft",
    "request_rollback",
    "schedule_draft",
    "submit_draft",
    "unschedule_draft",
    "update_draft",
    "withdraw_draft",
]

_encode = msgspec.json.Encoder(order="deterministic").encode
_article = msgspec.json.Decoder(Article)
_treatments = msgspec.json.Decoder(TreatmentCatalog)
_COLUMNS = (
    "id, slug, base_version, status, author, revision, content_hash, comment, created_at, "
    "updated_at, treatments_base, rollback_to, summary"
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
    treatments_base: int = 0
    """The set of treatment records the author read."""
    head_version: int = 0
    """The published head now: a draft behind it is merged onto it when published."""
    treatments_head: int = 0
    """The current set of treatment records."""
    rollback_to: int | None = None
    """For a rollback: the version whose article and treatment records it brings back."""
    summary: str | None = None
    """What the author said the draft does when sending it to review."""

    @property
    def etag(self) -> str:
        return draft_etag(self.id, self.revision, self.head_version, self.treatments_head)


class Revision(msgspec.Struct, frozen=True, kw_only=True):
    """One saved state of a draft: who wrote it, when and why."""

    revision: int
    author: str
    message: str
    content_hash: str
    created_at: str


def _head_number(db: sqlite_utils.Database, slug: str) -> int:
    head = latest_version(db, slug)
    return head.number if head else 0


def _convert(db: sqlite_utils.Database, row: tuple[object, ...]) -> Draft:
    fields = dict(zip(_COLUMNS.split(", "), row, strict=True))
    fields["head_version"] = _head_number(db, str(fields["slug"]))
    fields["treatments_head"] = treatments_number(db)
    return msgspec.convert(fields, Draft)


def _draft(db: sqlite_utils.Database, draft_id: int) -> Draft:
    row = db.execute(f"SELECT {_COLUMNS} FROM drafts WHERE id = ?", [draft_id]).fetchone()
    if row is None:
        raise NotFound(f"no draft {draft_id}")
    return _convert(db, row)


def draft_revisions(db: sqlite_utils.Database, draft_id: int) -> list[Revision]:
    """Every revision of a draft, oldest first."""
    rows = db.execute(
        "SELECT revision, author, message, content_hash, created_at FROM draft_revisions "
        "WHERE draft_id = ? ORDER BY revision",
        [draft_id],
    ).fetchall()
    names = ("revision", "author", "message", "content_hash", "created_at")
    return [msgspec.convert(dict(zip(names, r, strict=True)), Revision) for r in rows]


def draft_message(draft: Draft, revisions: list[Revision]) -> str:
    """The draft's message, as the queue, the review and the history show it: what the
    author said when sending it to review, else what its first revision set out to do (a
    later revision's message says what that revision fixed, not what the draft is)."""
    if draft.summary:
        return draft.summary
    return revisions[0].message if revisions else f"draft {draft.id}"


def draft_authors(db: sqlite_utils.Database, draft_id: int) -> tuple[str, ...]:
    """Everyone who wrote a revision of the draft, in the order they first did."""
    return tuple(dict.fromkeys(r.author for r in draft_revisions(db, draft_id)))


def get_draft(db: sqlite_utils.Database, draft_id: int) -> tuple[Draft, Article]:
    """A draft and the article of its latest revision."""
    draft = _draft(db, draft_id)
    body = db.execute(
        "SELECT body FROM draft_revisions WHERE draft_id = ? AND revision = ?",
        [draft_id, draft.revision],
    ).fetchone()[0]
    return draft, _article.decode(body)


def draft_treatments(db: sqlite_utils.Database, draft: Draft) -> TreatmentCatalog | None:
    """The treatment records the draft's latest revision proposes, if it proposes any."""
    row = db.execute(
        "SELECT treatments FROM draft_revisions WHERE draft_id = ? AND revision = ?",
        [draft.id, draft.revision],
    ).fetchone()
    return _treatments.decode(row[0]) if row and row[0] else None


def list_drafts(db: sqlite_utils.Database, status: str | None = None) -> list[Draft]:
    """Drafts, newest first, optionally in one status."""
    sql = f"SELECT {_COLUMNS} FROM drafts"
    rows = db.execute(
        sql + (" WHERE status = ? ORDER BY id DESC" if status else " ORDER BY id DESC"),
        [status] if status else [],
    ).fetchall()
    return [_convert(db, r) for r in rows]


def _add_revision(
    db: sqlite_utils.Database,
    draft_id: int,
    revision: int,
    article: Article,
    actor: str,
    message: str,
    treatments: TreatmentCatalog | None,
    safety_reason: str | None = None,
) -> str:
    digest = _content_digest(article, treatments)
    db.table("draft_revisions").insert(
        {
            "draft_id": draft_id,
            "revision": revision,
            "body": _encode(article).decode(),
            "treatments": _encode(treatments).decode() if treatments is not None else None,
            "content_hash": digest,
            "author": actor,
            "message": message,
            "created_at": now(),
            "safety_reason": safety_reason,
        }
    )
    return digest


def _content_digest(article: Article, treatments: TreatmentCatalog | None) -> str:
    """What a revision proposes, as one hash: the article, and the records if any."""
    if treatments is None:
        return content_hash(article)
    return content_hash(DraftContent(article=article, treatments=treatments))


class DraftContent(msgspec.Struct, frozen=True, kw_only=True):
    """An article and the treatment records, as one draft proposes them together."""

    article: Article
    treatments: TreatmentCatalog


def _unchanged(
    article: Article,
    treatments: TreatmentCatalog | None,
    compared: Article,
    compared_treatments: TreatmentCatalog,
    what: str,
) -> None:
    same_records = treatments is None or content_hash(treatments) == content_hash(
        compared_treatments
    )
    if same_records and content_hash(article) == content_hash(compared):
        raise NothingChanged(f"the draft is the same as {what}: nothing changed")


# The fields a person writes beside the content, as the API's bodies name them (the text
# policy of api.core.text applies to them on every path: API, workspace, import).
MESSAGE = "$.message"
COMMENT = "$.comment"
SUMMARY = "$.summary"
MAX_SUMMARY = 500
REASON = "$.reason"


def create_draft(
    db: sqlite_utils.Database,
    actor: Principal,
    article: Article,
    message: str,
    if_match: str | None,
    *,
    treatments: TreatmentCatalog | None = None,
    status: str = "draft",
    safety_reason: str | None = None,
    rollback_to: int | None = None,
    new: bool = False,
) -> Draft:
    """Start a draft of `article` (and, if given, of all the treatment records): a new
    article, or a change to the published version the author read, which If-Match names
    (`"article-<slug>-v<n>-t<m>"`, from the article head; 428 without it). `new`: the
    author means a new article, so a slug in use is refused as taken (SlugTaken), not
    as a change without If-Match."""
    message = checked_text(message, MESSAGE)
    with transaction(db):
        head = latest_version(db, article.slug)
        if if_match is None and (new or head is None):
            _check_slug_free(db, article.slug, head)
        records = treatments_number(db)
        base, records_base = (
            read_version(if_match, article.slug, head.number, records) if head else (0, records)
        )
        if base:
            read = load_article(db, article.slug, base)
            if head is not None and head.status == "published":
                # A withdrawn article comes back as a new version, even word for word.
                _unchanged(
                    article, treatments, read, load_treatments(db, records_base), f"version {base}"
                )
            check_safety_reason(read, article, safety_reason)
            _check_cited(db, base, read, article)
        if treatments is not None:
            _check_forms(load_treatments(db, records_base), treatments)
        stamp = now()
        cursor = db.execute(
            "INSERT INTO drafts (slug, base_version, treatments_base, status, author, revision, "
            "content_hash, created_at, updated_at, rollback_to) "
            "VALUES (?, ?, ?, ?, ?, 1, '', ?, ?, ?)",
            [article.slug, base, records_base, status, actor.name, stamp, stamp, rollback_to],
        )
        draft_id = int(cursor.lastrowid or 0)
        digest = _add_revision(
            db, draft_id, 1, article, actor.name, message, treatments, safety_reason
        )
        db.execute("UPDATE drafts SET content_hash = ? WHERE id = ?", [digest, draft_id])
        record(
            db,
            actor,
            "draft.create",
            f"drafts/{draft_id}",
            before=_version_hash(db, article.slug, base),
            after=digest,
            detail=f"based on version {base}: {message}" if base else message,
        )
        return _draft(db, draft_id)


class SlugTaken(ValidationFailed):
    """A new article's slug names an article already stored, or one another open draft
    proposes: the one place a new article's slug is checked as free (API and workspace)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, path="$.article.slug")


def check_slug_free(db: sqlite_utils.Database, slug: str) -> None:
    """SlugTaken unless `slug` is free for a new article (checked again when its draft is
    stored, in that transaction)."""
    _check_slug_free(db, slug, latest_version(db, slug))


def _check_slug_free(db: sqlite_utils.Database, slug: str, head: VersionRow | None) -> None:
    if head is not None:
        raise SlugTaken(
            f"the slug {slug!r} is taken: an article with it exists (version {head.number}"
            + (", withdrawn" if head.status == "withdrawn" else "")
            + "); choose another slug, or open that article and start a draft of it"
        )
    row = db.execute(
        "SELECT id, author FROM drafts WHERE slug = ? AND base_version = 0 "
        "AND status IN ('draft', 'in_review', 'scheduled', 'rejected') ORDER BY id LIMIT 1",
        [slug],
    ).fetchone()
    if row is not None:
        raise SlugTaken(
            f"the slug {slug!r} is taken: draft {row[0]} by {row[1]} already proposes a new "
            "article with it; choose another slug, or work on that draft"
        )


def _check_cited(db: sqlite_utils.Database, base: int, read: Article, article: Article) -> None:
    """The repository's rule for what a text change cites (`check_cited_changes`), against
    the version the draft was made from; the earlier versions are read only when a block
    fails it, since text one of them published needs no new citation."""
    try:
        check_cited_changes(read, article, prefix="$.article")
    except ValidationFailed:
        earlier = tuple(
            load_article(db, article.slug, v.number)
            for v in published_versions(db, article.slug)
            if v.number != base
        )
        check_cited_changes(read, article, earlier, prefix="$.article")


def _check_forms(old: TreatmentCatalog, new: TreatmentCatalog) -> None:
    """TR-5 at the door: a regulatory statement the draft writes or alters names each form
    its status is recorded for (`api.core.evidence.unnamed_forms`)."""
    for problem in unnamed_forms(old, new):
        index = next(i for i, t in enumerate(new.treatments) if t.id == problem.treatment)
        n = problem.field.removeprefix("regulatory/")
        raise ValidationFailed(
            problem.sentence(),
            path=f"$.treatments.treatments[{index}].regulatory[{n}].statement",
        )


def _version_hash(db: sqlite_utils.Database, slug: str, number: int) -> str | None:
    row = db.execute(
        "SELECT content_hash FROM versions WHERE slug = ? AND number = ?", [slug, number]
    ).fetchone()
    return str(row[0]) if row else None


def update_draft(
    db: sqlite_utils.Database,
    actor: Principal,
    draft_id: int,
    if_match: str | None,
    article: Article,
    message: str,
    base_version: int | None = None,
    treatments: TreatmentCatalog | None = None,
    safety_reason: str | None = None,
) -> Draft:
    """Add a revision to a draft (If-Match must name its current revision).

    The draft stays based on the version its author read. `base_version` moves it to a
    later published version: the author declares this content made against that version,
    which is how conflicts with it are resolved.
    """
    message = checked_text(message, MESSAGE)
    with transaction(db):
        draft = _draft(db, draft_id)
        check_if_match(if_match, draft.etag)
        next_status(draft.status, "update")
        if article.slug != draft.slug:
            raise Conflict(f"draft {draft_id} is for {draft.slug!r}, not {article.slug!r}")
        base = draft.base_version if base_version is None else base_version
        if not draft.base_version <= base <= draft.head_version:
            raise Conflict(
                f"base_version {base} is not between the draft's base "
                f"{draft.base_version} and the published head {draft.head_version}"
            )
        digest = _content_digest(article, treatments)
        if digest == draft.content_hash and base == draft.base_version:
            raise NothingChanged(
                f"revision {draft.revision} already has this content: nothing changed"
            )
        if base:
            read = load_article(db, draft.slug, base)
            check_safety_reason(read, article, safety_reason)
            _check_cited(db, base, read, article)
        if treatments is not None:
            _check_forms(load_treatments(db, draft.treatments_base), treatments)
        revision = draft.revision + 1
        _add_revision(
            db, draft_id, revision, article, actor.name, message, treatments, safety_reason
        )
        # Resolving against the head is resolving against the records beside it too.
        records_base = draft.treatments_head if base != draft.base_version else None
        db.execute(
            "UPDATE drafts SET revision = ?, content_hash = ?, status = 'draft', "
            "base_version = ?, treatments_base = coalesce(?, treatments_base), updated_at = ? "
            "WHERE id = ?",
            [revision, digest, base, records_base, now(), draft_id],
        )
        moved = f" (now based on version {base})" if base != draft.base_version else ""
        record(
            db,
            actor,
            "draft.update",
            f"drafts/{draft_id}",
            before=draft.content_hash,
            after=digest,
            detail=message + moved,
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
    db: sqlite_utils.Database,
    actor: Principal,
    draft_id: int,
    if_match: str | None,
    summary: str | None = None,
) -> Draft:
    """Send a draft to review, with what it does in a sentence if the author gives one (the
    queue and the history show it; see `draft_message`)."""
    if summary is not None:
        if len(summary) > MAX_SUMMARY:
            raise ValidationFailed(
                f"must be at most {MAX_SUMMARY} characters (at {SUMMARY})", path=SUMMARY
            )
        summary = checked_text(summary, SUMMARY) or None
    with transaction(db):
        _move(db, actor, draft_id, if_match, "submit")
        if summary is not None:
            db.execute("UPDATE drafts SET summary = ? WHERE id = ?", [summary, draft_id])
        return _draft(db, draft_id)


def reject_draft(
    db: sqlite_utils.Database,
    actor: Principal,
    draft_id: int,
    if_match: str | None,
    comment: str,
) -> Draft:
    """Send a draft back to its author with the reviewer's comment (the review rule says
    who may: the same reviewers who could publish it)."""
    comment = checked_text(comment, COMMENT, multiline=True)
    with transaction(db):
        may(actor, "draft.review", Target.source(draft_authors(db, draft_id))).enforce()
        _move(db, actor, draft_id, if_match, "reject", comment)
        return _draft(db, draft_id)


def withdraw_draft(
    db: sqlite_utils.Database,
    actor: Principal,
    draft_id: int,
    if_match: str | None,
    comment: str | None = None,
) -> Draft:
    """Take a draft out of the workflow for good; it stays in history."""
    if comment is not None:
        comment = checked_text(comment, COMMENT, multiline=True)
    from api.store.schedules import cancel_schedules

    with transaction(db):
        _move(db, actor, draft_id, if_match, "withdraw", comment)
        cancel_schedules(db, actor, draft_id=draft_id)
        return _draft(db, draft_id)


class Merged(msgspec.Struct, frozen=True, kw_only=True):
    """What publishing a draft now would publish (None where conflicts stop it)."""

    article: Article | None
    treatments: TreatmentCatalog | None
    """The records to publish; None when the draft proposes none, or on conflicts."""
    conflicts: tuple[MergeConflict, ...]


def merged_content(
    db: sqlite_utils.Database, draft: Draft, take: Mapping[str, Resolution] | None = None
) -> tuple[Article, Merged]:
    """The draft's article, and what publishing it now would publish: the draft itself when
    it is based on the head, else its changes merged onto the head block by block (and the
    treatment records record by record). `take` resolves conflicting units to a side, as
    the author chooses them."""
    _, article = get_draft(db, draft.id)
    if draft.base_version in (0, draft.head_version):
        result = MergeResult(article=article, conflicts=())
    else:
        base = load_article(db, draft.slug, draft.base_version)
        head = load_article(db, draft.slug, draft.head_version)
        result = merge_articles(base, article, head, take)
    proposed = draft_treatments(db, draft)
    records: TreatmentCatalog | None = proposed
    record_conflicts: tuple[MergeConflict, ...] = ()
    if proposed is not None and draft.treatments_base != draft.treatments_head:
        records, record_conflicts = merge_treatments(
            load_treatments(db, draft.treatments_base), proposed, load_treatments(db), take
        )
    conflicts = (*result.conflicts, *record_conflicts)
    return article, Merged(
        article=result.article if not conflicts else None,
        treatments=records if not conflicts else None,
        conflicts=conflicts,
    )


def publish_draft(
    db: sqlite_utils.Database, actor: Principal, draft_id: int, if_match: str | None
) -> VersionRow:
    """Publish a reviewed draft as the article's next version, rendered for every locale.

    The review rule decides who may; a draft behind the head is merged onto it (a conflict
    blocks publishing until the author resolves it).
    """
    with transaction(db):
        draft = _reviewed(db, actor, draft_id, if_match, "publish")
        return _publish(db, actor, draft, if_match)


def schedule_draft(
    db: sqlite_utils.Database,
    actor: Principal,
    draft_id: int,
    if_match: str | None,
    publish_at: str,
) -> Draft:
    """Approve a draft now, to be published at `publish_at` (a stored time in the future,
    see `api.core.lifecycle.scheduled_instant`): the review rule applies now, to exactly
    this revision against this head. Until then nothing of it reaches readers; if the head
    or the treatment records change meanwhile, the schedule fails rather than publish
    what the reviewer did not see (see `publish_scheduled`)."""
    from api.store.schedules import add_schedule

    with transaction(db):
        draft = _reviewed(db, actor, draft_id, if_match, "schedule")
        _publishable(db, draft)  # what would stop it now stops it being scheduled
        _move(db, actor, draft_id, if_match, "schedule", f"to be published at {publish_at}")
        add_schedule(
            db,
            kind="publish",
            target=f"articles/{draft.slug}",
            due_at=publish_at,
            approved_by=actor.name,
            draft_id=draft_id,
            etag=draft.etag,
        )
        return _draft(db, draft_id)


def unschedule_draft(
    db: sqlite_utils.Database, actor: Principal, draft_id: int, if_match: str | None
) -> Draft:
    """Cancel a draft's scheduled publication: it goes back to review, unpublished."""
    from api.store.schedules import cancel_schedules

    with transaction(db):
        _move(db, actor, draft_id, if_match, "unschedule", "publication schedule cancelled")
        cancel_schedules(db, actor, draft_id=draft_id)
        return _draft(db, draft_id)


def publish_scheduled(
    db: sqlite_utils.Database, reviewer: Principal, draft_id: int, etag: str
) -> VersionRow:
    """Publish a scheduled draft (inside the sweep's transaction): `reviewer` approved
    it when it was scheduled, with the draft standing at `etag`. Conflict when the draft,
    the head or the treatment records changed since: the reviewer never saw that."""
    draft = _draft(db, draft_id)
    if draft.status != "scheduled":
        raise Conflict(f"draft {draft_id} is {draft.status}, no longer scheduled")
    head = latest_version(db, draft.slug)
    if head is not None and head.status != "published":
        raise Conflict(
            f"{draft.slug} was withdrawn after draft {draft_id} was approved: publishing it "
            "again needs a new review"
        )
    if draft.etag != etag:
        raise Conflict(
            f"draft {draft_id} stood at {etag} when it was approved and stands at {draft.etag} "
            "now (a version or treatment records were published meanwhile): it needs a new "
            "review"
        )
    return _publish(db, reviewer, draft, etag, scheduled=True)


def _reviewed(
    db: sqlite_utils.Database,
    actor: Principal,
    draft_id: int,
    if_match: str | None,
    action: DraftAction,
) -> Draft:
    """The draft `actor` may publish (or schedule) now, as If-Match names it."""
    draft = _draft(db, draft_id)
    authors = draft_authors(db, draft_id)
    may(actor, "draft.review", Target.source(authors)).enforce()
    next_status(draft.status, action)  # a published draft says so, not "stale base"
    check_if_match(if_match, draft.etag)
    return draft


def _publishable(db: sqlite_utils.Database, draft: Draft) -> Merged:
    """What publishing `draft` now would publish, or Conflict naming why it cannot."""
    _, merged = merged_content(db, draft)
    if merged.article is None:
        units = ", ".join(c.unit for c in merged.conflicts)
        raise Conflict(
            f"version {draft.head_version} was published after this draft was based on "
            f"version {draft.base_version}, and both changed {units}: the author must "
            "resolve the conflicts (see the draft's diff) before it can be published"
        )
    try:
        check_article(merged.article)
    except ValidationFailed as exc:
        # Each side was valid; merged, a block may cite a reference the other removed.
        raise Conflict(
            f"merged onto version {draft.head_version}, the article is not valid: "
            f"{exc.detail}; the author must resolve it in the draft"
        ) from exc
    stale = _stale(db, merged.article, merged.treatments)
    if stale:
        raise Conflict(
            "the article no longer states what these treatment records quote: "
            + "; ".join(s.sentence() for s in stale)
            + ". Update the records (or their evidence) in this draft before publishing"
        )
    _check_still_holds(
        db, draft, merged.article, merged.treatments or load_treatments(db), merged.treatments
    )
    return merged


def _publish(
    db: sqlite_utils.Database,
    actor: Principal,
    draft: Draft,
    if_match: str | None,
    *,
    scheduled: bool = False,
) -> VersionRow:
    draft_id = draft.id
    authors = draft_authors(db, draft_id)
    merged = _publishable(db, draft)
    assert merged.article is not None  # _publishable raises on conflicts
    head = latest_version(db, draft.slug)
    current_records = load_treatments(db)
    records = merged.treatments
    if records is not None and content_hash(records) == content_hash(current_records):
        records = None
    # A withdrawn head is published again only by a new version, even with its content.
    article_changed = (
        head is None
        or head.status != "published"
        or head.content_hash != content_hash(merged.article)
    )
    if not article_changed and records is None:
        raise NothingChanged(f"draft {draft_id} does not change {draft.slug}")
    _move(db, actor, draft_id, if_match, "publish")
    message = draft_message(draft, draft_revisions(db, draft_id))
    if records is not None:
        # Checked against the article as it will be published, before anything is stored.
        check_references(
            [
                *(load_article(db, s, n) for s, n in published_slugs(db) if s != draft.slug),
                merged.article,
            ],
            records,
        )
        save_treatments(db, records)
        record(
            db,
            actor,
            "treatments.publish",
            "treatments",
            before=content_hash(current_records),
            after=content_hash(records),
            detail=f"set {treatments_number(db)} from draft {draft_id} by {', '.join(authors)}",
        )
    # A change of the records alone is still a new version of the article: each
    # version names the records it was published beside, and never changes after.
    row = publish_version(
        db,
        merged.article,
        authors=authors,
        reviewer=actor.name,
        message=message or f"draft {draft_id}",
    )
    merged_note = (
        f", merged onto version {draft.head_version}"
        if draft.base_version not in (0, draft.head_version)
        else ""
    )
    record(
        db,
        actor,
        "article.publish",
        f"articles/{draft.slug}",
        before=head.content_hash if head else None,
        after=row.content_hash,
        detail=f"version {row.number} from draft {draft_id} by {', '.join(authors)}"
        + merged_note
        + (", as scheduled at its review" if scheduled else ""),
    )
    # The records: all of them when their set was published, else the article's own.
    render_documents(db, slugs={draft.slug}, latest_only=True, all_records=records is not None)
    enqueue_event(db, ArticlePublished(slug=draft.slug, version=row.number))
    return row


def draft_stale_claims(db: sqlite_utils.Database, draft_id: int) -> tuple[StaleClaim, ...]:
    """The claims of treatment records publishing the draft now would leave unsupported
    (the diff's `stale_claims`): what its author must fix before a reviewer can publish."""
    with snapshot(db):
        draft = _draft(db, draft_id)
        article, merged = merged_content(db, draft)
        proposed = draft_treatments(db, draft)
        return _stale(
            db, merged.article or article, merged.treatments if merged.article else proposed
        )


def _stale(
    db: sqlite_utils.Database, article: Article, proposed: TreatmentCatalog | None
) -> tuple[StaleClaim, ...]:
    """Claims of the records that would stand beside `article` (the draft's, else the
    published ones) that `article` no longer supports word for word."""
    return stale_claims([article], proposed if proposed is not None else load_treatments(db))


def _check_still_holds(
    db: sqlite_utils.Database,
    draft: Draft,
    article: Article,
    records: TreatmentCatalog,
    proposed: TreatmentCatalog | None,
) -> None:
    """Refuse (409, naming it) to publish `article` beside `records` when a reference no
    longer resolves: content published since the draft was saved (a record removed, a
    section gone) can break what was valid when it was written.

    Every reference is between one article and the records. With the published records
    (`proposed` None) every other article was checked against them when they or it were
    published, so only the records' own articles are read besides the draft's: the cost
    follows the change, not the catalogue. Records the draft proposes meet every article."""
    owners = {t.article for t in records.treatments}
    chosen = published_slugs(db) if proposed is not None else published_among(db, owners)
    others = [load_article(db, s, n) for s, n in chosen if s != draft.slug]
    try:
        check_references([*others, article], records, evidence=False)
    except ValidationFailed as exc:
        raise Conflict(
            f"draft {draft.id} no longer fits what is published: {exc.detail}. Content "
            "changed since it was written: its author must update it (or request the "
            "rollback again) before it can be published"
        ) from exc


def request_rollback(
    db: sqlite_utils.Database,
    actor: Principal,
    slug: str,
    to_version: int,
    if_match: str | None,
    reason: str,
) -> Draft:
    """Open a review for bringing back an earlier version: a draft of its article and of
    the article's treatment records as published beside it, based on the head the
    requester read, submitted for a second person to publish. `reason` is required (the
    text policy applies); what it brings back is checked against what is published now
    first (see `api.store.rollback.rollback_content`: 409 naming what no longer holds)."""
    reason = checked_text(reason, REASON).strip()
    if not reason:
        raise ValidationFailed("say why: a rollback needs a reason", path=REASON)
    with transaction(db):
        head = latest_version(db, slug)
        if head is None:
            raise NotFound(f"no published article {slug!r}")
        etag = article_etag(slug, head.number, treatments_number(db))
        check_if_match(if_match, etag)
        content = rollback_content(db, slug, to_version)
        same_records = content_hash(content.treatments) == content_hash(load_treatments(db))
        return create_draft(
            db,
            actor,
            content.article,
            f"Roll back to version {to_version}: {reason}",
            etag,
            treatments=None if same_records else content.treatments,
            status="in_review",
            rollback_to=to_version,
            # The requester's reason is the reason for any safety mark it removes, which
            # the reviewer still sees called out.
            safety_reason=reason,
        )


def draft_diff(db: sqlite_utils.Database, draft_id: int) -> DraftDiff:
    """The draft against the version its author read and against the head, its conflicts,
    revisions and the translations it leaves stale, read in one snapshot."""
    with snapshot(db):
        draft = _draft(db, draft_id)
        article, merged = merged_content(db, draft)
        base = load_article(db, draft.slug, draft.base_version) if draft.base_version else None
        head = load_article(db, draft.slug, draft.head_version) if draft.head_version else None
        revisions = draft_revisions(db, draft_id)
        locales = [code for code in available_locales(db) if code != DEFAULT_LOCALE]
        catalogs = article_catalogs(db, draft.slug, locales)
        result = merged.article or article
        proposed = draft_treatments(db, draft)
        read_records = load_treatments(db, draft.treatments_base)
        current_records = load_treatments(db)
        against_base = field_changes(base, article, read_records, proposed)
        return DraftDiff(
            draft=draft.id,
            status=draft.status,
            message=draft_message(draft, revisions),
            authors=tuple(dict.fromkeys(r.author for r in revisions)),
            revisions=tuple(
                RevisionOut(
                    revision=r.revision, author=r.author, message=r.message, created_at=r.created_at
                )
                for r in revisions
            ),
            base_version=draft.base_version,
            head_version=draft.head_version,
            treatments_base=draft.treatments_base,
            treatments_head=draft.treatments_head,
            against_base=against_base,
            against_head=field_changes(head, result, current_records, merged.treatments)
            if merged.article is not None
            else (),
            conflicts=merged.conflicts,
            stale_claims=_stale(db, result, merged.treatments if merged.article else proposed),
            impact=locale_impact(head, result, locales, catalogs),
            safety_reason=db.execute(
                "SELECT safety_reason FROM draft_revisions WHERE draft_id = ? AND revision = ?",
                [draft_id, draft.revision],
            ).fetchone()[0],
            etag=draft.etag,
            rollback_to=draft.rollback_to,
            reverts=reverted_versions(
                db, draft.slug, draft.rollback_to, draft.base_version, against_base
            )
            if draft.rollback_to
            else (),
        )
