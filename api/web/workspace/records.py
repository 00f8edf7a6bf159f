"""Editing a treatment record in a draft: each of its values (names, claims, quotes and the
blocks they cite, statuses, audiences) as a field. A save proposes the whole set of records
with the article, decoded into `DraftInput`, through the same use cases as the API's
(`api.actions.drafts.propose_draft`, `revise_draft`), so the records' evidence is checked
against the article word for word."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import msgspec
import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from api.actions import drafts as actions
from api.actions.drafts import DraftInput
from api.core.access import Principal, may
from api.core.errors import NotFound, NothingChanged, StaleVersion, ValidationFailed
from api.core.model import Article, Treatment, TreatmentCatalog
from api.core.record_form import (
    RecordField,
    record_field,
    record_fields,
    record_from_fields,
    replace_record,
)
from api.store.drafts import draft_treatments, get_draft
from api.store.versions import load_treatments
from api.web.workspace.base import WorkspaceController
from api.web.workspace.drafting import (
    FormData,
    load_draft_for,
    published_read,
    read_numbers,
    revision_saved,
    started,
)
from api.web.workspace.forms import RECORD_FORM, bounds
from api.web.workspace.keeping import keeps, kept_fields, kept_notice
from api.web.workspace.layout import render, ui

__all__ = ["RecordsController"]


@dataclass(frozen=True)
class RecordEditPage:
    """The fields of one record, as stored or as typed, and what was refused where."""

    treatment_id: str
    name: str
    action_url: str
    back_url: str
    read: str
    fields: tuple[RecordField, ...]
    message: str
    errors: dict[str, str]
    page_errors: tuple[str, ...]


def _record(catalog: TreatmentCatalog, treatment_id: str) -> Treatment:
    found = next((t for t in catalog.treatments if t.id == treatment_id), None)
    if found is None:
        raise NotFound(f"no treatment record {treatment_id!r}")
    return found


def _typed(fields: tuple[RecordField, ...], submitted: dict[str, str]) -> tuple[RecordField, ...]:
    return tuple(msgspec.structs.replace(f, value=submitted.get(f.name, f.value)) for f in fields)


def _save(
    article: Article,
    catalog: TreatmentCatalog,
    stored: Treatment,
    submitted: dict[str, str],
) -> tuple[Article, TreatmentCatalog, str]:
    """The article and the records as proposed, decoded (the use case checks them), or
    ValidationFailed."""
    edited = record_from_fields(stored, submitted)
    proposed = msgspec.convert(
        {
            "article": msgspec.to_builtins(article),
            "treatments": msgspec.to_builtins(replace_record(catalog, edited)),
            "message": submitted.get("message", ""),
        },
        DraftInput,
    )
    return proposed.article, proposed.treatments or catalog, proposed.message


def _refusal(exc: ValidationFailed | msgspec.ValidationError, index: int) -> tuple[str | None, str]:
    if isinstance(exc, msgspec.ValidationError):
        detail, _, where = str(exc).partition(" - at `")
        path = where.rstrip("`")
    else:
        detail, path = exc.detail, exc.path
    if path in ("$.message", "message"):
        return "message", detail
    name = record_field(path, f"$.treatments.treatments[{index}]") or record_field(path)
    return name, detail


def _placed(
    page: RecordEditPage,
    exc: ValidationFailed | msgspec.ValidationError,
    catalog: TreatmentCatalog,
    stored: Treatment,
) -> RecordEditPage:
    """The page with a refused save's reason beside the field it names, else at the top."""
    index = [t.id for t in catalog.treatments].index(stored.id)
    name, detail = _refusal(exc, index)
    known = {f.name for f in page.fields} | {"message"}
    return replace(
        page,
        errors={name: detail} if name in known else {},
        page_errors=() if name in known else (detail,),
    )


class RecordsController(WorkspaceController):
    """A treatment record's fields, for a new draft or a draft."""

    path = "/"

    def _render(
        self,
        request: Request[Any, Any, Any],
        page: RecordEditPage,
        status: int = 200,
        kept: dict[str, str] | None = None,
    ) -> Template:
        """The record's page; with `kept`, as typed when it was sent after the session had
        ended (see `keeping`), saying so: the person checks it and sends it again."""
        if kept is not None:
            page = replace(
                page,
                read=kept.get("read", page.read),
                fields=_typed(page.fields, kept),
                message=kept.get("message", ""),
            )
        title = ui(request).gettext("Edit record: %(name)s", name=page.name)
        return render(
            request,
            "record_edit.html",
            page,
            title=title,
            status_code=status,
            notice=kept_notice(request) if kept is not None else None,
        )

    def _outcome(
        self,
        page: RecordEditPage,
        article: Article,
        catalog: TreatmentCatalog,
        stored: Treatment,
        submitted: dict[str, str],
    ) -> RecordEditPage | tuple[Article, TreatmentCatalog, str]:
        try:
            return _save(article, catalog, stored, submitted)
        except (ValidationFailed, msgspec.ValidationError) as exc:
            return _placed(page, exc, catalog, stored)

    @get("/articles/{slug:str}/records/{treatment_id:str}", sync_to_thread=True)
    def new_draft_record(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
        treatment_id: FromPath[str],
        version: FromQuery[int | None] = None,
        records: FromQuery[int | None] = None,
    ) -> Template:
        may(principal, "draft.write").enforce()
        kept = kept_fields(request, writer, principal)
        if kept is not None:  # the version it was typed on, not the head
            version, records = read_numbers(kept.get("read", ""), slug)
        _, read, records_read = published_read(writer, slug, version, records)
        stored = _record(load_treatments(writer, records_read), treatment_id)
        return self._render(request, self._page(slug, stored, None, read), kept=kept)

    def _page(
        self, slug: str, stored: Treatment, draft_id: int | None, read: str
    ) -> RecordEditPage:
        base = f"/workspace/drafts/{draft_id}" if draft_id else f"/workspace/articles/{slug}"
        return RecordEditPage(
            treatment_id=stored.id,
            name=stored.name,
            action_url=f"{base}/records/{stored.id}",
            back_url=base if draft_id else f"{base}/edit",
            read=read,
            fields=record_fields(stored),
            message="",
            errors={},
            page_errors=(),
        )

    @post(
        "/articles/{slug:str}/records/{treatment_id:str}",
        sync_to_thread=True,
        opt={**bounds(RECORD_FORM), **keeps()},
    )
    def save_new_draft_record(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
        treatment_id: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        may(principal, "draft.write").enforce()
        submitted = {k: v if isinstance(v, str) else str(v[-1]) for k, v in data.items()}
        version, records = read_numbers(submitted.get("read", ""), slug)
        article, read, records_read = published_read(writer, slug, version, records)
        catalog = load_treatments(writer, records_read)
        stored = _record(catalog, treatment_id)
        page = replace(
            self._page(slug, stored, None, read),
            fields=_typed(record_fields(stored), submitted),
            message=submitted.get("message", ""),
        )
        outcome = self._outcome(page, article, catalog, stored, submitted)
        if isinstance(outcome, RecordEditPage):
            return self._render(request, outcome, 422)
        edited, proposed, message = outcome
        try:
            draft = actions.propose_draft(
                writer, principal, slug, edited, message, read, treatments=proposed
            )
        except NothingChanged as exc:
            return self._render(request, replace(page, page_errors=(exc.detail,)), 422)
        except ValidationFailed as exc:  # the content check, or the message's text policy
            return self._render(request, _placed(page, exc, catalog, stored), 422)
        return started(request, draft)

    @get("/drafts/{draft_id:int}/records/{treatment_id:str}", sync_to_thread=True)
    def draft_record(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        treatment_id: FromPath[str],
    ) -> Template:
        draft, _ = load_draft_for(writer, principal, draft_id, "update")
        catalog = draft_treatments(writer, draft) or load_treatments(writer, draft.treatments_base)
        stored = _record(catalog, treatment_id)
        page = self._page(draft.slug, stored, draft_id, draft.etag)
        return self._render(request, page, kept=kept_fields(request, writer, principal))

    @post(
        "/drafts/{draft_id:int}/records/{treatment_id:str}",
        sync_to_thread=True,
        opt={**bounds(RECORD_FORM), **keeps()},
    )
    def save_draft_record(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        treatment_id: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        may(principal, "draft.write").enforce()
        submitted = {k: v if isinstance(v, str) else str(v[-1]) for k, v in data.items()}
        draft, article = get_draft(writer, draft_id)
        catalog = draft_treatments(writer, draft) or load_treatments(writer, draft.treatments_base)
        stored = _record(catalog, treatment_id)
        read = submitted.get("read", "")
        page = replace(
            self._page(draft.slug, stored, draft_id, read),
            fields=_typed(record_fields(stored), submitted),
            message=submitted.get("message", ""),
        )
        outcome = self._outcome(page, article, catalog, stored, submitted)
        if isinstance(outcome, RecordEditPage):
            return self._render(request, outcome, 422)
        edited, proposed, message = outcome
        try:
            saved = actions.revise_draft(
                writer, principal, draft_id, read, edited, message, treatments=proposed
            )
        except (StaleVersion, NothingChanged) as exc:
            return self._render(
                request,
                replace(page, page_errors=(str(exc),)),
                422,
            )
        except ValidationFailed as exc:  # the content check, or the message's text policy
            return self._render(request, _placed(page, exc, catalog, stored), 422)
        return revision_saved(request, draft_id, saved.revision)
