"""Management API for editors and reviewers: drafts, review, publish, rollback."""

from __future__ import annotations

from typing import Annotated

import msgspec
import sqlite_utils
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from api.actions import drafts as actions
from api.actions.drafts import DraftInput, Rejection, ReviewInput, RollbackInput, Withdrawal
from api.core.access import Principal, may
from api.core.changes import DraftDiff
from api.core.errors import NotFound
from api.core.model import Article, TreatmentCatalog
from api.core.output import ReviewOut
from api.store.drafts import (
    article_etag,
    draft_diff,
    draft_treatments,
    get_draft,
    list_drafts,
)
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
from api.web.draft_out import DraftId, DraftOut, draft_response
from api.web.examples import IfMatch, SlugPath
from api.web.problems import problem_responses

__all__ = ["DraftsController"]


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
        may(principal, "draft.read").enforce()
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
        may(principal, "draft.review").enforce()
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
        draft = actions.propose_draft(
            writer,
            principal,
            slug,
            data.article,
            data.message,
            if_match,
            treatments=data.treatments,
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
        may(principal, "draft.read").enforce()
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
        return draft_response(
            actions.revise_draft(
                writer,
                principal,
                draft_id,
                if_match,
                data.article,
                data.message,
                base_version=data.base_version,
                treatments=data.treatments,
                safety_reason=data.safety_reason,
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
        return draft_response(actions.submit_draft(writer, principal, draft_id, if_match))

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
        return draft_response(
            actions.reject_draft(writer, principal, draft_id, if_match, data.comment)
        )

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
        return actions.publish_draft(writer, principal, draft_id, if_match)

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
        may(principal, "draft.read").enforce()
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
        opt={"action": "article.review"},
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
        review = actions.confirm_review(writer, principal, slug, if_match, data.note)
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
        draft = actions.request_rollback(
            writer, principal, slug, data.to_version, if_match, data.reason
        )
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
        return draft_response(
            actions.withdraw_draft(writer, principal, draft_id, if_match, data.comment)
        )

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
        may(principal, "draft.read").enforce()
        found = draft_diff(writer, draft_id)
        return Response(found, headers={"ETag": found.etag})
