"""Reviewing a locale's pending catalog entry by entry: source, approved and proposed
translation (word by word), flags and uploaders; approve all, approve the ticked entries,
or reject the upload with a comment. Who may is the review rule's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from api.actions import catalogs as actions
from api.actions.catalogs import catalog_locale
from api.actions.drafts import CommentMissing
from api.core.access import Principal, Target, may
from api.core.catalog_changes import PendingEntry
from api.core.errors import ValidationFailed
from api.core.locales import text_direction
from api.core.worddiff import WordRun, word_diff
from api.store.catalogs import PendingReview, pending_review
from api.store.translations import catalog_entries
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import Action, action
from api.web.workspace.forms import APPROVAL_FORM, COMMENT_FORM, bounds
from api.web.workspace.layout import N_, flash, render, ui

__all__ = ["CatalogReviewController"]

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


@dataclass(frozen=True)
class EntryView:
    """One pending entry and how a reviewer reads it."""

    entry: PendingEntry
    number: int
    spans: tuple[WordRun, ...]
    """The approved translation turned into the proposed one, word by word."""
    source_spans: tuple[WordRun, ...]
    """With a changed source: the earlier source turned into the current one."""
    flags: tuple[str, ...]
    earlier: str | None = None
    """With no approved translation of the current source: the approved translation of an
    earlier source text of the message, which `spans` compares the proposal with."""
    earlier_source: tuple[WordRun, ...] = ()
    """That earlier source turned into the current one."""


@dataclass(frozen=True)
class CatalogReviewPage:
    locale: str
    dir: str
    review: PendingReview
    entries: tuple[EntryView, ...]
    approve: Action
    reject: Action
    comment: str
    error: str | None


def _flags(entry: PendingEntry) -> tuple[str, ...]:
    return tuple(
        label
        for on, label in (
            (entry.new, N_("new translation")),
            (entry.changed, N_("changed translation")),
            (entry.removed, N_("translation removed")),
            (entry.source_changed, N_("source changed since translated")),
        )
        if on
    )


def catalog_review_page(
    writer: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    comment: str = "",
    error: str | None = None,
) -> CatalogReviewPage:
    """The pending catalog of `locale` as `principal` reviews it."""
    review = pending_review(writer, locale)
    authors = {name for e in review.entries for name in e.uploaded_by}
    refusal = may(principal, "catalog.review", Target.translation(locale, authors)).reason
    # A correction's entry has no approved translation of its new source; the one of the
    # source it replaced is what the reviewer compares the proposal with.
    earlier = {
        e.context: e
        for e in catalog_entries(writer, locale)
        if e.text and not e.fuzzy and e.context in {p.context for p in review.entries}
    }
    views = []
    for n, e in enumerate(review.entries):
        before = earlier.get(e.context) if e.approved is None else None
        if before is not None and before.source == e.source:
            before = None
        views.append(
            EntryView(
                entry=e,
                number=n,
                spans=word_diff(e.approved or (before.text if before else None), e.proposed),
                source_spans=word_diff(e.translated_from, e.source) if e.translated_from else (),
                flags=_flags(e),
                earlier=before.text if before else None,
                earlier_source=word_diff(before.source, e.source) if before else (),
            )
        )
    return CatalogReviewPage(
        locale=locale,
        dir=text_direction(locale),
        review=review,
        entries=tuple(views),
        approve=action(refusal),
        reject=action(may(principal, "catalog.review", Target.translation(locale)).reason),
        comment=comment,
        error=error,
    )


def _entries(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


class CatalogReviewController(WorkspaceController):
    """A locale's pending catalog: review, approve (all or ticked), reject."""

    path = "/catalogs/{locale:str}"

    @get("/review", sync_to_thread=True)
    def show(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
    ) -> Template:
        may(principal, "catalog.read").enforce()
        tag = catalog_locale(locale)
        page = catalog_review_page(writer, principal, tag)
        text = ui(request)
        return render(
            request,
            "catalog_review.html",
            page,
            title=text.gettext("Review the %(locale)s catalog", locale=tag),
        )

    def _again(
        self,
        request: Request[Any, Any, Any],
        writer: sqlite_utils.Database,
        principal: Principal,
        locale: str,
        comment: str,
        error: str,
    ) -> Template:
        page = catalog_review_page(writer, principal, locale, comment, error)
        text = ui(request)
        return render(
            request,
            "catalog_review.html",
            page,
            title=text.gettext("Review the %(locale)s catalog", locale=locale),
            status_code=422,
        )

    @post("/approve", sync_to_thread=True, opt=bounds(APPROVAL_FORM))
    def approve(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        tag = catalog_locale(locale)
        may(principal, "catalog.review", Target.translation(tag)).enforce()
        text = ui(request)
        named = _entries(data.get("entries")) if data.get("do") == "selected" else []
        if data.get("do") == "selected" and not named:
            return self._again(
                request,
                writer,
                principal,
                tag,
                "",
                text.gettext("Tick the entries to approve, or approve all."),
            )
        etag = data.get("etag")
        done = actions.approve_catalog(
            writer, principal, tag, etag if isinstance(etag, str) else None, named or None
        )
        message = text.ngettext(
            "%(num)d entry approved; readers get it now.",
            "%(num)d entries approved; readers get them now.",
            len(done.approved),
        )
        target = f"/workspace/catalogs/{tag}/review" if done.remaining else "/workspace/catalogs"
        return Redirect(target, status_code=303, cookies=[flash(request, message)])

    @post("/reject", sync_to_thread=True, opt=bounds(COMMENT_FORM))
    def reject(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        tag = catalog_locale(locale)
        text = ui(request)
        comment = str(data.get("comment") or "")
        etag = data.get("etag")
        try:
            actions.reject_catalog(
                writer, principal, tag, etag if isinstance(etag, str) else None, comment
            )
        except CommentMissing:
            return self._again(
                request,
                writer,
                principal,
                tag,
                comment.strip(),
                text.gettext(
                    "Say why: the translator reads this comment (at most 2000 characters)."
                ),
            )
        except ValidationFailed as exc:  # the comment breaks the text policy
            return self._again(request, writer, principal, tag, comment, exc.detail)
        return Redirect(
            "/workspace/catalogs",
            status_code=303,
            cookies=[flash(request, text.gettext("The upload was rejected with your comment."))],
        )
