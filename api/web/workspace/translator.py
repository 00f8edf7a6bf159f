"""The translator's pages: progress per locale, a locale's stale entries with the source
text they were translated from, download of its .po and upload of a translated one
(checked and staged by `api.actions.catalogs.upload_catalog`, as the API's uploads are;
errors listed with their lines)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils
from litestar import Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from api.actions import catalogs as actions
from api.actions.catalogs import catalog_locale
from api.core.access import Principal, Target, may
from api.core.catalog_changes import StaleEntry
from api.core.errors import ImportRejected, NothingChanged, ValidationFailed
from api.core.health import TranslationHealth, translation_health
from api.core.locales import text_direction
from api.core.negotiation import DEFAULT_LOCALE
from api.core.worddiff import WordRun, word_diff
from api.store.catalogs import PendingCatalog
from api.store.overview import current_source_messages, pending_locales
from api.store.translations import available_locales, catalog_entries
from api.web.bodies import PO_MEDIA_TYPE, UPLOAD_FIELD
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import Action, action
from api.web.workspace.forms import UPLOAD_FORM, bounds
from api.web.workspace.layout import render, ui

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
    source: str
    previous: str
    translation: str
    spans: tuple[WordRun, ...]
    """The earlier source turned into the current one, word by word."""


@dataclass(frozen=True)
class UploadError:
    line: int | None
    message: str


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
    errors: tuple[UploadError, ...] = ()
    staged: PendingCatalog | None = None
    not_staged: tuple[StaleEntry, ...] = ()


def _percent(health: TranslationHealth) -> int:
    return int(health.ratio * 100)


def locale_page(
    writer: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    *,
    errors: tuple[UploadError, ...] = (),
    staged: PendingCatalog | None = None,
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
        upload=action(may(principal, "catalog.upload", Target.translation(locale)).reason),
        pending=any(p.locale == locale for p in pending_locales(writer)),
        errors=errors,
        staged=staged,
        not_staged=staged.stale if staged else (),
    )


def _upload(
    writer: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    body: bytes,
) -> LocalePage:
    try:
        staged = actions.upload_catalog(writer, principal, locale, body)
    except ImportRejected as exc:
        listed = tuple(UploadError(line=e.line, message=e.detail) for e in exc.errors)
        return locale_page(writer, principal, locale, errors=listed)
    except NothingChanged as exc:
        notes = tuple(UploadError(line=n.line, message=n.detail) for n in exc.notes)
        return locale_page(
            writer, principal, locale, errors=(UploadError(line=None, message=exc.detail), *notes)
        )
    except ValidationFailed as exc:
        return locale_page(
            writer, principal, locale, errors=(UploadError(line=exc.line, message=exc.detail),)
        )
    return locale_page(writer, principal, locale, staged=staged)


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
    ) -> Template:
        may(principal, "catalog.read").enforce()
        tag = catalog_locale(locale)
        page = locale_page(writer, principal, tag)
        text = ui(request)
        return render(request, "catalog.html", page, title=text.gettext("%(l)s catalog", l=tag))

    @get("/{locale:str}/download", sync_to_thread=True)
    def download(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
    ) -> Response[bytes]:
        tag, body = actions.catalog_file(writer, principal, locale)
        return Response(
            body,
            media_type=PO_MEDIA_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="{tag}.po"',
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
    ) -> Template:
        tag = catalog_locale(locale)
        may(principal, "catalog.upload", Target.translation(tag)).enforce()
        form = await request.form()
        part = form.get(UPLOAD_FIELD)
        body = await part.read() if isinstance(part, UploadFile) else b""
        text = ui(request)
        if not body:
            missing = (UploadError(line=None, message=text.gettext("Choose a .po file.")),)
            page = await sync_to_thread(locale_page, writer, principal, tag, errors=missing)
        else:
            page = await sync_to_thread(_upload, writer, principal, tag, body)
        status = 422 if page.errors else 200
        return render(
            request,
            "catalog.html",
            page,
            title=text.gettext("%(l)s catalog", l=tag),
            status_code=status,
        )
