"""Reviewing a draft: its changes word by word, its message, authors and revisions, the
translations it leaves stale per locale, and approve (publish) or reject with a comment.

Who may is the review rule's (`api.core.review`): the buttons say its reason when it
refuses, and the same store functions refuse a posted form anyway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from api.actions import drafts as actions
from api.actions.drafts import CommentMissing
from api.core.access import Principal, Target, may
from api.core.changes import DraftDiff, LocaleImpact, ReadersGet, safety_downgrades
from api.core.errors import ValidationFailed
from api.core.locales import text_direction
from api.store.drafts import draft_authors, draft_diff, get_draft
from api.store.queue import QueueLine, Touches, draft_touches, queue_lines
from api.store.translations import article_catalogs
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import (
    Action,
    ChangeView,
    ConflictView,
    RevertedView,
    action,
    change_views,
    conflict_view,
    reverted_views,
)
from api.web.workspace.forms import ACTION_FORM, COMMENT_FORM, bounds
from api.web.workspace.keeping import keeps, kept_fields, kept_notice
from api.web.workspace.layout import flash, render, ui

__all__ = ["ReviewController"]

CHECKED = "read-and-checked"
"""The value of the publish checklist's box, ticked."""

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


@dataclass(frozen=True)
class StaleMessage:
    """A translation the draft leaves stale: readers of the locale get the source text
    (marked as a fallback) until a translator catches up."""

    context: str
    translation: str
    readers: ReadersGet
    """What readers get instead once this is published (the renderer's own rule)."""


@dataclass(frozen=True)
class ImpactView:
    locale: str
    dir: str
    impact: LocaleImpact
    stale: tuple[StaleMessage, ...]


@dataclass(frozen=True)
class ReviewPage:
    """What a reviewer must see before publishing, and what they may do."""

    diff: DraftDiff
    slug: str
    changes: tuple[ChangeView, ...]
    against_head: tuple[ChangeView, ...]
    impact: tuple[ImpactView, ...]
    conflicts: tuple[ConflictView, ...]
    publish: Action
    reject: Action
    comment: str
    comment_error: str | None
    downgrades: tuple[str, ...] = ()
    """Blocks whose safety mark publishing would remove (against the published version)."""
    reverts: tuple[RevertedView, ...] = ()
    """For a rollback: the published versions it undoes."""
    reviewer: str = ""
    """Who would publish it: the person signed in (the checklist names them)."""
    touches: Touches | None = None
    """The sections, safety-bearing blocks and other parts it changes (the checklist)."""
    checklist_error: str | None = None
    """Why the last "Approve and publish" was not done: the checklist was not ticked."""


@dataclass(frozen=True)
class QueuePage:
    """Drafts waiting for a reviewer, each with its message, when it was sent, and the
    sections and safety-bearing blocks it touches."""

    drafts: tuple[QueueLine, ...]


def _review_refusal(
    principal: Principal, diff: DraftDiff, step: str, status_ok: bool
) -> str | None:
    return may(principal, "draft.review", Target.source(diff.authors)).reason or (
        None if status_ok else f"cannot {step} a draft that is {diff.status}"
    )


def _impact(writer: sqlite_utils.Database, slug: str, diff: DraftDiff) -> tuple[ImpactView, ...]:
    catalogs = article_catalogs(writer, slug, [i.locale for i in diff.impact])
    out = []
    for impact in diff.impact:
        lookup = catalogs.get(impact.locale, {})
        by_context = {context: text for (context, _), text in lookup.items() if text}
        out.append(
            ImpactView(
                locale=impact.locale,
                dir=text_direction(impact.locale),
                impact=impact,
                stale=tuple(
                    StaleMessage(
                        context=r.context, translation=by_context.get(r.context, ""), readers=r
                    )
                    for r in impact.readers_get
                ),
            )
        )
    return tuple(out)


def review_page(
    writer: sqlite_utils.Database,
    principal: Principal,
    draft_id: int,
    comment: str = "",
    comment_error: str | None = None,
    checklist_error: str | None = None,
) -> ReviewPage:
    """The review page of a draft for `principal`."""
    diff = draft_diff(writer, draft_id)
    draft, _ = get_draft(writer, draft_id)
    in_review = diff.status == "in_review"
    publish = _review_refusal(principal, diff, "publish", in_review)
    if publish is None and diff.conflicts:
        publish = "the draft conflicts with a newer version: its author must resolve that first"
    if publish is None and diff.stale_claims:
        publish = "the treatment records quote words this draft removes: update them first"
    return ReviewPage(
        diff=diff,
        slug=draft.slug,
        changes=change_views(diff.against_base),
        against_head=change_views(diff.against_head)
        if diff.base_version not in (0, diff.head_version)
        else (),
        impact=_impact(writer, draft.slug, diff),
        conflicts=tuple(conflict_view(c) for c in diff.conflicts),
        publish=action(publish),
        reject=action(_review_refusal(principal, diff, "reject", in_review)),
        comment=comment,
        comment_error=comment_error,
        downgrades=safety_downgrades(diff.against_head or diff.against_base),
        reverts=reverted_views(diff.reverts),
        reviewer=principal.name,
        touches=draft_touches(writer, draft_id) if publish is None else None,
        checklist_error=checklist_error,
    )


class ReviewController(WorkspaceController):
    """The review queue, a draft's review page, approve and reject."""

    path = "/"

    @get("/review", sync_to_thread=True)
    def queue(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
    ) -> Template:
        may(principal, "draft.read").enforce()
        page = QueuePage(drafts=queue_lines(writer))
        return render(request, "review_queue.html", page, title=ui(request).gettext("Review"))

    @get("/drafts/{draft_id:int}/review", sync_to_thread=True)
    def review(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
    ) -> Template:
        may(principal, "draft.read").enforce()
        # A rejection comment sent after the session had ended (see `keeping`), kept.
        kept = kept_fields(request, writer, principal)
        comment = kept.get("comment", "") if kept else ""
        page = review_page(writer, principal, draft_id, comment)
        text = ui(request)
        return render(
            request,
            "review.html",
            page,
            title=text.gettext("Review draft %(id)s", id=draft_id),
            notice=kept_notice(request) if kept else None,
        )

    @post("/drafts/{draft_id:int}/publish", sync_to_thread=True, opt=bounds(ACTION_FORM))
    def publish(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        text = ui(request)
        if data.get("checked") != CHECKED:
            # The checklist is the workspace's: a person confirms what they read before
            # publishing (the API's callers are tools, refused or allowed by the same rule).
            may(principal, "draft.review", Target.source(draft_authors(writer, draft_id))).enforce()
            page = review_page(
                writer,
                principal,
                draft_id,
                checklist_error=text.gettext(
                    "Tick the checklist: say you read every change and checked its sources."
                ),
            )
            return render(
                request,
                "review.html",
                page,
                title=text.gettext("Review draft %(id)s", id=draft_id),
                status_code=422,
            )
        # The same use case as POST /v1/manage/drafts/{id}/publish.
        etag = data.get("etag")
        row = actions.publish_draft(
            writer, principal, draft_id, etag if isinstance(etag, str) else None
        )
        return Redirect(
            f"/workspace/drafts/{draft_id}/review",
            status_code=303,
            cookies=[
                flash(
                    request,
                    text.gettext(
                        "Published: version %(n)s of %(slug)s is what readers get now.",
                        n=row.number,
                        slug=row.slug,
                    ),
                )
            ],
        )

    @post(
        "/drafts/{draft_id:int}/reject",
        sync_to_thread=True,
        opt={**bounds(COMMENT_FORM), **keeps("/drafts/{draft_id}/review")},
    )
    def reject(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        comment = str(data.get("comment") or "")
        text = ui(request)
        etag = data.get("etag")
        try:
            actions.reject_draft(
                writer, principal, draft_id, etag if isinstance(etag, str) else None, comment
            )
        except ValidationFailed as exc:  # no comment, or one the text policy refuses
            said = (
                text.gettext("Say why: the author reads this comment (at most 2000 characters).")
                if isinstance(exc, CommentMissing)
                else exc.detail
            )
            page = review_page(writer, principal, draft_id, comment.strip(), said)
            return render(
                request,
                "review.html",
                page,
                title=text.gettext("Review draft %(id)s", id=draft_id),
                status_code=422,
            )
        return Redirect(
            f"/workspace/drafts/{draft_id}/review",
            status_code=303,
            cookies=[flash(request, text.gettext("Sent back to its author with your comment."))],
        )
