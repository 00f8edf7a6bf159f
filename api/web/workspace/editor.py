"""The section editor: start a draft from the published version you read by editing one of
its sections, or edit a draft's sections one at a time.

Every save decodes into `DraftInput` and goes through the same use cases as the API's
(`api.actions.drafts.propose_draft`, `revise_draft`: authorise, check, store, audit); a
refusal is shown next to the field it names (see `section_page`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from api.actions import drafts as actions
from api.core.access import Principal, may
from api.core.errors import NothingChanged, StaleVersion, ValidationFailed
from api.core.model import Article, Section
from api.core.section_form import form_from_fields, form_from_section, section_path
from api.store.drafts import Draft, draft_revisions, draft_treatments, get_draft
from api.web.workspace.base import WorkspaceController
from api.web.workspace.drafting import (
    FormData,
    form_fields,
    load_draft_for,
    published_read,
    read_numbers,
    revision_saved,
    started,
)
from api.web.workspace.forms import SECTION_FORM, bounds
from api.web.workspace.i18n import UiText
from api.web.workspace.keeping import keeps, kept_fields, kept_notice
from api.web.workspace.layout import N_, render, ui
from api.web.workspace.section_page import (
    SectionEditPage,
    errors_for,
    find_section,
    form_response,
    section_page,
    submitted,
)

__all__ = ["EditorController"]

# Words the templates translate from data: block types and kinds of change.
_SHOWN = (
    N_("paragraph"),
    N_("faq"),
    N_("callout"),
    N_("fact"),
    N_("treatment_ref"),
    N_("added"),
    N_("removed"),
    N_("changed"),
)


class EditorController(WorkspaceController):
    """A section of a published article (starting a draft) or of a draft: show, save."""

    path = "/"

    @get("/articles/{slug:str}/edit/{section_id:path}", sync_to_thread=True)
    def new_draft_section(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
        section_id: FromPath[str],
        version: FromQuery[int | None] = None,
        records: FromQuery[int | None] = None,
    ) -> Template:
        may(principal, "draft.write").enforce()
        kept = kept_fields(request, writer, principal)
        if kept is not None:  # the version it was typed on, not the head
            version, records = read_numbers(kept.get("read", ""), slug)
        article, read, _ = published_read(writer, slug, version, records)
        section = find_section(article, section_id.strip("/"))
        page = section_page(
            writer,
            slug=slug,
            section=section,
            action_url=f"/workspace/articles/{slug}/edit/{section.id}",
            back_url=f"/workspace/articles/{slug}/edit",
            read=read,
            draft_id=None,
            form=form_from_section(section),
        )
        return _shown(request, page, kept)

    @post(
        "/articles/{slug:str}/edit/{section_id:path}",
        sync_to_thread=True,
        opt={**bounds(SECTION_FORM), **keeps()},
    )
    def save_new_draft(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
        section_id: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        may(principal, "draft.write").enforce()  # before reading the published version
        fields = form_fields(data)
        read = fields.get("read", "")
        version, records = read_numbers(read, slug)
        article, read, _ = published_read(writer, slug, version, records)
        section = find_section(article, section_id.strip("/"))
        page_args: dict[str, Any] = {
            "slug": slug,
            "section": section,
            "action_url": f"/workspace/articles/{slug}/edit/{section.id}",
            "back_url": f"/workspace/articles/{slug}/edit",
            "read": read,
            "draft_id": None,
        }
        outcome = submitted(writer, article, section, fields, page_args)
        if isinstance(outcome, SectionEditPage):
            return form_response(request, outcome)
        proposed, message, _ = outcome
        reason = fields.get("safety_reason", "").strip() or None
        try:
            draft = actions.propose_draft(
                writer, principal, slug, proposed.article, message, read, safety_reason=reason
            )
        except (NothingChanged, ValidationFailed) as exc:
            return form_response(
                request,
                section_page(
                    writer,
                    **page_args,
                    form=form_from_fields(fields),
                    message=message,
                    safety_reason=reason or "",
                    **_refused(exc, article, section),
                ),
            )
        return started(request, draft)

    @get("/drafts/{draft_id:int}/edit/{section_id:path}", sync_to_thread=True)
    def draft_section(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        section_id: FromPath[str],
    ) -> Template:
        draft, article = load_draft_for(writer, principal, draft_id, "update")
        section = find_section(article, section_id.strip("/"))
        kept = kept_fields(request, writer, principal)
        page = section_page(
            writer,
            slug=draft.slug,
            section=section,
            action_url=f"/workspace/drafts/{draft_id}/edit/{section.id}",
            back_url=f"/workspace/drafts/{draft_id}",
            # A kept form names the revision it was typed on: a save after another's is
            # refused as any stale save is, saying who saved.
            read=kept.get("read", draft.etag) if kept else draft.etag,
            draft_id=draft_id,
            form=form_from_section(section),
        )
        return _shown(request, page, kept)

    @post(
        "/drafts/{draft_id:int}/edit/{section_id:path}",
        sync_to_thread=True,
        opt={**bounds(SECTION_FORM), **keeps()},
    )
    def save_draft_section(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        section_id: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        may(principal, "draft.write").enforce()  # before reading the draft
        fields = form_fields(data)
        draft, article = get_draft(writer, draft_id)
        section = find_section(article, section_id.strip("/"))
        read = fields.get("read", "")
        page_args: dict[str, Any] = {
            "slug": draft.slug,
            "section": section,
            "action_url": f"/workspace/drafts/{draft_id}/edit/{section.id}",
            "back_url": f"/workspace/drafts/{draft_id}",
            "read": read,
            "draft_id": draft_id,
        }
        outcome = submitted(
            writer, article, section, fields, page_args, draft_treatments(writer, draft)
        )
        if isinstance(outcome, SectionEditPage):
            return form_response(request, outcome)
        proposed, message, _ = outcome
        try:
            saved = actions.revise_draft(
                writer,
                principal,
                draft_id,
                read,
                proposed.article,
                message,
                treatments=proposed.treatments,
                safety_reason=fields.get("safety_reason", "").strip() or None,
            )
        except (StaleVersion, NothingChanged, ValidationFailed) as exc:
            refused = (
                {"page_errors": (_newer_revision(writer, draft, read, ui(request)),)}
                if isinstance(exc, StaleVersion)
                else _refused(exc, article, section)
            )
            return form_response(
                request,
                section_page(
                    writer,
                    **page_args,
                    form=form_from_fields(fields),
                    message=message,
                    **refused,
                ),
            )
        return revision_saved(request, draft_id, saved.revision)


def _shown(
    request: Request[Any, Any, Any], page: SectionEditPage, kept: dict[str, str] | None
) -> Template:
    """The section's form: as stored, or as typed when it was sent after the session had
    ended (kept: see `keeping`), saying so; the person checks it and sends it again."""
    if kept is None:
        return render(request, "section_edit.html", page, title=page.heading)
    try:
        typed = replace(page, form=form_from_fields(kept), message=kept.get("message", ""))
    except ValidationFailed as exc:
        typed = replace(page, message=kept.get("message", ""), page_errors=(exc.detail,))
    return render(
        request,
        "section_edit.html",
        typed,
        title=page.heading,
        notice=kept_notice(request),
    )


def _refused(
    exc: NothingChanged | ValidationFailed, article: Article, section: Section
) -> dict[str, Any]:
    """Where the section page shows a refused save: beside the field it names (a message
    that breaks the text policy, a block the content check refuses), else at the top."""
    if not isinstance(exc, ValidationFailed):
        return {"page_errors": (exc.detail,)}
    if exc.path in ("$.message", "$.safety_reason"):
        return {"errors": {exc.path.removeprefix("$."): exc.detail}}
    errors, page_errors = errors_for(exc, section_path(article, section.id, "$.article"))
    return {"errors": errors, "page_errors": page_errors}


def _newer_revision(writer: sqlite_utils.Database, draft: Draft, read: str, text: UiText) -> str:
    """Why a save names an old revision, as a person says it."""
    latest = draft_revisions(writer, draft.id)[-1]
    if read == draft.etag:
        return text.gettext("The draft changed while you edited it; reload the page.")
    return text.gettext(
        "%(author)s saved revision %(n)s at %(time)s, after you opened this page. Your "
        "changes are below and were not saved: open the section again and make them there.",
        author=latest.author,
        n=latest.revision,
        time=text.when(latest.created_at),
    )
