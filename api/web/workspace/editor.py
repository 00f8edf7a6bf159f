"""The draft editor: start a draft from the published version you read by editing one of
its sections, edit a draft's sections one at a time, send it to review or withdraw it.

Every save decodes into the API's own `DraftInput`, is checked by the API's
`validated_content` and written by the same store functions (`create_draft`,
`update_draft`); a refusal is shown next to the field it names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, get_args

import msgspec
import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from api.core.access import Principal, access_refusal, authorize
from api.core.errors import NotFound, NothingChanged, StaleVersion, ValidationFailed
from api.core.model import (
    Article,
    CalloutKind,
    CostBasis,
    DurationUnit,
    FactKind,
    Section,
    Treatment,
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
from api.core.workflow import article_etag, next_status
from api.store.drafts import (
    Draft,
    create_draft,
    draft_revisions,
    draft_treatments,
    get_draft,
    list_drafts,
    submit_draft,
    update_draft,
    withdraw_draft,
)
from api.store.exporting import published_content
from api.store.versions import latest_version, load_article, load_treatments, treatments_number
from api.web.manage import DraftInput, validated_content
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import Action, action
from api.web.workspace.i18n import UiText
from api.web.workspace.layout import N_, flash, render, ui

__all__ = ["EditorController", "published_read", "read_numbers"]

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
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
    """Drafts, newest first, and the published articles a draft can start from."""

    drafts: tuple[Draft, ...]
    articles: tuple[tuple[str, str, int], ...]
    """(slug, title, version)."""


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


def _find_section(article: Article, section_id: str) -> Section:
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


def _fields(data: dict[str, Any]) -> dict[str, str]:
    return {k: v if isinstance(v, str) else str(v[-1]) for k, v in data.items() if v is not None}


def _errors_for(exc: ValidationFailed, at: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """A refusal as the form shows it: by its field, else at the top of the page."""
    if exc.path in ("$.message", "message"):
        return {"message": exc.detail}, ()
    # Paths from the section's own decoding start at `$.blocks`; the article check's at `at`.
    name = form_field(exc.path, at) if exc.path.startswith(at + ".") else form_field(exc.path)
    if name is None:
        return {}, (exc.detail,)
    return {name: exc.detail}, ()


class EditorController(WorkspaceController):
    """Drafts: start, edit section by section, submit, withdraw."""

    path = "/"

    # --- reading -----------------------------------------------------------------------

    @get("/drafts", sync_to_thread=True)
    def drafts(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
    ) -> Template:
        authorize(principal, "draft.read")
        content = published_content(writer)
        heads = {slug: latest_version(writer, slug) for slug in (a.slug for a in content.articles)}
        page = DraftsPage(
            drafts=tuple(list_drafts(writer)),
            articles=tuple(
                (a.slug, a.title, row.number if (row := heads[a.slug]) else 0)
                for a in content.articles
            ),
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
        authorize(principal, "draft.read")
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
            write=action(access_refusal(principal, "draft.write")),
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
        authorize(principal, "draft.read")
        draft, article = get_draft(writer, draft_id)
        write = access_refusal(principal, "draft.write")
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
            records=_record_links(
                (
                    draft_treatments(writer, draft)
                    or load_treatments(writer, draft.treatments_base)
                ).treatments,
                draft.slug,
                f"/workspace/drafts/{draft_id}/records",
            ),
        )
        text = ui(request)
        return render(request, "draft.html", page, title=text.gettext("Draft %(id)s", id=draft_id))

    # --- a section form ----------------------------------------------------------------

    def _page(
        self,
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
        )

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
        authorize(principal, "draft.write")
        article, read = self._read(writer, slug, version, records)
        section = _find_section(article, section_id.strip("/"))
        page = self._page(
            writer,
            slug=slug,
            section=section,
            action_url=f"/workspace/articles/{slug}/edit/{section.id}",
            back_url=f"/workspace/articles/{slug}/edit",
            read=read,
            draft_id=None,
            form=form_from_section(section),
        )
        return render(request, "section_edit.html", page, title=page.heading)

    def _read(
        self,
        writer: sqlite_utils.Database,
        slug: str,
        version: int | None,
        records: int | None,
    ) -> tuple[Article, str]:
        article, read, _ = published_read(writer, slug, version, records)
        return article, read

    @post("/articles/{slug:str}/edit/{section_id:path}", sync_to_thread=True)
    def save_new_draft(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: FromPath[str],
        section_id: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        authorize(principal, "draft.write")
        fields = _fields(data)
        read = fields.get("read", "")
        version, records = read_numbers(read, slug)
        article, read = self._read(writer, slug, version, records)
        section = _find_section(article, section_id.strip("/"))
        page_args: dict[str, Any] = {
            "slug": slug,
            "section": section,
            "action_url": f"/workspace/articles/{slug}/edit/{section.id}",
            "back_url": f"/workspace/articles/{slug}/edit",
            "read": read,
            "draft_id": None,
        }
        outcome = self._submitted(writer, article, section, fields, page_args)
        if isinstance(outcome, SectionEditPage):
            return _form_response(request, outcome)
        proposed, message, _ = outcome
        try:
            draft = create_draft(writer, principal, proposed.article, message, read)
        except NothingChanged as exc:
            return _form_response(
                request,
                self._page(
                    writer,
                    **page_args,
                    form=form_from_fields(fields),
                    message=message,
                    page_errors=(exc.detail,),
                ),
            )
        text = ui(request)
        return Redirect(
            f"/workspace/drafts/{draft.id}",
            status_code=303,
            cookies=[flash(request, text.gettext("Draft %(id)s started.", id=draft.id))],
        )

    @get("/drafts/{draft_id:int}/edit/{section_id:path}", sync_to_thread=True)
    def draft_section(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        section_id: FromPath[str],
    ) -> Template:
        authorize(principal, "draft.write")
        draft, article = get_draft(writer, draft_id)
        next_status(draft.status, "update")
        section = _find_section(article, section_id.strip("/"))
        page = self._page(
            writer,
            slug=draft.slug,
            section=section,
            action_url=f"/workspace/drafts/{draft_id}/edit/{section.id}",
            back_url=f"/workspace/drafts/{draft_id}",
            read=draft.etag,
            draft_id=draft_id,
            form=form_from_section(section),
        )
        return render(request, "section_edit.html", page, title=page.heading)

    @post("/drafts/{draft_id:int}/edit/{section_id:path}", sync_to_thread=True)
    def save_draft_section(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        section_id: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        authorize(principal, "draft.write")
        fields = _fields(data)
        draft, article = get_draft(writer, draft_id)
        section = _find_section(article, section_id.strip("/"))
        read = fields.get("read", "")
        page_args: dict[str, Any] = {
            "slug": draft.slug,
            "section": section,
            "action_url": f"/workspace/drafts/{draft_id}/edit/{section.id}",
            "back_url": f"/workspace/drafts/{draft_id}",
            "read": read,
            "draft_id": draft_id,
        }
        outcome = self._submitted(
            writer, article, section, fields, page_args, draft_treatments(writer, draft)
        )
        if isinstance(outcome, SectionEditPage):
            return _form_response(request, outcome)
        proposed, message, _ = outcome
        try:
            saved = update_draft(
                writer,
                principal,
                draft_id,
                read,
                proposed.article,
                message,
                treatments=proposed.treatments,
            )
        except (StaleVersion, NothingChanged) as exc:
            reason = (
                _newer_revision(writer, draft, read, ui(request))
                if isinstance(exc, StaleVersion)
                else exc.detail
            )
            return _form_response(
                request,
                self._page(
                    writer,
                    **page_args,
                    form=form_from_fields(fields),
                    message=message,
                    page_errors=(reason,),
                ),
            )
        text = ui(request)
        return Redirect(
            f"/workspace/drafts/{draft_id}",
            status_code=303,
            cookies=[
                flash(request, text.gettext("Revision %(n)s saved.", n=saved.revision)),
            ],
        )

    def _submitted(
        self,
        writer: sqlite_utils.Database,
        article: Article,
        section: Section,
        fields: dict[str, str],
        page_args: dict[str, Any],
        treatments: TreatmentCatalog | None = None,
    ) -> SectionEditPage | tuple[DraftInput, str, SectionForm]:
        """The form after a structural button (a page to show again), or the checked draft
        content to save (the API's own DraftInput, checked by the API's own function)."""
        message = fields.get("message", "")
        try:
            form = form_from_fields(fields)
        except ValidationFailed as exc:
            return self._page(
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
                return self._page(
                    writer,
                    **page_args,
                    form=edit_form(form, ("add", fields.get("add_type", "paragraph"))),
                    message=message,
                )
            edit = _parse_do(do)
            if edit is not None:
                return self._page(writer, **page_args, form=edit_form(form, edit), message=message)
            edited = section_from_form(form, section)
            proposed = msgspec.convert(
                {
                    "article": msgspec.to_builtins(replace_section(article, edited)),
                    "message": message,
                    "treatments": msgspec.to_builtins(treatments) if treatments else None,
                },
                DraftInput,
            )
            checked, records = validated_content(
                writer, article.slug, proposed.article, proposed.treatments
            )
        except msgspec.ValidationError as exc:
            detail, _, where = str(exc).partition(" - at `")
            errors, page_errors = _errors_for(
                ValidationFailed(detail, path=where.rstrip("`")), "$.article"
            )
            return self._page(
                writer,
                **page_args,
                form=form,
                message=message,
                errors=errors,
                page_errors=page_errors,
            )
        except ValidationFailed as exc:
            errors, page_errors = _errors_for(exc, at)
            return self._page(
                writer,
                **page_args,
                form=form,
                message=message,
                errors=errors,
                page_errors=page_errors,
            )
        return (
            msgspec.structs.replace(proposed, article=checked, treatments=records),
            proposed.message,
            form,
        )

    # --- workflow ----------------------------------------------------------------------

    @post("/drafts/{draft_id:int}/submit", sync_to_thread=True)
    def submit(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        data: FormData,
    ) -> Redirect:
        authorize(principal, "draft.write")
        submit_draft(writer, principal, draft_id, _fields(data).get("etag"))
        text = ui(request)
        return Redirect(
            f"/workspace/drafts/{draft_id}",
            status_code=303,
            cookies=[flash(request, text.gettext("Sent to review."))],
        )

    @get("/drafts/{draft_id:int}/withdraw", sync_to_thread=True)
    def confirm_withdraw(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
    ) -> Template:
        """Withdrawing is for good: a page asks first."""
        authorize(principal, "draft.write")
        draft, _ = get_draft(writer, draft_id)
        next_status(draft.status, "withdraw")
        text = ui(request)
        return render(
            request,
            "withdraw.html",
            WithdrawPage(draft=draft),
            title=text.gettext("Withdraw draft %(id)s for good?", id=draft_id),
        )

    @post("/drafts/{draft_id:int}/withdraw", sync_to_thread=True)
    def withdraw(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        data: FormData,
    ) -> Redirect:
        authorize(principal, "draft.write")
        fields = _fields(data)
        comment = fields.get("comment", "").strip() or None
        withdraw_draft(writer, principal, draft_id, fields.get("etag"), comment)
        text = ui(request)
        return Redirect(
            f"/workspace/drafts/{draft_id}",
            status_code=303,
            cookies=[flash(request, text.gettext("Draft withdrawn."))],
        )


def published_read(
    writer: sqlite_utils.Database, slug: str, version: int | None, records: int | None
) -> tuple[Article, str, int]:
    """The published version a new draft starts from (the one named, else the head), the
    ETag that names it with the treatment records read, and that set of records."""
    head = latest_version(writer, slug)
    if head is None:
        raise NotFound(f"no published article {slug!r}")
    number = version if version is not None and 1 <= version <= head.number else head.number
    current = treatments_number(writer)
    records_read = records if records is not None and 0 <= records <= current else current
    return (
        load_article(writer, slug, number),
        article_etag(slug, number, records_read),
        records_read,
    )


def _status_refusal(draft: Draft, step: str) -> str | None:
    try:
        next_status(draft.status, step)  # type: ignore[arg-type]
    except Exception as exc:  # Conflict: the workflow's own sentence
        return str(exc)
    return None


def read_numbers(read: str, slug: str) -> tuple[int | None, int | None]:
    prefix = f'"article-{slug}-v'
    if not read.startswith(prefix) or not read.endswith('"'):
        return None, None
    version, _, records = read[len(prefix) : -1].partition("-t")
    if version.isdigit() and records.isdigit():
        return int(version), int(records)
    return None, None


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


def _form_response(request: Request[Any, Any, Any], page: SectionEditPage) -> Template:
    status = 422 if page.errors or page.page_errors else 200
    return render(request, "section_edit.html", page, title=page.heading, status_code=status)
