"""The translator's pages: progress per locale, a locale's stale entries with the source
text they were translated from, download of its .po and upload of a translated one
(checked and staged by `api.actions.catalogs.upload_catalog`, as the API's uploads are;
errors listed with their lines)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, unquote

import msgspec
import sqlite_utils
from litestar import Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.actions import catalogs as actions
from api.actions.catalogs import catalog_locale
from api.core.access import Principal, Target, may
from api.core.catalog_changes import entry_key
from api.core.errors import (
    ImportRejected,
    InvalidParameter,
    NotFound,
    NothingChanged,
    ValidationFailed,
)
from api.core.health import TranslationHealth, translation_health
from api.core.locales import text_direction
from api.core.messages import Message
from api.core.negotiation import DEFAULT_LOCALE
from api.core.worddiff import WordRun, word_diff
from api.store.catalogs import (
    PendingCatalog,
    RejectionNote,
    catalog_rejections,
    pending_contexts,
)
from api.store.exporting import catalog_domains
from api.store.overview import current_source_messages, pending_locales
from api.store.translations import available_locales, catalog_entries
from api.web.bodies import PO_MEDIA_TYPE, UPLOAD_FIELD
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import Action, action
from api.web.workspace.forms import UPLOAD_FORM, bounds
from api.web.workspace.layout import N_, render, ui
from api.web.workspace.pager import Pager, paged
from api.web.workspace.session import workspace_cookie
from api.web.workspace.urls import catalog_url

__all__ = ["TranslatorController"]


@dataclass(frozen=True)
class LocaleLine:
    locale: str
    health: TranslationHealth
    percent: int
    pending: bool


@dataclass(frozen=True)
class CatalogsPage:
    """Every locale's progress, and whether an upload awaits review."""

    locales: tuple[LocaleLine, ...]


@dataclass(frozen=True)
class StaleView:
    """A message translated only for an earlier source text."""

    context: str
    key: str
    source: str
    previous: str
    translation: str
    spans: tuple[WordRun, ...]
    """The earlier source turned into the current one, word by word."""


@dataclass(frozen=True)
class EntryLine:
    """A current message in the translator's list, with what readers get in the locale."""

    key: str
    context: str
    source: str
    translation: str | None
    stale: bool
    safety: bool
    pending: bool


ENTRY_VIEWS = {
    "todo": N_("Untranslated"),
    "safety": N_("Safety-bearing"),
    "all": N_("All entries"),
}
_ENTRIES_PAGE = 25
_View = Annotated[str | None, QueryParameter(required=False, max_length=20)]
_Query = Annotated[str | None, QueryParameter(required=False, max_length=200)]
_PageNumber = Annotated[int | None, QueryParameter(required=False, ge=1, le=100_000)]
_Article = Annotated[str | None, QueryParameter(required=False, max_length=130)]


@dataclass(frozen=True)
class EntryList:
    """The messages a translator picks one from: a view, a search, a page of them."""

    view: str
    views: tuple[tuple[str, str, str, bool], ...]
    """(key, label, url, current) of each view."""
    query: str
    lines: tuple[EntryLine, ...]
    pager: Pager


@dataclass(frozen=True)
class UploadError:
    line: int | None
    message: str


class NotStaged(msgspec.Struct, frozen=True, array_like=True):
    """An uploaded entry not staged (it translates an old source text): where it was."""

    line: int
    context: str


class UploadDone(msgspec.Struct, frozen=True, kw_only=True):
    """What an accepted upload staged, carried to the page the browser is sent to after it
    (Post/Redirect/Get: a refresh there reloads the page, it does not upload again)."""

    locale: str
    entries: int
    changed: int
    not_staged: tuple[NotStaged, ...] = ()
    more: int = 0


UPLOAD_COOKIE = "vetted_upload"
_NOT_STAGED_SHOWN = 25
_upload_done = msgspec.json.Decoder(UploadDone)


def _done(staged: PendingCatalog) -> UploadDone:
    return UploadDone(
        locale=staged.locale,
        entries=staged.entries,
        changed=staged.changed,
        not_staged=tuple(NotStaged(s.line, s.context) for s in staged.stale[:_NOT_STAGED_SHOWN]),
        more=max(0, len(staged.stale) - _NOT_STAGED_SHOWN),
    )


def _read_done(request: Request[Any, Any, Any], locale: str) -> UploadDone | None:
    """The result of this browser's last upload to `locale`, once (None: there is none, or
    the cookie is not one we wrote)."""
    value = request.cookies.get(UPLOAD_COOKIE)
    if not value:
        return None
    try:
        done = _upload_done.decode(unquote(value).encode())
    except (msgspec.DecodeError, UnicodeError):
        return None
    return done if done.locale == locale else None


@dataclass(frozen=True)
class LocalePage:
    """One locale: progress, stale entries, download, upload and its outcome."""

    locale: str
    dir: str
    health: TranslationHealth
    percent: int
    stale: tuple[StaleView, ...]
    upload: Action
    pending: bool
    entries: EntryList
    rejections: tuple[RejectionNote, ...]
    errors: tuple[UploadError, ...] = ()
    staged: UploadDone | None = None
    not_staged: tuple[NotStaged, ...] = ()
    not_staged_more: int = 0
    """Entries not staged beyond those listed (the result travels in a cookie: bounded)."""
    articles: tuple[str, ...] = ()
    """The catalogs one can take alone: `shared`, then every published article's slug."""
    article: str = ""
    """The article the last upload was for ("" for the whole locale)."""


def _percent(health: TranslationHealth) -> int:
    return int(health.ratio * 100)


def _entry_list(
    writer: sqlite_utils.Database,
    locale: str,
    current: list[Message],
    served: dict[tuple[str, str], str],
    stale: set[str],
    view: str | None,
    query: str | None,
    page: int | None,
) -> EntryList:
    """The messages of one view matching the search, safety-bearing ones first among
    the untranslated."""
    shown_view = view if view in ENTRY_VIEWS else "todo"
    pending = pending_contexts(writer, locale)
    lines = [
        EntryLine(
            key=entry_key(m.context, m.source),
            context=m.context,
            source=m.source,
            translation=served.get((m.context, m.source)),
            stale=m.context in stale,
            safety=m.safety,
            pending=m.context in pending,
        )
        for m in current
    ]
    if shown_view == "todo":
        # (Stale ones have their own table above, with the source's changes.)
        lines = [line for line in lines if line.translation is None and not line.stale]
        lines.sort(key=lambda line: not line.safety)
    elif shown_view == "safety":
        lines = [line for line in lines if line.safety]
    words = (query or "").strip()
    if words:
        folded = words.casefold()
        lines = [
            line
            for line in lines
            if any(
                folded in (t or "").casefold()
                for t in (line.context, line.source, line.translation)
            )
        ]
    path = catalog_url(locale)
    query_params = {"view": shown_view, "q": words}
    shown, pager = paged(lines, page or 1, _ENTRIES_PAGE, path, query_params)
    views = tuple(
        (key, label, f"{path}?view={key}#entries", key == shown_view)
        for key, label in ENTRY_VIEWS.items()
    )
    return EntryList(view=shown_view, views=views, query=words, lines=tuple(shown), pager=pager)


def locale_page(
    writer: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    *,
    errors: tuple[UploadError, ...] = (),
    staged: UploadDone | None = None,
    view: str | None = None,
    query: str | None = None,
    page: int | None = None,
    article: str = "",
) -> LocalePage:
    """What the translator of `locale` sees."""
    current = current_source_messages(writer)
    approved = catalog_entries(writer, locale)
    health = translation_health(locale, current, approved)
    sources = {m.context: m.source for m in current}
    stale = []
    for context in health.stale:
        earlier = next(
            (e for e in approved if e.context == context and e.text and not e.fuzzy), None
        )
        if earlier is None:
            continue
        stale.append(
            StaleView(
                context=context,
                key=entry_key(context, sources[context]),
                source=sources[context],
                previous=earlier.source,
                translation=earlier.text,
                spans=word_diff(earlier.source, sources[context]),
            )
        )
    return LocalePage(
        locale=locale,
        dir=text_direction(locale),
        health=health,
        percent=_percent(health),
        stale=tuple(stale),
        entries=_entry_list(
            writer,
            locale,
            current,
            {(e.context, e.source): e.text for e in approved if e.text and not e.fuzzy},
            set(health.stale),
            view,
            query,
            page,
        ),
        rejections=tuple(catalog_rejections(writer, locale, limit=10)),
        upload=action(may(principal, "catalog.upload", Target.translation(locale)).reason),
        pending=any(p.locale == locale for p in pending_locales(writer)),
        errors=errors,
        staged=staged,
        not_staged=staged.not_staged if staged else (),
        not_staged_more=staged.more if staged else 0,
        articles=tuple(catalog_domains(writer)),
        article=article,
    )


def _upload(
    writer: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    body: bytes,
    article: str = "",
) -> LocalePage | UploadDone:
    """The upload staged (what it staged), or the locale's page listing why it was not."""
    try:
        staged = actions.upload_catalog(writer, principal, locale, body, article or None)
    except ImportRejected as exc:
        listed = tuple(UploadError(line=e.line, message=e.detail) for e in exc.errors)
        return locale_page(writer, principal, locale, errors=listed, article=article)
    except NothingChanged as exc:
        notes = tuple(UploadError(line=n.line, message=n.detail) for n in exc.notes)
        return locale_page(
            writer,
            principal,
            locale,
            errors=(UploadError(line=None, message=exc.detail), *notes),
            article=article,
        )
    except (ValidationFailed, InvalidParameter, NotFound) as exc:
        line = exc.line if isinstance(exc, ValidationFailed) else None
        message = str(exc) if isinstance(exc, NotFound) else exc.detail
        return locale_page(
            writer,
            principal,
            locale,
            errors=(UploadError(line=line, message=message),),
            article=article,
        )
    return _done(staged)


class TranslatorController(WorkspaceController):
    """Catalogs per locale: progress, download, upload."""

    path = "/catalogs"

    @get("/", sync_to_thread=True)
    def catalogs(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
    ) -> Template:
        may(principal, "catalog.read").enforce()
        current = current_source_messages(writer)
        pending = {p.locale for p in pending_locales(writer)}
        codes = sorted(
            {*available_locales(writer), *principal.locales, *pending} - {DEFAULT_LOCALE}
        )
        lines = []
        for code in codes:
            health = translation_health(code, current, catalog_entries(writer, code))
            lines.append(
                LocaleLine(
                    locale=code, health=health, percent=_percent(health), pending=code in pending
                )
            )
        page = CatalogsPage(locales=tuple(lines))
        return render(request, "catalogs.html", page, title=ui(request).gettext("Translations"))

    @get("/{locale:str}", sync_to_thread=True)
    def locale(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
        view: _View = None,
        q: _Query = None,
        page: _PageNumber = None,
        article: _Article = None,
    ) -> Template:
        may(principal, "catalog.read").enforce()
        tag = catalog_locale(locale)
        done = _read_done(request, tag)
        shown = locale_page(
            writer,
            principal,
            tag,
            staged=done,
            view=view,
            query=q,
            page=page,
            article=article or "",
        )
        text = ui(request)
        cleared = [workspace_cookie(request, UPLOAD_COOKIE, "", 0)] if done else None
        return render(
            request,
            "catalog.html",
            shown,
            title=text.gettext("%(l)s catalog", l=tag),
            cookies=cleared,
        )

    @get("/{locale:str}/download", sync_to_thread=True)
    def download(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
        article: Annotated[str | None, QueryParameter(required=False, max_length=130)] = None,
    ) -> Response[bytes]:
        """The locale's catalog, or one article's (`?article=<slug>`, or `shared`)."""
        tag, body = actions.catalog_file(writer, principal, locale, article or None)
        name = f"{tag}-{article}.po" if article else f"{tag}.po"
        return Response(
            body,
            media_type=PO_MEDIA_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )

    @post("/{locale:str}/upload", opt=bounds(UPLOAD_FORM))
    async def upload(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
    ) -> Template | Redirect:
        tag = catalog_locale(locale)
        may(principal, "catalog.upload", Target.translation(tag)).enforce()
        form = await request.form()
        part = form.get(UPLOAD_FIELD)
        body = await part.read() if isinstance(part, UploadFile) else b""
        chosen = form.get("article")
        article = chosen if isinstance(chosen, str) else ""
        text = ui(request)
        if not body:
            missing = (UploadError(line=None, message=text.gettext("Choose a .po file.")),)
            page = await sync_to_thread(
                locale_page, writer, principal, tag, errors=missing, article=article
            )
        else:
            result = await sync_to_thread(_upload, writer, principal, tag, body, article)
            if isinstance(result, UploadDone):
                # Post/Redirect/Get: the result travels to the locale's page, so a refresh
                # there (or Back and Forward) never sends the file again.
                cookie = quote(msgspec.json.encode(result).decode())
                where = f"/workspace/catalogs/{quote(tag)}"
                return Redirect(
                    where + (f"?article={quote(article)}" if article else ""),
                    status_code=303,
                    cookies=[workspace_cookie(request, UPLOAD_COOKIE, cookie, 60)],
                )
            page = result
        status = 422 if page.errors else 200
        return render(
            request,
            "catalog.html",
            page,
            title=text.gettext("%(l)s catalog", l=tag),
            status_code=status,
        )
