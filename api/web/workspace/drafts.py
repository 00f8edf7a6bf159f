"""Drafts as a list and one by one: the drafts and the articles a draft can start from, a
published article's sections (each a link that starts a draft), a draft's page, and the
steps of its workflow taken from there: send it to review, withdraw it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.actions import drafts as actions
from api.core.access import Principal, may
from api.core.errors import NotFound
from api.core.evidence import StaleClaim
from api.core.model import Article, Section, Treatment
from api.core.record_form import record_field
from api.core.workflow import next_status
from api.store.drafts import (
    Draft,
    draft_revisions,
    draft_stale_claims,
    draft_treatments,
    get_draft,
    list_drafts,
)
from api.store.versions import latest_version, load_article, load_treatments, treatments_number
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import Action, action
from api.web.workspace.drafting import FormData, form_fields, load_draft_for, to_draft
from api.web.workspace.forms import COMMENT_FORM, bounds
from api.web.workspace.layout import render, ui

__all__ = ["DraftsController"]


@dataclass(frozen=True)
class SectionLink:
    id: str
    heading: str
    depth: int
    edit_url: str


@dataclass(frozen=True)
class ArticlePage:
    """A published article's sections, each with the link that starts a draft from it."""

    slug: str
    title: str
    version: int
    sections: tuple[SectionLink, ...]
    write: Action
    drafts: tuple[Draft, ...]
    records: tuple[SectionLink, ...] = ()
    """The treatment records this article describes, each with the link that edits it."""


@dataclass(frozen=True)
class DraftsPage:
    """Drafts, newest first, and where a new one starts."""

    drafts: tuple[Draft, ...]
    write: Action
    """Starting one: a new article here, a change from the article's page (the articles
    list finds it among thousands)."""


@dataclass(frozen=True)
class WithdrawPage:
    """The question before a draft is withdrawn for good."""

    draft: Draft


@dataclass(frozen=True)
class RevisionLine:
    revision: int
    author: str
    message: str
    created_at: str


@dataclass(frozen=True)
class DraftPage:
    """A draft: where it stands, its revisions, its sections to edit, and what may be done."""

    draft: Draft
    title: str
    revisions: tuple[RevisionLine, ...]
    sections: tuple[SectionLink, ...]
    edit: Action
    submit: Action
    withdraw: Action
    behind: bool
    """A version was published after the one the draft was based on."""
    records: tuple[SectionLink, ...] = ()
    stale: tuple[StaleRecord, ...] = ()
    """Records whose claims the draft's text no longer supports: its author is told before
    sending it to review (a reviewer cannot publish it as it is)."""


@dataclass(frozen=True)
class StaleRecord:
    """A record with claims its cited blocks no longer support, and where to fix it: each
    claim as (the record editor's field, said in words by the page; what is wrong)."""

    name: str
    edit_url: str
    claims: tuple[tuple[str, str], ...]


def _stale_records(
    claims: tuple[StaleClaim, ...], records: tuple[Treatment, ...], url: str
) -> tuple[StaleRecord, ...]:
    by_id = {t.id: t for t in records}
    by_record: dict[str, list[tuple[str, str]]] = {}
    for claim in claims:
        record = by_id.get(claim.treatment)
        field = record_field(f"treatments/{claim.treatment}/{claim.field}", record)
        by_record.setdefault(claim.treatment, []).append((field or claim.field, claim.problem))
    return tuple(
        StaleRecord(
            name=by_id[id_].name if id_ in by_id else id_,
            edit_url=f"{url}/{id_}",
            claims=tuple(found),
        )
        for id_, found in by_record.items()
    )


def _sections(article: Article, url: str) -> tuple[SectionLink, ...]:
    def visit(sections: tuple[Section, ...], depth: int) -> list[SectionLink]:
        out: list[SectionLink] = []
        for section in sections:
            out.append(
                SectionLink(
                    id=section.id,
                    heading=section.heading or section.id,
                    depth=depth,
                    edit_url=f"{url}/{section.id}",
                )
            )
            out.extend(visit(section.sections, depth + 1))
        return out

    return tuple(visit(article.sections, 0))


def _record_links(
    records: tuple[Treatment, ...], slug: str, url: str, query: str = ""
) -> tuple[SectionLink, ...]:
    return tuple(
        SectionLink(id=t.id, heading=t.name, depth=0, edit_url=f"{url}/{t.id}{query}")
        for t in records
        if t.article == slug
    )


class DraftsController(WorkspaceController):
    """Drafts: the list, an article to start one from, a draft's page, submit, withdraw."""

    path = "/"

    # --- reading -----------------------------------------------------------------------

    @get("/drafts", sync_to_thread=True)
    def drafts(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
    ) -> Template:
        may(principal, "draft.read").enforce()
        page = DraftsPage(
            drafts=tuple(list_drafts(writer)),
            write=action(may(principal, "draft.write").reason),
        )
        return render(request, "drafts.html", page, title=ui(request).gettext("Drafts"))

    @get("/articles/{slug:str}/edit", sync_to_thread=True)
    def article(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
    ) -> Template:
        may(principal, "draft.read").enforce()
        head = latest_version(writer, slug)
        if head is None:
            raise NotFound(f"no published article {slug!r}")
        article = load_article(writer, slug, head.number)
        records = treatments_number(writer)
        url = f"/workspace/articles/{slug}/edit"
        links = tuple(
            SectionLink(
                id=s.id,
                heading=s.heading,
                depth=s.depth,
                edit_url=f"{s.edit_url}?version={head.number}&records={records}",
            )
            for s in _sections(article, url)
        )
        page = ArticlePage(
            slug=slug,
            title=article.title,
            version=head.number,
            sections=links,
            write=action(may(principal, "draft.write").reason),
            drafts=tuple(d for d in list_drafts(writer) if d.slug == slug),
            records=_record_links(
                load_treatments(writer, records).treatments,
                slug,
                f"/workspace/articles/{slug}/records",
                f"?version={head.number}&records={records}",
            ),
        )
        return render(request, "article_edit.html", page, title=article.title)

    @get("/drafts/{draft_id:int}", sync_to_thread=True)
    def draft(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
    ) -> Template:
        may(principal, "draft.read").enforce()
        draft, article = get_draft(writer, draft_id)
        write = may(principal, "draft.write").reason
        records = (
            draft_treatments(writer, draft) or load_treatments(writer, draft.treatments_base)
        ).treatments
        page = DraftPage(
            draft=draft,
            title=article.title,
            revisions=tuple(
                RevisionLine(
                    revision=r.revision, author=r.author, message=r.message, created_at=r.created_at
                )
                for r in draft_revisions(writer, draft_id)
            ),
            sections=_sections(article, f"/workspace/drafts/{draft_id}/edit"),
            edit=action(write or _status_refusal(draft, "update")),
            submit=action(write or _status_refusal(draft, "submit")),
            withdraw=action(write or _status_refusal(draft, "withdraw")),
            behind=draft.base_version not in (0, draft.head_version),
            records=_record_links(records, draft.slug, f"/workspace/drafts/{draft_id}/records"),
            stale=_stale_records(
                draft_stale_claims(writer, draft_id)
                if draft.status in ("draft", "in_review", "rejected")
                else (),
                records,
                f"/workspace/drafts/{draft_id}/records",
            ),
        )
        text = ui(request)
        return render(request, "draft.html", page, title=text.gettext("Draft %(id)s", id=draft_id))

    # --- workflow ----------------------------------------------------------------------

    @post("/drafts/{draft_id:int}/submit", sync_to_thread=True, opt=bounds(COMMENT_FORM))
    def submit(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        data: FormData,
    ) -> Redirect:
        fields = form_fields(data)
        summary = fields.get("summary", "").strip() or None
        actions.submit_draft(writer, principal, draft_id, fields.get("etag"), summary)
        return to_draft(request, draft_id, ui(request).gettext("Sent to review."))

    @get("/drafts/{draft_id:int}/withdraw", sync_to_thread=True)
    def confirm_withdraw(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
    ) -> Template:
        """Withdrawing is for good: a page asks first."""
        draft, _ = load_draft_for(writer, principal, draft_id, "withdraw")
        text = ui(request)
        return render(
            request,
            "withdraw.html",
            WithdrawPage(draft=draft),
            title=text.gettext("Withdraw draft %(id)s for good?", id=draft_id),
        )

    @post("/drafts/{draft_id:int}/withdraw", sync_to_thread=True, opt=bounds(COMMENT_FORM))
    def withdraw(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        data: FormData,
    ) -> Redirect:
        fields = form_fields(data)
        comment = fields.get("comment", "").strip() or None
        actions.withdraw_draft(writer, principal, draft_id, fields.get("etag"), comment)
        return to_draft(request, draft_id, ui(request).gettext("Draft withdrawn."))


def _status_refusal(draft: Draft, step: str) -> str | None:
    try:
        next_status(draft.status, step)  # type: ignore[arg-type]
    except Exception as exc:  # Conflict: the workflow's own sentence
        return str(exc)
    return None
