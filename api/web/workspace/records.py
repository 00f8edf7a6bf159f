"""Editing a treatment record in a draft as medical data: its claims in rows that can be
added and removed (forms, regulatory statuses, audiences, cautions, requirements), menus
for every enumerated value, and beside each quote the cited block's current text with the
quote marked in it (or a warning that it is not there word for word).

A save proposes the whole set of records with the article, decoded into `DraftInput`,
through the same use cases as the API's (`api.actions.drafts.propose_draft`,
`revise_draft`), so the records' evidence is checked against the article word for word by
the one check of every draft; every refusal is shown at its field and listed at the top."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
from api.core.evidence import block_texts
from api.core.model import Article, Treatment, TreatmentCatalog
from api.core.record_form import (
    GROUPS,
    Quoted,
    RecordForm,
    choices,
    edit_record_form,
    quoted,
    record_field,
    record_form,
    record_form_from_fields,
    record_from_form,
    replace_record,
    ticks,
)
from api.store.drafts import draft_treatments, get_draft
from api.store.versions import load_treatments
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
from api.web.workspace.forms import RECORD_FORM, bounds
from api.web.workspace.keeping import keeps, kept_fields, kept_notice
from api.web.workspace.layout import render, ui

__all__ = ["RecordsController"]


@dataclass(frozen=True)
class RecordEditPage:
    """One record's form, as stored or as typed, the blocks its claims may cite with their
    text around each quote, and what was refused where."""

    treatment_id: str
    name: str
    action_url: str
    back_url: str
    read: str
    form: RecordForm
    blocks: tuple[str, ...]
    """The article's blocks that have text (`<section>/<block>`): what a claim may cite."""
    texts: dict[str, list[str]]
    message: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    page_errors: tuple[str, ...] = ()

    @property
    def groups(self) -> tuple[str, ...]:
        return GROUPS

    def rows(self, group: str) -> tuple[Any, ...]:
        return self.form.rows(group)

    def choices(self, group: str) -> tuple[str, ...]:
        return choices(group)

    def ticks(self, group: str) -> tuple[str, ...]:
        return ticks(group)

    def quoted(self, group: str, n: int) -> Quoted | None:
        """The cited block's text around the quote of row `n` of `group`."""
        row = self.form.rows(group)[n]
        return quoted(self.texts.get(row.block), row.quote)

    @property
    def unsupported(self) -> int:
        """Rows whose quote is not in its cited block word for word (stale claims)."""
        return sum(
            1
            for group in GROUPS
            for n in range(len(self.form.rows(group)))
            if (found := self.quoted(group, n)) is None or not found.found
        )


def _record(catalog: TreatmentCatalog, treatment_id: str) -> Treatment:
    found = next((t for t in catalog.treatments if t.id == treatment_id), None)
    if found is None:
        raise NotFound(f"no treatment record {treatment_id!r}")
    return found


def _page(
    article: Article,
    stored: Treatment,
    draft_id: int | None,
    read: str,
    form: RecordForm | None = None,
    message: str = "",
) -> RecordEditPage:
    base = f"/workspace/drafts/{draft_id}" if draft_id else f"/workspace/articles/{article.slug}"
    texts = block_texts(article)
    return RecordEditPage(
        treatment_id=stored.id,
        name=stored.name,
        action_url=f"{base}/records/{stored.id}",
        back_url=base if draft_id else f"{base}/edit",
        read=read,
        form=form if form is not None else record_form(stored),
        blocks=tuple(path for path, found in texts.items() if found),
        texts=texts,
        message=message,
    )


def _refused(
    page: RecordEditPage, problems: list[ValidationFailed], stored: Treatment, at: str
) -> RecordEditPage:
    """The page with each problem at its field (a path below `at`, or a claim of `stored`
    the evidence check refused), and those that name no field at the top."""
    errors: dict[str, str] = {}
    rest: list[str] = []
    for problem in problems:
        if problem.path in ("$.message", "message"):
            name: str | None = "message"
        else:
            name = record_field(problem.path, stored, at)
        if name is None:
            rest.append(problem.detail)
        else:
            errors.setdefault(name, problem.detail)
    return replace(page, errors=errors, page_errors=tuple(rest))


def _checked(
    page: RecordEditPage,
    article: Article,
    catalog: TreatmentCatalog,
    stored: Treatment,
    message: str,
) -> RecordEditPage | tuple[Article, TreatmentCatalog, str, Treatment]:
    """The article and the records as proposed, decoded into `DraftInput` (the use case
    checks them, and a refusal goes to `_refused` too), and the record as edited; else the page with
    every refusal at its field."""
    try:
        edited = record_from_form(page.form, stored)
    except ValidationFailed as exc:
        return _refused(page, list(exc.problems or (exc,)), stored, "$")
    try:
        proposed = msgspec.convert(
            {
                "article": msgspec.to_builtins(article),
                "treatments": msgspec.to_builtins(replace_record(catalog, edited)),
                "message": message,
            },
            DraftInput,
        )
    except msgspec.ValidationError as exc:
        detail, _, where = str(exc).partition(" - at `")
        refusal = ValidationFailed(detail, path=where.rstrip("`"))
        return _refused(page, [refusal], edited, _at(catalog, stored))
    return proposed.article, proposed.treatments or catalog, proposed.message, edited


def _at(catalog: TreatmentCatalog, stored: Treatment) -> str:
    """Where the record stands in the checked body (the paths the use case names)."""
    return f"$.treatments.treatments[{[t.id for t in catalog.treatments].index(stored.id)}]"


class RecordsController(WorkspaceController):
    """A treatment record's form, for a new draft or a draft."""

    path = "/"

    def _render(
        self,
        request: Request[Any, Any, Any],
        page: RecordEditPage,
        status: int = 200,
        kept: bool = False,
    ) -> Template:
        title = ui(request).gettext("Edit record: %(name)s", name=page.name)
        return render(
            request,
            "record_edit.html",
            page,
            title=title,
            status_code=status,
            notice=kept_notice(request) if kept else None,
        )

    def _as_typed(
        self, page: RecordEditPage, fields: dict[str, str]
    ) -> tuple[RecordEditPage, bool]:
        """The page with the form as submitted, and whether a row button was pressed (then
        the form changed, and nothing is saved)."""
        message = fields.get("message", "")
        try:
            form = record_form_from_fields(fields)
            edited = edit_record_form(form, fields.get("do", "save"))
        except ValidationFailed as exc:
            return replace(page, message=message, page_errors=(exc.detail,)), True
        if edited is not None:
            return replace(page, form=edited, message=message), True
        return replace(page, form=form, message=message), False

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
        article, read, records_read = published_read(writer, slug, version, records)
        stored = _record(load_treatments(writer, records_read), treatment_id)
        page = _page(article, stored, None, read)
        if kept is not None:
            page, _ = self._as_typed(replace(page, read=kept.get("read", read)), kept)
        return self._render(request, page, kept=kept is not None)

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
        fields = form_fields(data)
        version, records = read_numbers(fields.get("read", ""), slug)
        article, read, records_read = published_read(writer, slug, version, records)
        catalog = load_treatments(writer, records_read)
        stored = _record(catalog, treatment_id)
        page, changed = self._as_typed(_page(article, stored, None, read), fields)
        if changed:
            return self._render(request, page, 422 if page.page_errors else 200)
        outcome = _checked(page, article, catalog, stored, page.message)
        if isinstance(outcome, RecordEditPage):
            return self._render(request, outcome, 422)
        proposed_article, proposed, message, edited = outcome
        try:
            draft = actions.propose_draft(
                writer, principal, slug, proposed_article, message, read, treatments=proposed
            )
        except NothingChanged as exc:
            return self._render(request, replace(page, page_errors=(exc.detail,)), 422)
        except ValidationFailed as exc:  # the content check, or the message's text policy
            problems = list(exc.problems or (exc,))
            return self._render(
                request, _refused(page, problems, edited, _at(catalog, stored)), 422
            )
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
        draft, article = load_draft_for(writer, principal, draft_id, "update")
        catalog = draft_treatments(writer, draft) or load_treatments(writer, draft.treatments_base)
        stored = _record(catalog, treatment_id)
        page = _page(article, stored, draft_id, draft.etag)
        kept = kept_fields(request, writer, principal)
        if kept is not None:
            page, _ = self._as_typed(replace(page, read=kept.get("read", draft.etag)), kept)
        return self._render(request, page, kept=kept is not None)

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
        fields = form_fields(data)
        draft, article = get_draft(writer, draft_id)
        catalog = draft_treatments(writer, draft) or load_treatments(writer, draft.treatments_base)
        stored = _record(catalog, treatment_id)
        read = fields.get("read", "")
        page, changed = self._as_typed(_page(article, stored, draft_id, read), fields)
        if changed:
            return self._render(request, page, 422 if page.page_errors else 200)
        outcome = _checked(page, article, catalog, stored, page.message)
        if isinstance(outcome, RecordEditPage):
            return self._render(request, outcome, 422)
        proposed_article, proposed, message, edited = outcome
        try:
            saved = actions.revise_draft(
                writer, principal, draft_id, read, proposed_article, message, treatments=proposed
            )
        except (StaleVersion, NothingChanged) as exc:
            return self._render(request, replace(page, page_errors=(str(exc),)), 422)
        except ValidationFailed as exc:  # the content check, or the message's text policy
            problems = list(exc.problems or (exc,))
            return self._render(
                request, _refused(page, problems, edited, _at(catalog, stored)), 422
            )
        return revision_saved(request, draft_id, saved.revision)
