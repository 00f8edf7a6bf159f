"""Draft use cases: propose and revise a draft, submit, withdraw, reject, publish, request a
rollback, and record a review of a published version (authorise, validate, store, audit:
see `api.actions`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import msgspec
import sqlite_utils

from api.core.access import Principal, may
from api.core.content import check_article, check_references, check_treatments
from api.core.errors import PreconditionRequired, ValidationFailed
from api.core.merge import Resolution
from api.core.model import Article, TreatmentCatalog
from api.core.output import ReviewOut
from api.store import drafts as store
from api.store import reviews
from api.store.drafts import Draft
from api.store.exporting import published_content
from api.store.versions import (
    VersionRow,
    latest_version,
    load_treatments,
    published_articles,
)

__all__ = [
    "COMMENT_MAX",
    "MESSAGE_MAX",
    "CommentMissing",
    "DraftInput",
    "Rejection",
    "ReviewInput",
    "RollbackInput",
    "Withdrawal",
    "confirm_review",
    "create_article",
    "propose_draft",
    "publish_draft",
    "reject_draft",
    "request_rollback",
    "resolve_conflicts",
    "revise_draft",
    "submit_draft",
    "validated_content",
    "withdraw_draft",
]

MESSAGE_MAX = 500
COMMENT_MAX = 2000

_COMMENT = (
    "Plain text under the text policy (no markup, control, bidi or invisible characters); "
    "line breaks allowed."
)


class DraftInput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A whole article as proposed, and why."""

    article: Article
    message: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=MESSAGE_MAX,
            description="Why: one line of plain text under the text policy (no markup, "
            "control, bidi or invisible characters); public in the article's versions.",
        ),
    ]
    treatments: TreatmentCatalog | None = None
    """All the treatment records as proposed, when the change touches them too (published
    with the article in one review); omit to leave them as they are."""
    base_version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] | None = None
    """Only when saving a revision: the published version this content was made against.
    Send the head's number once you have resolved the conflicts the draft's diff shows."""
    safety_reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None
    """Required when the draft removes a safety mark (or a safety-bearing block) from the
    version it was made from: why. The reviewer sees the downgrade and this reason."""


class Withdrawal(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Why a draft is taken out of the workflow."""

    comment: Annotated[str, msgspec.Meta(max_length=COMMENT_MAX, description=_COMMENT)] | None = (
        None
    )


class Rejection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Why a reviewer sends a draft (or a catalog) back."""

    comment: Annotated[
        str, msgspec.Meta(min_length=1, max_length=COMMENT_MAX, description=_COMMENT)
    ]


class RollbackInput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which earlier version to publish again, and why."""

    to_version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    reason: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=MESSAGE_MAX,
            description="Why roll back: one line of plain text under the text policy (no "
            "markup, control, bidi or invisible characters). The reviewer reads it; it "
            "becomes the message of the version published.",
            examples=["The new dosage sentence cites the wrong label; restore the last one"],
        ),
    ]


class ReviewInput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A review that found the published version still accurate."""

    note: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=COMMENT_MAX,
                description="What was checked, e.g. the sources re-read.",
                examples=["Re-checked against the current FDA labels; no change needed."],
            ),
        ]
        | None
    ) = None


class CommentMissing(ValidationFailed):
    """A rejection without a comment, or with one over `COMMENT_MAX` characters: the person
    sent back reads it."""

    def __init__(self) -> None:
        super().__init__(
            f"say why: the comment is required (at most {COMMENT_MAX} characters)",
            path="$.comment",
        )


def required_comment(comment: str) -> str:
    """A reviewer's comment as stored (stripped), or CommentMissing."""
    comment = comment.strip()
    if not comment or len(comment) > COMMENT_MAX:
        raise CommentMissing
    return comment


def validated_content(
    db: sqlite_utils.Database,
    slug: str,
    article: Article,
    treatments: TreatmentCatalog | None,
    prefix: str = "$",
) -> tuple[Article, TreatmentCatalog | None]:
    """A draft's content as it may be stored, checked like files are (`vetted check`): the
    one check of every draft, from the API's JSON or the workspace's forms. Errors name the
    field below `prefix` (`$.article`, `$.treatments` for the API's body)."""
    if article.slug != slug:
        raise ValidationFailed(
            f"article.slug {article.slug!r} does not match the path {slug!r}",
            path=f"{prefix}.article.slug",
        )
    article = check_article(article, prefix=f"{prefix}.article")
    treatments = (
        check_treatments(treatments, prefix=f"{prefix}.treatments")
        if treatments is not None
        else None
    )
    # Treatments point into published articles, so the draft is checked in place of its
    # own published version among the others (a new article adds to them). With the
    # records as published, only the articles they point into can break a reference (the
    # rest are as they were checked when published): those are read, not the whole
    # catalogue. Records the draft proposes are checked against every article.
    if treatments is None:
        records = load_treatments(db)
        others = published_articles(db, {t.article for t in records.treatments} - {slug})
    else:
        records = treatments
        others = [a for a in published_content(db).articles if a.slug != slug]
    # The published records are checked for structure only: what this article breaks in
    # their evidence is the draft's diff's `stale_claims`, and stops publishing (409).
    check_references(
        [*others, article],
        records,
        evidence=treatments is not None,
        prefix=f"{prefix}.treatments",
    )
    return article, treatments


def propose_draft(
    db: sqlite_utils.Database,
    principal: Principal,
    slug: str,
    article: Article,
    message: str,
    if_match: str | None,
    *,
    treatments: TreatmentCatalog | None = None,
    safety_reason: str | None = None,
) -> Draft:
    """Start a draft of `slug`: a new article, or a change to the published version read
    (If-Match names it)."""
    may(principal, "draft.write").enforce()
    if if_match is None:
        # A draft without If-Match is a new article: its slug must be free. One that
        # exists is said before its content is checked as if it replaced that article.
        if latest_version(db, slug) is not None:
            raise PreconditionRequired(
                f"an article {slug!r} exists: to change it, send If-Match with the ETag of "
                f"the version you read (GET /v1/manage/articles/{slug}); to create a new "
                "article, choose a slug no article has"
            )
        store.check_slug_free(db, slug)
    article, treatments = validated_content(db, slug, article, treatments)
    return store.create_draft(
        db,
        principal,
        article,
        message,
        if_match,
        treatments=treatments,
        safety_reason=safety_reason,
    )


def create_article(
    db: sqlite_utils.Database,
    principal: Principal,
    article: Article,
    message: str,
) -> Draft:
    """Start a draft of a new article (the workspace's New article form; the API's
    `createDraft` without If-Match): its slug must be free (SlugTaken at `$.article.slug`
    otherwise). It reaches readers as any draft does, once a second person publishes it;
    it has no translations until translators upload its catalog."""
    may(principal, "draft.write").enforce()
    # First: checked against the published articles, a taken slug would read as a
    # change that drops their sections.
    store.check_slug_free(db, article.slug)
    article, _ = validated_content(db, article.slug, article, None)
    return store.create_draft(db, principal, article, message, None, new=True)


def revise_draft(
    db: sqlite_utils.Database,
    principal: Principal,
    draft_id: int,
    if_match: str | None,
    article: Article,
    message: str,
    *,
    base_version: int | None = None,
    treatments: TreatmentCatalog | None = None,
    safety_reason: str | None = None,
) -> Draft:
    """Save a new revision of a draft (If-Match names the revision read)."""
    may(principal, "draft.write").enforce()
    draft, _ = store.get_draft(db, draft_id)
    article, treatments = validated_content(db, draft.slug, article, treatments)
    return store.update_draft(
        db,
        principal,
        draft_id,
        if_match,
        article,
        message,
        base_version,
        treatments,
        safety_reason,
    )


def resolve_conflicts(
    db: sqlite_utils.Database,
    principal: Principal,
    draft_id: int,
    if_match: str | None,
    take: Mapping[str, Resolution],
    message: str,
) -> Draft | tuple[str, ...]:
    """Resolve a draft's conflicts with the published head, unit by unit (`take`: the
    author's side, the head's, or a text combining both): a revision based on the head, or
    the units still unresolved (nothing saved)."""
    may(principal, "draft.write").enforce()
    draft, _ = store.get_draft(db, draft_id)
    _, merged = store.merged_content(db, draft, take)
    if merged.article is None:
        return tuple(c.unit for c in merged.conflicts)
    return revise_draft(
        db,
        principal,
        draft_id,
        if_match,
        merged.article,
        message[:MESSAGE_MAX],
        base_version=draft.head_version,
        treatments=merged.treatments,
    )


def submit_draft(
    db: sqlite_utils.Database,
    principal: Principal,
    draft_id: int,
    if_match: str | None,
    summary: str | None = None,
) -> Draft:
    """Send a draft to review, with what it does in a sentence if the author gives one."""
    may(principal, "draft.write").enforce()
    return store.submit_draft(db, principal, draft_id, if_match, summary)


def withdraw_draft(
    db: sqlite_utils.Database,
    principal: Principal,
    draft_id: int,
    if_match: str | None,
    comment: str | None = None,
) -> Draft:
    """Take a draft out of the workflow for good (it stays in history)."""
    may(principal, "draft.write").enforce()
    return store.withdraw_draft(db, principal, draft_id, if_match, comment)


def reject_draft(
    db: sqlite_utils.Database,
    principal: Principal,
    draft_id: int,
    if_match: str | None,
    comment: str,
) -> Draft:
    """Send a draft back to its author with a comment (the review rule: whoever could
    publish it; asked again in the store's transaction with the draft's authors)."""
    may(principal, "draft.review").enforce()
    return store.reject_draft(db, principal, draft_id, if_match, required_comment(comment))


def publish_draft(
    db: sqlite_utils.Database, principal: Principal, draft_id: int, if_match: str | None
) -> VersionRow:
    """Approve and publish a draft (the review rule is asked again in the store's
    transaction, with the draft's authors)."""
    may(principal, "draft.review").enforce()
    return store.publish_draft(db, principal, draft_id, if_match)


def request_rollback(
    db: sqlite_utils.Database,
    principal: Principal,
    slug: str,
    to_version: int,
    if_match: str | None,
    reason: str,
) -> Draft:
    """Ask for an earlier version back: a draft of it, in review for a second person."""
    may(principal, "article.rollback").enforce()
    return store.request_rollback(db, principal, slug, to_version, if_match, reason)


def confirm_review(
    db: sqlite_utils.Database,
    principal: Principal,
    slug: str,
    if_match: str | None,
    note: str | None = None,
) -> ReviewOut:
    """Record that the published version read is still accurate (no new version; the
    review rule is asked again in the store's transaction, with the version's authors)."""
    may(principal, "article.review").enforce()
    return reviews.confirm_review(db, principal, slug, if_match, note)
