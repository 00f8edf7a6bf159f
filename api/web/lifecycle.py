"""Management API for scheduled changes and withdrawals: approve a draft to be published at
a set time, ask for published content to be withdrawn (at once or at a set time) and have a
second person approve it, and see every schedule, overdue ones flagged."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import msgspec
import sqlite_utils
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Example
from litestar.params import JSONBody, PathParameter, QueryParameter

from api.actions import lifecycle as actions
from api.core.access import Principal, may
from api.core.lifecycle import (
    ScheduleState,
    WithdrawalKind,
    WithdrawalStatus,
)
from api.store.schedules import Schedule, list_schedules
from api.store.withdrawals import (
    Withdrawal,
    get_withdrawal,
    list_withdrawals,
)
from api.web.auth import BEARER, provide_principal, provide_writer, require_role, require_token
from api.web.bodies import refuse_unreadable_json
from api.web.draft_out import DraftId, DraftOut, draft_response
from api.web.examples import MAX_ID, IfMatch
from api.web.problems import problem_responses

__all__ = ["LifecycleController"]

WithdrawalId = Annotated[
    int, PathParameter(ge=1, le=MAX_ID, examples=[Example(summary="first request", value=1)])
]
Moment = Annotated[datetime, msgspec.Meta(tz=True)]


class ScheduleInput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """When the approved draft goes live."""

    publish_at: Annotated[
        Moment,
        msgspec.Meta(
            description="RFC 3339 with a time zone, in the future (at most five years "
            "ahead). Until then nothing of the draft reaches readers.",
            examples=["2026-12-24T09:00:00Z"],
        ),
    ]


class WithdrawalInput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What to withdraw from readers, why, and when."""

    kind: WithdrawalKind
    item: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=200,
            pattern="^[a-z0-9][a-z0-9-]*$",
            description="The article's slug, or the treatment record's id.",
            examples=["stem-cell-therapy-for-hair-loss"],
        ),
    ]
    reason: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=2000,
            description="Why, for the reviewer and the audit log (plain text under the text "
            "policy). Urgency is a reason: a second person still approves.",
            examples=["The regulator suspended the clinic protocol this article describes."],
        ),
    ]
    notice: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=300,
                description="One line readers get with the 410, after the date it was "
                "withdrawn (plain text under the text policy).",
                examples=["It described a treatment now under a safety review."],
            ),
        ]
        | None
    ) = None
    withdraw_at: (
        Annotated[
            Moment,
            msgspec.Meta(
                description="When it takes effect (RFC 3339 with a time zone, in the "
                "future); omit for as soon as it is approved.",
                examples=["2026-12-31T23:00:00Z"],
            ),
        ]
        | None
    ) = None


class WithdrawalDecision(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Why a reviewer declines a withdrawal."""

    comment: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class WithdrawalOut(msgspec.Struct, frozen=True, kw_only=True):
    """A withdrawal request and where it stands; `etag` is what approving, rejecting or
    cancelling it must send as If-Match."""

    id: int
    kind: WithdrawalKind
    item: str
    reason: str
    notice: str
    status: WithdrawalStatus
    requested_by: str
    requested_at: str
    approved_by: str | None = None
    approved_at: str | None = None
    withdraw_at: str | None = None
    done_at: str | None = None
    through_version: int | None = None
    record_hash: str | None = None
    comment: str | None = None
    etag: str


def _withdrawal(found: Withdrawal, status_code: int = 200) -> Response[WithdrawalOut]:
    body = WithdrawalOut(**msgspec.structs.asdict(found), etag=found.etag)
    return Response(body, status_code=status_code, headers={"ETag": found.etag})


_WRITE = problem_responses(400, 401, 403, 404, 409, 412, 422, 428, 503)
_BODY_WRITE = problem_responses(400, 401, 403, 404, 408, 409, 412, 413, 415, 422, 428, 503)


class LifecycleController(Controller):
    """Scheduled publication and withdrawal, each under the review rule."""

    path = "/v1/manage"
    tags = ["management"]  # noqa: RUF012
    security = [{BEARER: []}]  # noqa: RUF012
    guards = [require_token, require_role]  # noqa: RUF012
    before_request = staticmethod(refuse_unreadable_json)
    dependencies = {  # noqa: RUF012
        "writer": Provide(provide_writer),
        "principal": Provide(provide_principal, sync_to_thread=False),
    }

    @post(
        "/drafts/{draft_id:int}/schedule",
        operation_id="scheduleDraft",
        summary="Approve a draft now, to be published at a set time",
        opt={"action": "draft.review"},
        status_code=200,
        sync_to_thread=True,
        responses=_BODY_WRITE,
    )
    def schedule(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: DraftId,
        data: JSONBody[ScheduleInput],
        if_match: IfMatch = None,
    ) -> Response[DraftOut]:
        """The review happens now, by the same rule as publishing (never by an author of
        the draft; If-Match: the draft's ETag you reviewed). The draft becomes `scheduled`
        and is published at `publish_at` by the sweep, or by the first read after that
        time if the sweep is late. If a version or the treatment records are published
        meanwhile, the schedule fails (shown in `GET /v1/manage/schedules`) and the draft
        goes back to review: nobody reviewed it against what stands then."""
        scheduled = actions.schedule_draft(writer, principal, draft_id, if_match, data.publish_at)
        return draft_response(scheduled)

    @post(
        "/drafts/{draft_id:int}/unschedule",
        operation_id="unscheduleDraft",
        summary="Cancel a draft's scheduled publication",
        opt={"action": "draft.write"},
        status_code=200,
        sync_to_thread=True,
        responses=_WRITE,
    )
    def unschedule(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: DraftId,
        if_match: IfMatch = None,
    ) -> Response[DraftOut]:
        """The draft goes back to review, unpublished (nothing reaches readers)."""
        return draft_response(actions.unschedule_draft(writer, principal, draft_id, if_match))

    @get(
        "/schedules",
        operation_id="listSchedules",
        summary="List scheduled changes, the next due first",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403),
    )
    def schedules(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        state_filter: Annotated[
            str | None,
            QueryParameter(
                name="state",
                required=False,
                pattern="^(pending|done|failed|cancelled)$",
                description="Only schedules in this state.",
            ),
        ] = None,
    ) -> list[Schedule]:
        """Pending schedules first, by due time, then those done, failed or cancelled.
        `overdue` marks a pending one more than a minute past its time: the sweep is late
        or failing. A failed one says why in `detail`."""
        may(principal, "draft.read").enforce()
        return list_schedules(writer, cast(ScheduleState | None, state_filter))

    @post(
        "/withdrawals",
        operation_id="requestWithdrawal",
        summary="Ask for a published article or treatment record to be withdrawn",
        opt={"action": "article.withdraw"},
        status_code=201,
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404, 408, 409, 413, 415, 422, 503),
    )
    def request(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        data: JSONBody[WithdrawalInput],
    ) -> Response[WithdrawalOut]:
        """Nothing changes for readers until a second person approves the request
        (`POST /v1/manage/withdrawals/{id}/approve`). 409 when one is already open."""
        found = actions.request_withdrawal(
            writer, principal, data.kind, data.item, data.reason, data.notice, data.withdraw_at
        )
        return _withdrawal(found, 201)

    @get(
        "/withdrawals",
        operation_id="listWithdrawals",
        summary="List withdrawal requests, newest first",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403),
    )
    def withdrawals(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        status: Annotated[
            str | None,
            QueryParameter(
                name="status",
                required=False,
                pattern="^(requested|scheduled|withdrawn|rejected|cancelled)$",
                description="Only requests in this status.",
            ),
        ] = None,
    ) -> list[WithdrawalOut]:
        """Every request, with who asked, who approved, and when it took effect."""
        may(principal, "draft.read").enforce()
        return [
            WithdrawalOut(**msgspec.structs.asdict(w), etag=w.etag)
            for w in list_withdrawals(writer, cast(WithdrawalStatus | None, status))
        ]

    @get(
        "/withdrawals/{withdrawal_id:int}",
        operation_id="getWithdrawal",
        summary="Get a withdrawal request",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404),
    )
    def withdrawal(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        withdrawal_id: WithdrawalId,
    ) -> Response[WithdrawalOut]:
        """One request; its ETag is what deciding on it must send as If-Match."""
        may(principal, "draft.read").enforce()
        return _withdrawal(get_withdrawal(writer, withdrawal_id))

    @post(
        "/withdrawals/{withdrawal_id:int}/approve",
        operation_id="approveWithdrawal",
        summary="Approve a withdrawal, at once or at its time",
        opt={"action": "withdrawal.review"},
        status_code=200,
        sync_to_thread=True,
        responses=_WRITE,
    )
    def approve(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        withdrawal_id: WithdrawalId,
        if_match: IfMatch = None,
    ) -> Response[WithdrawalOut]:
        """The review rule applies: a reviewer who did not request it. Without
        `withdraw_at` it takes effect now: readers get 410 with the notice (pinned versions
        too), sync clients a removal, and bundles, lists and search drop it."""
        return _withdrawal(actions.approve_withdrawal(writer, principal, withdrawal_id, if_match))

    @post(
        "/withdrawals/{withdrawal_id:int}/reject",
        operation_id="rejectWithdrawal",
        summary="Decline a withdrawal request",
        opt={"action": "withdrawal.review"},
        status_code=200,
        sync_to_thread=True,
        responses=_BODY_WRITE,
    )
    def reject(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        withdrawal_id: WithdrawalId,
        data: JSONBody[WithdrawalDecision],
        if_match: IfMatch = None,
    ) -> Response[WithdrawalOut]:
        """The content stays published; the comment says why."""
        return _withdrawal(
            actions.reject_withdrawal(writer, principal, withdrawal_id, if_match, data.comment)
        )

    @post(
        "/withdrawals/{withdrawal_id:int}/cancel",
        operation_id="cancelWithdrawal",
        summary="Call a withdrawal off",
        opt={"action": "article.withdraw"},
        status_code=200,
        sync_to_thread=True,
        responses=_WRITE,
    )
    def cancel(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        withdrawal_id: WithdrawalId,
        if_match: IfMatch = None,
    ) -> Response[WithdrawalOut]:
        """Its requester (or an admin) may while it waits for approval; once approved
        and scheduled, only a reviewer the review rule allows."""
        return _withdrawal(actions.cancel_withdrawal(writer, principal, withdrawal_id, if_match))
