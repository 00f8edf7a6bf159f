"""Reviewing a locale's pending catalog entry by entry: source, approved and proposed
translation (word by word), flags (safety-bearing ones marked) and uploaders, filtered by
flag and paged; approve all, approve the ticked entries, reject one entry with a reason,
or reject the upload with a comment. Who may is the review rule's, entry by entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.actions import catalogs as actions
from api.actions.catalogs import catalog_locale
from api.actions.drafts import CommentMissing
from api.core.access import Principal, Target, may
from api.core.catalog_changes import (
    ENTRY_FILTERS,
    EntryFilter,
    PendingEntry,
    entry_key,
    filter_entries,
    select_entries,
)
from api.core.errors import ValidationFailed
from api.core.locales import text_direction
from api.core.worddiff import WordRun, word_diff
from api.store.catalogs import (
    PendingReview,
    pending_review,
)
from api.store.translations import catalog_entries
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import Action, action
from api.web.workspace.forms import APPROVAL_FORM, COMMENT_FORM, bounds
from api.web.workspace.layout import N_, flash, render, ui
from api.web.workspace.pager import Pager, paged
from api.web.workspace.urls import catalog_review_url

__all__ = ["CatalogReviewController"]

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE_SIZE = 25
_Show = Annotated[str | None, QueryParameter(required=False, max_length=20)]
_Page = Annotated[int | None, QueryParameter(required=False, ge=1, le=100_000)]

FILTER_LABELS: dict[EntryFilter, str] = {
    "all": N_("All entries"),
    "safety": N_("Safety-bearing"),
    "new": N_("New translations"),
    "changed": N_("Changed translations"),
    "removed": N_("Removed translations"),
    "source-changed": N_("Translation kept, source changed"),
}
KEPT = N_("translation kept, source changed")
"""The one name of `source_changed` (a flag, a filter, the help of "Approve all")."""


@dataclass(frozen=True)
class EntryView:
    """One pending entry and how a reviewer reads it."""

    entry: PendingEntry
    number: int
    key: str
    spans: tuple[WordRun, ...]
    """The approved translation turned into the proposed one, word by word."""
    source_spans: tuple[WordRun, ...]
    """With a changed source: the earlier source turned into the current one."""
    flags: tuple[str, ...]
    approve: Action
    """Whether this reviewer may approve this entry (the review rule, for its uploaders)."""
    earlier: str | None = None
    """With no approved translation of the current source: the approved translation of an
    earlier source text of the message, which `spans` compares the proposal with."""
    earlier_source: tuple[WordRun, ...] = ()
    """That earlier source turned into the current one."""


@dataclass(frozen=True)
class FilterLink:
    key: str
    label: str
    count: int
    url: str
    current: bool


@dataclass(frozen=True)
class CatalogReviewPage:
    locale: str
    dir: str
    review: PendingReview
    entries: tuple[EntryView, ...]
    filters: tuple[FilterLink, ...]
    show: str
    pager: Pager
    approve: Action
    """Approving ticked entries at all (role and scope)."""
    approve_all: Action
    all_count: int
    """How many entries "Approve all" approves."""
    kept: int
    """How many it leaves out: translations kept although their source changed."""
    reject: Action
    can_edit: bool
    comment: str
    error: str | None
    reject_key: str | None = None
    """The entry whose rejection reason `error` is about."""
    reason: str = ""
    kept_flag: str = KEPT


def _flags(entry: PendingEntry) -> tuple[str, ...]:
    return tuple(
        label
        for on, label in (
            (entry.new, N_("new translation")),
            (entry.changed, N_("changed translation")),
            (entry.removed, N_("translation removed")),
            (entry.source_changed, KEPT),
        )
        if on
    )


def _show(value: str | None) -> EntryFilter:
    return next((f for f in ENTRY_FILTERS if f == value), "all")


def _refusal(
    principal: Principal, locale: str, authors: set[str] | tuple[str, ...], what: str
) -> str | None:
    return may(principal, "catalog.review", Target.translation(locale, authors, what)).reason


def catalog_review_page(
    writer: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    *,
    show: str | None = None,
    page: int | None = None,
    comment: str = "",
    error: str | None = None,
    reject_key: str | None = None,
    reason: str = "",
) -> CatalogReviewPage:
    """The pending catalog of `locale` as `principal` reviews it: one page of one view."""
    review = pending_review(writer, locale)
    shown_filter = _show(show)
    path = catalog_review_url(locale)
    filters = tuple(
        FilterLink(
            key=f,
            label=FILTER_LABELS[f],
            count=len(filter_entries(review.entries, f)),
            url=path + ("" if f == "all" else f"?show={f}"),
            current=f == shown_filter,
        )
        for f in ENTRY_FILTERS
    )
    matching = filter_entries(review.entries, shown_filter)
    shown, pager = paged(
        matching,
        page or 1,
        PAGE_SIZE,
        path,
        {"show": "" if shown_filter == "all" else shown_filter},
    )
    everything = select_entries(review.entries, None)
    all_authors = {name for e in everything for name in e.uploaded_by}
    # A correction's entry has no approved translation of its new source; the one of the
    # source it replaced is what the reviewer compares the proposal with.
    contexts = {p.context for p in shown}
    earlier = {
        e.context: e
        for e in catalog_entries(writer, locale)
        if e.text and not e.fuzzy and e.context in contexts
    }
    numbers = {id(e): n for n, e in enumerate(review.entries)}
    views = []
    for e in shown:
        before = earlier.get(e.context) if e.approved is None else None
        if before is not None and before.source == e.source:
            before = None
        views.append(
            EntryView(
                entry=e,
                number=numbers[id(e)],
                key=entry_key(e.context, e.source),
                spans=word_diff(e.approved or (before.text if before else None), e.proposed),
                source_spans=word_diff(e.translated_from, e.source) if e.translated_from else (),
                flags=_flags(e),
                approve=action(_refusal(principal, locale, e.uploaded_by, "this entry")),
                earlier=before.text if before else None,
                earlier_source=word_diff(before.source, e.source) if before else (),
            )
        )
    return CatalogReviewPage(
        locale=locale,
        dir=text_direction(locale),
        review=review,
        entries=tuple(views),
        filters=filters,
        show=shown_filter,
        pager=pager,
        approve=action(_refusal(principal, locale, (), f"these {locale} entries")),
        approve_all=action(
            _refusal(principal, locale, all_authors, f"these {locale} entries")
            if everything
            else "every entry is a translation kept although its source changed: tick each "
            "one you have checked"
        ),
        all_count=len(everything),
        kept=len(review.entries) - len(everything),
        reject=action(_refusal(principal, locale, (), f"these {locale} entries")),
        can_edit=may(principal, "catalog.upload", Target.translation(locale)).allowed,
        comment=comment,
        error=error,
        reject_key=reject_key,
        reason=reason,
    )


def _entries(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _back(locale: str, data: dict[str, Any]) -> str:
    """The review page in the view the reviewer was reading."""
    show = _show(_text(data, "show"))
    return catalog_review_url(locale) + ("" if show == "all" else f"?show={show}")


class CatalogReviewController(WorkspaceController):
    """A locale's pending catalog: review, approve (all or ticked), reject one or all."""

    path = "/catalogs/{locale:str}"

    @get("/review", sync_to_thread=True)
    def show(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
        show: _Show = None,
        page: _Page = None,
    ) -> Template:
        may(principal, "catalog.read").enforce()
        tag = catalog_locale(locale)
        view = catalog_review_page(writer, principal, tag, show=show, page=page)
        text = ui(request)
        return render(
            request,
            "catalog_review.html",
            view,
            title=text.gettext("Review the %(locale)s catalog", locale=tag),
        )

    def _again(
        self,
        request: Request[Any, Any, Any],
        writer: sqlite_utils.Database,
        principal: Principal,
        locale: str,
        data: dict[str, Any],
        error: str,
        *,
        comment: str = "",
        reject_key: str | None = None,
        reason: str = "",
    ) -> Template:
        page = catalog_review_page(
            writer,
            principal,
            locale,
            show=_text(data, "show"),
            error=error,
            comment=comment,
            reject_key=reject_key,
            reason=reason,
        )
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
        if data.get("reject"):
            return self._reject_entry(request, writer, principal, tag, data)
        named = _entries(data.get("entries")) if data.get("do") == "selected" else []
        if data.get("do") == "selected" and not named:
            return self._again(
                request,
                writer,
                principal,
                tag,
                data,
                text.gettext("Tick the entries to approve, or approve all."),
            )
        etag = data.get("etag")
        done = actions.approve_catalog(
            writer, principal, tag, etag if isinstance(etag, str) else None, named or None
        )
        message = text.ngettext(
            "%(num)d entry approved; readers get it now.",
            "%(num)d entries approved; readers get them now.",
            done.count,
        )
        target = _back(tag, data) if done.remaining else "/workspace/catalogs"
        return Redirect(target, status_code=303, cookies=[flash(request, message)])

    def _reject_entry(
        self,
        request: Request[Any, Any, Any],
        writer: sqlite_utils.Database,
        principal: Principal,
        locale: str,
        data: dict[str, Any],
    ) -> Template | Redirect:
        """One entry sent back: the row's "Reject this entry" button names it, its reason
        field says why."""
        text = ui(request)
        key = _text(data, "reject")
        reason = _text(data, f"reason-{key}").strip()
        review = pending_review(writer, locale)
        entry = next((e for e in review.entries if entry_key(e.context, e.source) == key), None)
        if entry is None:
            return self._again(
                request,
                writer,
                principal,
                locale,
                data,
                text.gettext("That entry no longer awaits review: read the page again."),
            )
        try:
            done = actions.reject_entry(
                writer,
                principal,
                locale,
                _text(data, "etag") or None,
                entry.context,
                entry.source,
                reason,
            )
        except ValidationFailed as exc:  # no reason, or one the text policy refuses
            said = (
                text.gettext(
                    "Say why you reject this entry: the translator reads it (at most 2000 "
                    "characters)."
                )
                if isinstance(exc, CommentMissing)
                else exc.detail
            )
            return self._again(
                request, writer, principal, locale, data, said, reject_key=key, reason=reason
            )
        message = text.gettext(
            "Entry %(context)s rejected; the translator reads your reason.", context=entry.context
        )
        target = _back(locale, data) if done.remaining else "/workspace/catalogs"
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
        except ValidationFailed as exc:  # no comment, or one the text policy refuses
            said = (
                text.gettext(
                    "Say why: the translator reads this comment (at most 2000 characters)."
                )
                if isinstance(exc, CommentMissing)
                else exc.detail
            )
            return self._again(request, writer, principal, tag, data, said, comment=comment.strip())
        return Redirect(
            "/workspace/catalogs",
            status_code=303,
            cookies=[flash(request, text.gettext("The upload was rejected with your comment."))],
        )
