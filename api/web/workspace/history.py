"""An article's history: its published versions with authors and reviewers, the
difference between any two (the same diff the public `/diff` serves), and a rollback:
a page showing what it would revert against the head (the published corrections it
undoes first) and asking why, then a request, which opens a review through the same
store function as the API."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from api.actions import drafts as actions
from api.core.access import Principal, may
from api.core.changes import FieldChange, outside_sections
from api.core.diff import SectionChange, diff_articles
from api.core.errors import Conflict, InvalidParameter, NotFound, ValidationFailed
from api.core.workflow import article_etag
from api.store.rollback import rollback_content
from api.store.schema import snapshot
from api.store.versions import (
    VersionRow,
    article_versions,
    load_article,
    load_treatments,
    published_versions,
    treatments_number,
)
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import (
    ChangeView,
    RevertedView,
    change_views,
    reverted_views,
)
from api.web.workspace.forms import ACTION_FORM, COMMENT_FORM, Form, FormBody, bounds
from api.web.workspace.layout import flash, render, ui
from api.web.workspace.urls import article_url, review_url

__all__ = ["HistoryController", "HistoryPage"]


class Comparison(msgspec.Struct, frozen=True, kw_only=True):
    """What changed from one published version to another."""

    from_version: int
    to_version: int
    changes: tuple[SectionChange, ...]
    fields: tuple[FieldChange, ...]


class HistoryPage(msgspec.Struct, frozen=True, kw_only=True):
    """Versions newest first, the head's ETag a rollback sends, and a comparison."""

    slug: str
    versions: tuple[VersionRow, ...]
    head: int
    etag: str
    rollback_refusal: str | None
    comparison: Comparison | None


class RollbackForm(Form, frozen=True, kw_only=True):
    """Which version to bring back, the head the requester saw, and why."""

    to_version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    etag: Annotated[str, msgspec.Meta(max_length=300)]
    reason: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class RollbackPage(msgspec.Struct, frozen=True, kw_only=True):
    """Before a rollback is requested: what it reverts against the head, and why."""

    slug: str
    to_version: int
    head: int
    etag: str
    reverts: tuple[RevertedView, ...]
    changes: tuple[ChangeView, ...]
    refusal: str | None
    """Why it cannot be requested (the role, or content that no longer holds)."""
    reason: str = ""
    reason_error: str | None = None


def rollback_page(
    db: sqlite_utils.Database,
    principal: Principal,
    slug: str,
    to_version: int,
    reason: str = "",
    reason_error: str | None = None,
) -> RollbackPage:
    """The rollback of `slug` to `to_version` as `principal` would request it now."""
    with snapshot(db):
        versions = published_versions(db, slug)
        if not versions:
            raise NotFound(f"no published article {slug!r}")
        head = versions[-1].number
        etag = article_etag(slug, head, treatments_number(db))
        refusal = may(principal, "article.rollback").reason
        reverts: tuple[RevertedView, ...] = ()
        changes: tuple[ChangeView, ...] = ()
        try:
            content = rollback_content(db, slug, to_version)
        except Conflict as exc:
            refusal = refusal or str(exc)
        else:
            reverts = reverted_views(content.reverts)
            changes = change_views(content.against_head)
    return RollbackPage(
        slug=slug,
        to_version=to_version,
        head=head,
        etag=etag,
        reverts=reverts,
        changes=changes,
        refusal=refusal,
        reason=reason,
        reason_error=reason_error,
    )


class ReviewForm(Form, frozen=True, kw_only=True):
    """The "still accurate" form: the version read, and what was checked."""

    etag: Annotated[str, msgspec.Meta(max_length=300)]
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


def compare_versions(
    db: sqlite_utils.Database, slug: str, rows: dict[int, VersionRow], old: int, new: int
) -> Comparison:
    """The public diff of two published versions: sections, then title, audience and
    the treatment records each was published with."""
    if old == new:
        raise InvalidParameter("to", "must differ from `from`")
    for number in (old, new):
        if number not in rows:
            raise NotFound(f"article {slug!r} has no published version {number}")
    before, after = load_article(db, slug, old), load_article(db, slug, new)
    records = [load_treatments(db, rows[n].treatments or 1) for n in (old, new)]
    return Comparison(
        from_version=old,
        to_version=new,
        changes=tuple(diff_articles(before, after)),
        fields=outside_sections(before, after, *records),
    )


def history_page(
    db: sqlite_utils.Database,
    principal: Principal,
    slug: str,
    old: int | None,
    new: int | None,
) -> HistoryPage:
    """The history of `slug`, comparing `old` with `new` when both are given."""
    with snapshot(db):
        # Withdrawn versions too: staff keep the whole history.
        versions = article_versions(db, slug)
        if not versions:
            raise NotFound(f"no published article {slug!r}")
        rows = {v.number: v for v in versions}
        head = versions[-1].number
        comparison = compare_versions(db, slug, rows, old, new) if old and new else None
        etag = article_etag(slug, head, treatments_number(db))
    return HistoryPage(
        slug=slug,
        versions=tuple(reversed(versions)),
        head=head,
        etag=etag,
        rollback_refusal=may(principal, "article.rollback").reason,
        comparison=comparison,
    )


class HistoryController(WorkspaceController):
    """Versions, diffs and rollback requests of an article."""

    path = "/articles/{slug:str}"

    @get("/history", sync_to_thread=True)
    def history(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: Annotated[str, PathParameter()],
        from_version: Annotated[
            int | None, QueryParameter(name="from", required=False, ge=1, le=1_000_000)
        ] = None,
        to_version: Annotated[
            int | None, QueryParameter(name="to", required=False, ge=1, le=1_000_000)
        ] = None,
    ) -> Template:
        """Every published version; with `from` and `to`, what changed between them."""
        page = history_page(writer, principal, slug, from_version, to_version)
        return render(
            request,
            "history.html",
            page,
            title=ui(request).gettext("History of %(slug)s", slug=slug),
        )

    @post("/review", sync_to_thread=True, opt=bounds(ACTION_FORM))
    def confirm(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: Annotated[str, PathParameter()],
        data: FormBody[ReviewForm],
    ) -> Redirect:
        """A reviewer finds the current version still accurate: its review dates start again,
        without a new version (the review rule applies)."""
        review = actions.confirm_review(
            writer, principal, slug, data.etag, data.note.strip() or None
        )
        message = ui(request).gettext(
            "Review recorded: next review due %(due)s.", due=review.next_review_due
        )
        return Redirect(article_url(slug), status_code=303, cookies=[flash(request, message)])

    @get("/rollback", sync_to_thread=True)
    def confirm_rollback(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: Annotated[str, PathParameter()],
        to_version: Annotated[int, QueryParameter(name="to", ge=1, le=1_000_000)],
    ) -> Template:
        """What a rollback to `to` would revert against the head, and a reason to give."""
        page = rollback_page(writer, principal, slug, to_version)
        return render(
            request,
            "rollback.html",
            page,
            title=ui(request).gettext("Roll back to version %(n)s", n=to_version),
        )

    @post("/rollback", sync_to_thread=True, opt=bounds(COMMENT_FORM))
    def rollback(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: Annotated[str, PathParameter()],
        data: FormBody[RollbackForm],
    ) -> Redirect | Template:
        """Ask for an earlier version back: a draft of it, in review for a second person.
        Without a reason (or one the text policy refuses) the page comes back with what
        was typed and the error at its field."""
        text = ui(request)
        try:
            draft = actions.request_rollback(
                writer, principal, slug, data.to_version, data.etag, data.reason
            )
        except ValidationFailed as exc:
            if exc.path != "$.reason":
                raise
            page = rollback_page(
                writer,
                principal,
                slug,
                data.to_version,
                data.reason,
                text.gettext("Say why you roll back: the reviewer reads it.")
                if not data.reason.strip()
                else exc.detail,
            )
            return render(
                request,
                "rollback.html",
                page,
                title=text.gettext("Roll back to version %(n)s", n=data.to_version),
                status_code=422,
            )
        message = text.gettext(
            "Rollback to version %(n)s requested: draft %(id)s waits for a second person's review.",
            n=data.to_version,
            id=draft.id,
        )
        return Redirect(review_url(draft.id), status_code=303, cookies=[flash(request, message)])
