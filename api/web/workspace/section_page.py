"""A section's form, built and read back: the values its menus offer, the page as stored or
as typed, the structural buttons (move a block up or down, remove it, add one), and a save
decoded into `DraftInput` (the shape of a draft; the use cases of `api.actions.drafts` check
and store it), each refusal placed next to the field it names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

import msgspec
import sqlite_utils
from litestar import Request
from litestar.response import Template

from api.actions.drafts import DraftInput
from api.core.errors import NotFound, ValidationFailed
from api.core.model import (
    Article,
    CalloutKind,
    CostBasis,
    DurationUnit,
    FactKind,
    Section,
    TreatmentCatalog,
    walk_sections,
)
from api.core.section_form import (
    BLOCK_TYPES,
    FormEdit,
    SectionForm,
    edit_form,
    form_field,
    form_from_fields,
    form_from_section,
    replace_section,
    section_from_form,
    section_path,
)
from api.store.overlaps import OtherDraft, drafts_changing
from api.store.versions import load_treatments
from api.web.workspace.layout import render

__all__ = [
    "SectionEditPage",
    "errors_for",
    "find_section",
    "form_response",
    "section_page",
    "submitted",
]


@dataclass(frozen=True)
class Choices:
    """The values a block's typed fields may take, for the form's menus."""

    block_types: tuple[str, ...] = BLOCK_TYPES
    callout_kinds: tuple[str, ...] = get_args(CalloutKind)
    fact_kinds: tuple[str, ...] = get_args(FactKind)
    units: tuple[str, ...] = get_args(DurationUnit)
    cost_bases: tuple[str, ...] = get_args(CostBasis)
    treatments: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionEditPage:
    """The form of one section, as stored or as typed, with what was refused and where."""

    slug: str
    section_id: str
    heading: str
    action_url: str
    back_url: str
    read: str
    """The ETag the save names: the published version read, or the draft revision."""
    draft_id: int | None
    form: SectionForm
    message: str
    errors: dict[str, str]
    page_errors: tuple[str, ...]
    choices: Choices
    safety_reason: str = ""
    """Why the save removes a safety mark, when it does (refused without one)."""
    others: tuple[OtherDraft, ...] = ()
    """Other open drafts that change this section (said before anyone edits it)."""


def find_section(article: Article, section_id: str) -> Section:
    found = next((s for s in walk_sections(article.sections) if s.id == section_id), None)
    if found is None:
        raise NotFound(f"no section {section_id!r} in {article.slug}")
    return found


def _parse_do(value: str) -> FormEdit | None:
    """The structural button pressed (`up-2`, `remove-0`, `add`), or None for save."""
    verb, _, rest = value.partition("-")
    if verb in ("up", "down", "remove") and rest.isdigit():
        return (verb, int(rest))  # type: ignore[return-value]
    return None


def errors_for(exc: ValidationFailed, at: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """A refusal as the form shows it: by its field, else at the top of the page."""
    if exc.path in ("$.message", "message"):
        return {"message": exc.detail}, ()
    # Paths from the section's own decoding start at `$.blocks`; the article check's at `at`.
    name = form_field(exc.path, at) if exc.path.startswith(at + ".") else form_field(exc.path)
    if name is None:
        return {}, (exc.detail,)
    return {name: exc.detail}, ()


def section_page(
    writer: sqlite_utils.Database,
    *,
    slug: str,
    section: Section,
    action_url: str,
    back_url: str,
    read: str,
    draft_id: int | None,
    form: SectionForm,
    message: str = "",
    errors: dict[str, str] | None = None,
    page_errors: tuple[str, ...] = (),
    safety_reason: str = "",
) -> SectionEditPage:
    records = tuple(t.id for t in load_treatments(writer).treatments)
    return SectionEditPage(
        slug=slug,
        section_id=section.id,
        heading=section.heading or section.id,
        action_url=action_url,
        back_url=back_url,
        read=read,
        draft_id=draft_id,
        form=form,
        message=message,
        errors=errors or {},
        page_errors=page_errors,
        choices=Choices(treatments=records),
        safety_reason=safety_reason,
        others=drafts_changing(writer, slug, section.id, besides=draft_id),
    )


def submitted(
    writer: sqlite_utils.Database,
    article: Article,
    section: Section,
    fields: dict[str, str],
    page_args: dict[str, Any],
    treatments: TreatmentCatalog | None = None,
) -> SectionEditPage | tuple[DraftInput, str, SectionForm]:
    """The form after a structural button (a page to show again), or the draft content to
    save, decoded into `DraftInput` (the use case checks it: see `errors_for`)."""
    message = fields.get("message", "")
    try:
        form = form_from_fields(fields)
    except ValidationFailed as exc:
        return section_page(
            writer,
            **page_args,
            form=form_from_section(section),
            message=message,
            page_errors=(exc.detail,),
        )
    do = fields.get("do", "save")
    at = section_path(article, section.id, "$.article")
    try:
        if do == "add":
            return section_page(
                writer,
                **page_args,
                form=edit_form(form, ("add", fields.get("add_type", "paragraph"))),
                message=message,
            )
        edit = _parse_do(do)
        if edit is not None:
            return section_page(writer, **page_args, form=edit_form(form, edit), message=message)
        edited = section_from_form(form, section)
        proposed = msgspec.convert(
            {
                "article": msgspec.to_builtins(replace_section(article, edited)),
                "message": message,
                "treatments": msgspec.to_builtins(treatments) if treatments else None,
            },
            DraftInput,
        )
    except msgspec.ValidationError as exc:
        detail, _, where = str(exc).partition(" - at `")
        errors, page_errors = errors_for(
            ValidationFailed(detail, path=where.rstrip("`")), "$.article"
        )
        return section_page(
            writer,
            **page_args,
            form=form,
            message=message,
            errors=errors,
            page_errors=page_errors,
        )
    except ValidationFailed as exc:
        errors, page_errors = errors_for(exc, at)
        return section_page(
            writer,
            **page_args,
            form=form,
            message=message,
            errors=errors,
            page_errors=page_errors,
        )
    return proposed, proposed.message, form


def form_response(request: Request[Any, Any, Any], page: SectionEditPage) -> Template:
    status = 422 if page.errors or page.page_errors else 200
    return render(request, "section_edit.html", page, title=page.heading, status_code=status)
