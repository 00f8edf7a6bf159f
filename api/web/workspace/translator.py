"""The translator's pages: progress per locale, a locale's stale entries with the source
text they were translated from, download of its .po and upload of a translated one
(checked and staged by the API's own `stage_upload`; errors listed with their lines)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlite_utils
from litestar import Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from api.core.access import Principal, access_refusal, authorize
from api.core.catalog_changes import StaleEntry
from api.core.errors import (
    ImportRejected,
    InvalidParameter,
    NotFound,
    NothingChanged,
    ValidationFailed,
)
from api.core.health import TranslationHealth, translation_health
from api.core.locales import text_direction
from api.core.negotiation import DEFAULT_LOCALE
from api.core.worddiff import WordRun, word_diff
from api.store.catalogs import PendingCatalog
from api.store.exporting import (
    catalog_domains,
    export_catalog,
    export_domain,
    published_content,
)
from api.store.overview import current_source_messages, pending_locales
from api.store.translations import available_locales, catalog_entries
from api.web.catalogs import PO_MEDIA_TYPE, UPLOAD_FIELD, catalog_domain, stage_upload
from api.web.workspace.base import WorkspaceController
from api.web.workspace.catalog_review import workspace_locale
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
    articles: tuple[str, ...] = ()
    """The catalogs one can take alone: `shared`, then every published article's slug."""
    article: str = ""
    """The article the last upload was for ("" for the whole locale)."""


def _percent(health: TranslationHealth) -> int:
    return int(health.ratio * 100)


def locale_page(
    writer: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    *,
    errors: tuple[UploadError, ...] = (),
    staged: PendingCatalog | None = None,
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
        upload=action(access_refusal(principal, "catalog.upload", locale)),
        pending=any(p.locale == locale for p in pending_locales(writer)),
        errors=errors,
        staged=staged,
        not_staged=staged.stale if staged else (),
        articles=tuple(catalog_domains(writer)),
        article=article,
    )


def _upload(
    writer: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    body: bytes,
    article: str = "",
) -> LocalePage:
    try:
        staged = stage_upload(writer, principal, locale, body, article or None)
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
        return locale_page(
            writer,
            principal,
            locale,
            errors=(
                UploadError(
                    line=exc.line if isinstance(exc, ValidationFailed) else None,
                    message=exc.detail if not isinstance(exc, NotFound) else str(exc),
                ),
            ),
            article=article,
        )
    return locale_page(writer, principal, locale, staged=staged, article=article)


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
        authorize(principal, "catalog.read")
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
        authorize(principal, "catalog.read")
        tag = workspace_locale(locale)
        page = locale_page(writer, principal, tag)
        text = ui(request)
        return render(request, "catalog.html", page, title=text.gettext("%(l)s catalog", l=tag))

    @get("/{locale:str}/download", sync_to_thread=True)
    def download(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
        article: Annotated[str | None, QueryParameter(required=False, max_length=130)] = None,
    ) -> Response[bytes]:
        """The locale's catalog, or one article's (`?article=<slug>`, or `shared`)."""
        authorize(principal, "catalog.read")
        tag = workspace_locale(locale)
        if article:
            domain = catalog_domain(article)
            body = export_domain(writer, tag, domain)
            name = f"{tag}-{domain}.po"
        else:
            body = export_catalog(writer, tag, published_content(writer), memory=True)
            name = f"{tag}.po"
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
    ) -> Template:
        tag = workspace_locale(locale)
        authorize(principal, "catalog.upload", tag)
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
            page = await sync_to_thread(_upload, writer, principal, tag, body, article)
        status = 422 if page.errors else 200
        return render(
            request,
            "catalog.html",
            page,
            title=text.gettext("%(l)s catalog", l=tag),
            status_code=status,
        )
