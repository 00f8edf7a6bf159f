"""Management API for editors and reviewers: drafts, review, publish, rollback."""

from __future__ import annotations

from typing import Annotated

import msgspec
import sqlite_utils
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Example
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter

from api.core.access import Principal, authorize
from api.core.changes import DraftDiff
from api.core.content import check_article, check_references, check_treatments
from api.core.errors import NotFound, ValidationFailed
from api.core.model import Article, TreatmentCatalog
from api.core.output import ReviewOut
from api.store.drafts import (
    Draft,
    article_etag,
    create_draft,
    draft_diff,
    draft_treatments,
    get_draft,
    list_drafts,
    publish_draft,
    reject_draft,
    request_rollback,
    submit_draft,
    update_draft,
    withdraw_draft,
)
from api.store.exporting import published_content
from api.store.reviews import confirm_review
from api.store.schema import snapshot
from api.store.versions import (
    VersionRow,
    latest_version,
    load_article,
    load_treatments,
    treatments_number,
)
from api.web.auth import BEARER, provide_principal, provide_writer, require_role, require_token
from api.web.bodies import refuse_unreadable_json
from api.web.examples import SlugPath
from api.web.problems import problem_responses

__all__ = [
    "MAX_ID",
    "DraftId",
    "DraftOut",
    "DraftsController",
    "IfMatch",
    "draft_response",
    "validated_content",
]

# SQLite integers are 64-bit; a larger id is a 400, never an overflow in the driver.
MAX_ID = 2**63 - 1
DraftId = Annotated[
    int, PathParameter(ge=1, le=MAX_ID, examples=[Example(summary="first draft", value=1)])
]

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description="The ETag you last read (for a new draft: the article head's). "
        "Missing: 428 (except for a draft of a new article); stale: 412.",
    ),
]


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
            max_length=500,
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

    comment: Annotated[str, msgspec.Meta(max_length=2000, description=_COMMENT)] | None = None


class Rejection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Why a reviewer sends a draft back."""

    comment: Annotated[str, msgspec.Meta(min_length=1, max_length=2000, description=_COMMENT)]


class RollbackInput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which earlier version to publish again, and why."""

    to_version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    reason: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=500,
            description="Why roll back: one line of plain text under the text policy (no "
            "markup, control, bidi or invisible characters). The reviewer reads it; it "
            "becomes the message of the version published.",
            examples=["The new dosage sentence cites the wrong label; restore the last one"],
        ),
    ]


class DraftOut(msgspec.Struct, frozen=True, kw_only=True):
    """A draft's state (and its content when fetched alone)."""

    id: int
    slug: str
    status: str
    author: str
    revision: int
    base_version: int
    content_hash: str
    comment: str | None
    created_at: str
    updated_at: str
    head_version: int
    treatments_base: int
    treatments_head: int
    etag: str
    article: Article | None = None
    treatments: TreatmentCatalog | None = None
    rollback_to: int | None = None
    """For a rollback: the version whose article and treatment records it brings back."""
    summary: str | None = None
    """What the author said the draft does when sending it to review (the workspace's
    "Send to review" asks for it); the published version's message."""


class ReviewInput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A review that found the published version still accurate."""

    note: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=2000,
                description="What was checked, e.g. the sources re-read.",
                examples=["Re-checked against the current FDA labels; no change needed."],
            ),
        ]
        | None
    ) = None


class ArticleHead(msgspec.Struct, frozen=True, kw_only=True):
    """The current published version of an article: its source content (what a new draft
    starts from) and the ETag rollback must send as If-Match."""

    slug: str
    version: int
    content_hash: str
    etag: str
    article: Article
    treatments_version: int
    treatments: TreatmentCatalog
    """The treatment records as published now; a draft may propose changes to them."""


def draft_response(
    draft: Draft, article: Article | None = None, treatments: TreatmentCatalog | None = None
) -> Response[DraftOut]:
    """A draft as the API answers with it, its ETag in the header too."""
    body = DraftOut(
        **msgspec.structs.asdict(draft), etag=draft.etag, article=article, treatments=treatments
    )
    return Response(body, headers={"ETag": draft.etag})


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
    # Treatments point into every published article, so the draft is checked in place of
    # its own published version among all the others (a new article adds to them).
    published = published_content(db)
    others = [a for a in published.articles if a.slug != slug]
    # The published records are checked for structure only: what this article breaks in
    # their evidence is the draft's diff's `stale_claims`, and stops publishing (409).
    check_references(
        [*others, article],
        treatments or published.treatments,
        evidence=treatments is not None,
        prefix=f"{prefix}.treatments",
    )
    return article, treatments


_WRITE = problem_responses(400, 401, 403, 404, 409, 412, 422, 428, 503)
_BODY_WRITE = problem_responses(400, 401, 403, 404, 408, 409, 412, 413, 415, 422, 428, 503)


class DraftsController(Controller):
    """Drafts through review to publication."""

    path = "/v1/manage"
    tags = ["management"]  # noqa: RUF012
    security = [{BEARER: []}]  # noqa: RUF012
    # The role is checked before the body is read; the handlers check the rest.
    guards = [require_token, require_role]  # noqa: RUF012
    before_request = staticmethod(refuse_unreadable_json)
    dependencies = {  # noqa: RUF012
        "writer": Provide(provide_writer),
        "principal": Provide(provide_principal, sync_to_thread=False),
    }

    @get(
        "/drafts",
        operation_id="listDrafts",
        summary="List drafts, newest first",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403),
    )
    def list_drafts(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        status: Annotated[
            str | None,
            QueryParameter(
                name="status",
                required=False,
                pattern="^(draft|in_review|scheduled|rejected|published|withdrawn)$",
            ),
        ] = None,
    ) -> list[DraftOut]:
        """Drafts, newest first; `status` filters."""
        authorize(principal, "draft.read")
        return [
            DraftOut(**msgspec.structs.asdict(d), etag=d.etag) for d in list_drafts(writer, status)
        ]

    @get(
        "/review-queue",
        operation_id="reviewQueue",
        summary="List the drafts waiting for review",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403),
    )
    def review_queue(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
    ) -> list[DraftOut]:
        """Drafts waiting for a reviewer."""
        authorize(principal, "draft.review")
        return [
            DraftOut(**msgspec.structs.asdict(d), etag=d.etag)
            for d in list_drafts(writer, "in_review")
        ]

    @post(
        "/articles/{slug:str}/drafts",
        operation_id="createDraft",
        summary="Start a draft of an article",
        opt={"action": "draft.write"},
        sync_to_thread=True,
        responses=_BODY_WRITE,
    )
    def create(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: SlugPath,
        data: JSONBody[DraftInput],
        if_match: IfMatch = None,
    ) -> Response[DraftOut]:
        """Start a draft of a whole article: a new one, or a change to the published version
        you read (send its ETag from the article head as If-Match; 428 without it)."""
        authorize(principal, "draft.write")
        article, treatments = validated_content(writer, slug, data.article, data.treatments)
        draft = create_draft(
            writer,
            principal,
            article,
            data.message,
            if_match,
            treatments=treatments,
            safety_reason=data.safety_reason,
        )
        response = draft_response(draft)
        response.status_code = 201
        return response

    @get(
        "/drafts/{draft_id:int}",
        operation_id="getDraft",
        summary="Get a draft with its content",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404),
    )
    def get_one(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: DraftId,
    ) -> Response[DraftOut]:
        """A draft with its content; its ETag is what writes must send as If-Match."""
        authorize(principal, "draft.read")
        draft, article = get_draft(writer, draft_id)
        return draft_response(draft, article, draft_treatments(writer, draft))

    @put(
        "/drafts/{draft_id:int}",
        operation_id="updateDraft",
        summary="Replace the content of a draft",
        opt={"action": "draft.write"},
        sync_to_thread=True,
        responses=_BODY_WRITE,
    )
    def update(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: DraftId,
        data: JSONBody[DraftInput],
        if_match: IfMatch = None,
    ) -> Response[DraftOut]:
        """Replace the draft's content with a new revision."""
        authorize(principal, "draft.write")
        draft, _ = get_draft(writer, draft_id)
        article, treatments = validated_content(writer, draft.slug, data.article, data.treatments)
        return draft_response(
            update_draft(
                writer,
                principal,
                draft_id,
                if_match,
                article,
                data.message,
                data.base_version,
                treatments,
                data.safety_reason,
            )
        )

    @post(
        "/drafts/{draft_id:int}/submit",
        operation_id="submitDraft",
        summary="Send a draft to review",
        opt={"action": "draft.write"},
        status_code=200,
        sync_to_thread=True,
        responses=_WRITE,
    )
    def submit(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: DraftId,
        if_match: IfMatch = None,
    ) -> Response[DraftOut]:
        """Send the draft to review."""
        authorize(principal, "draft.write")
        return draft_response(submit_draft(writer, principal, draft_id, if_match))

    @post(
        "/drafts/{draft_id:int}/reject",
        operation_id="rejectDraft",
        summary="Send a draft back to its author",
        opt={"action": "draft.review"},
        status_code=200,
        sync_to_thread=True,
        responses=_BODY_WRITE,
    )
    def reject(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: DraftId,
        data: JSONBody[Rejection],
        if_match: IfMatch = None,
    ) -> Response[DraftOut]:
        """Send the draft back to its author with a comment."""
        authorize(principal, "draft.review")
        return draft_response(reject_draft(writer, principal, draft_id, if_match, data.comment))

    @post(
        "/drafts/{draft_id:int}/publish",
        operation_id="publishDraft",
        summary="Approve and publish a draft",
        opt={"action": "draft.review"},
        status_code=200,
        sync_to_thread=True,
        responses=_WRITE,
    )
    def publish(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: DraftId,
        if_match: IfMatch = None,
    ) -> VersionRow:
        """Approve and publish: the article's next version, served at once in every locale.
        The reviewer must not be the draft's author."""
        authorize(principal, "draft.review")
        return publish_draft(writer, principal, draft_id, if_match)

    @get(
        "/articles/{slug:str}",
        operation_id="getArticleHead",
        summary="Get the published source of an article",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404),
    )
    def head(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: SlugPath,
    ) -> Response[ArticleHead]:
        """The published head of an article in the source language, and its ETag."""
        authorize(principal, "draft.read")
        with snapshot(writer):
            row = latest_version(writer, slug)
            if row is None:
                raise NotFound(f"no published article {slug!r}")
            records = treatments_number(writer)
            etag = article_etag(slug, row.number, records)
            head = ArticleHead(
                slug=slug,
                version=row.number,
                content_hash=row.content_hash,
                etag=etag,
                article=load_article(writer, slug, row.number),
                treatments_version=records,
                treatments=load_treatments(writer),
            )
        return Response(head, headers={"ETag": etag})

    @post(
        "/articles/{slug:str}/reviews",
        operation_id="confirmArticleReview",
        summary="Record a review that found the published version still accurate",
        opt={"action": "draft.review"},
        status_code=201,
        sync_to_thread=True,
        responses=_BODY_WRITE,
    )
    def confirm_review(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: SlugPath,
        data: JSONBody[ReviewInput],
        if_match: IfMatch = None,
    ) -> Response[ReviewOut]:
        """A medical reviewer re-read the published version (If-Match: the ETag of
        `GET /v1/manage/articles/{slug}`) and finds it still accurate: its review dates
        start again from today, without a new version. The review rule applies: never by
        anyone who wrote that version. Readers get the new dates at once."""
        authorize(principal, "draft.review")
        review = confirm_review(writer, principal, slug, if_match, data.note)
        return Response(review, status_code=201)

    @post(
        "/articles/{slug:str}/rollback",
        operation_id="rollbackArticle",
        summary="Request a rollback to an earlier version, for review",
        opt={"action": "article.rollback"},
        status_code=201,
        sync_to_thread=True,
        responses=_BODY_WRITE,
    )
    def rollback(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: SlugPath,
        data: JSONBody[RollbackInput],
        if_match: IfMatch = None,
    ) -> Response[DraftOut]:
        """Request a rollback: a draft with an earlier version's article and the article's
        treatment records as published beside it, sent to review with your reason. It is
        published only when a second person approves it; its diff (`against_base`, and
        `reverts`: each published version it undoes, safety-bearing ones marked) shows
        what it reverts. Refused with 409 when what it would bring back no longer holds
        together with what is published now (the problem is named)."""
        authorize(principal, "article.rollback")
        draft = request_rollback(writer, principal, slug, data.to_version, if_match, data.reason)
        response = draft_response(draft)
        response.status_code = 201
        return response

    @post(
        "/drafts/{draft_id:int}/withdraw",
        operation_id="withdrawDraft",
        summary="Withdraw a draft for good",
        opt={"action": "draft.write"},
        status_code=200,
        sync_to_thread=True,
        responses=_BODY_WRITE,
    )
    def withdraw(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: DraftId,
        data: JSONBody[Withdrawal],
        if_match: IfMatch = None,
    ) -> Response[DraftOut]:
        """Withdraw a draft for good; it stays in history and the audit log."""
        authorize(principal, "draft.write")
        return draft_response(withdraw_draft(writer, principal, draft_id, if_match, data.comment))

    @get(
        "/drafts/{draft_id:int}/diff",
        operation_id="diffDraft",
        summary="See what publishing a draft would change",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404),
    )
    def diff(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: DraftId,
    ) -> Response[DraftDiff]:
        """What the draft changes against the version its author read and against the
        head, its conflicts, its authors, and the translations it leaves stale."""
        authorize(principal, "draft.read")
        found = draft_diff(writer, draft_id)
        return Response(found, headers={"ETag": found.etag})
