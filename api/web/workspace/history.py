"""An article's history: its published versions with authors and reviewers, the
difference between any two (the same diff the public `/diff` serves), and a rollback
request, which opens a review through the same store function as the API."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from api.core.access import Principal, access_refusal, authorize
from api.core.changes import FieldChange, outside_sections
from api.core.diff import SectionChange, diff_articles
from api.core.errors import InvalidParameter, NotFound
from api.core.workflow import article_etag
from api.store.drafts import request_rollback
from api.store.schema import snapshot
from api.store.versions import (
    VersionRow,
    load_article,
    load_treatments,
    published_versions,
    treatments_number,
)
from api.web.workspace.base import WorkspaceController
from api.web.workspace.forms import ACTION_FORM, Form, FormBody, bounds
from api.web.workspace.layout import flash, render, ui
from api.web.workspace.urls import history_url

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
    """Which version to bring back, and the head the requester saw."""

    to_version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    etag: Annotated[str, msgspec.Meta(max_length=300)]


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
        versions = published_versions(db, slug)
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
        rollback_refusal=access_refusal(principal, "article.rollback"),
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

    @post("/rollback", sync_to_thread=True, opt=bounds(ACTION_FORM))
    def rollback(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: Annotated[str, PathParameter()],
        data: FormBody[RollbackForm],
    ) -> Redirect:
        """Ask for an earlier version back: a draft of it, in review for a second person."""
        authorize(principal, "article.rollback")
        draft = request_rollback(writer, principal, slug, data.to_version, data.etag)
        message = ui(request).gettext(
            "Rollback to version %(n)s requested: draft %(id)s waits for a second person's review.",
            n=data.to_version,
            id=draft.id,
        )
        return Redirect(history_url(slug), status_code=303, cookies=[flash(request, message)])
