"""Translating one message in the browser, without a .po round trip: its source, where it
is, whether it is safety-bearing, the approved (or earlier) translation and what awaits
review; the typed translation is checked by the upload's own code and joins the locale's
pending translations, for a second person to approve under the review rule. Also the
list a translator picks an entry from (to translate, safety-bearing, all; searchable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.actions import catalogs as actions
from api.actions.catalogs import catalog_locale
from api.core.access import Principal, Target, may
from api.core.catalog import MAX_TRANSLATION_CHARS
from api.core.catalog_changes import entry_key
from api.core.errors import Conflict, NotFound, NothingChanged, ValidationFailed
from api.core.locales import text_direction
from api.core.messages import Message
from api.core.worddiff import WordRun, word_diff
from api.store.catalogs import EntryToTranslate, entry_to_translate
from api.store.overview import current_source_messages
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import Action, action
from api.web.workspace.forms import ENTRY_FORM, Form, FormBody, bounds
from api.web.workspace.layout import flash, render, ui
from api.web.workspace.urls import catalog_url

__all__ = ["CatalogEntriesController", "find_message"]


class EntryForm(Form, frozen=True, kw_only=True):
    """A translation typed for one message."""

    text: Annotated[str, msgspec.Meta(max_length=MAX_TRANSLATION_CHARS)] = ""
    pending: Annotated[str, msgspec.Meta(max_length=MAX_TRANSLATION_CHARS)] = ""
    """The pending translation shown when the page was rendered ("" when none was)."""
    had_pending: Annotated[str, msgspec.Meta(max_length=1)] = ""


@dataclass(frozen=True)
class EntryPage:
    locale: str
    dir: str
    key: str
    entry: EntryToTranslate
    earlier_spans: tuple[WordRun, ...]
    """The earlier source turned into the current one, when only it has a translation."""
    text: str
    """What the textarea holds: what was typed, or the best starting point."""
    edit: Action
    error: str | None = None


def find_message(writer: sqlite_utils.Database, key: str) -> Message:
    """The current message an `entry_key` names; NotFound once its source changed."""
    found = next(
        (m for m in current_source_messages(writer) if entry_key(m.context, m.source) == key), None
    )
    if found is None:
        raise NotFound(
            "no current message has this key: its source text may have changed since the "
            "link was made; find the entry again on the locale's page"
        )
    return found


def _page(
    writer: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    key: str,
    *,
    text: str | None = None,
    error: str | None = None,
) -> EntryPage:
    message = find_message(writer, key)
    entry = entry_to_translate(writer, locale, message.context, message.source)
    start = entry.pending or entry.approved or entry.earlier or ""
    return EntryPage(
        locale=locale,
        dir=text_direction(locale),
        key=key,
        entry=entry,
        earlier_spans=word_diff(entry.earlier_source, entry.source) if entry.earlier_source else (),
        text=start if text is None else text,
        edit=action(may(principal, "catalog.upload", Target.translation(locale)).reason),
        error=error,
    )


class CatalogEntriesController(WorkspaceController):
    """One message of a locale's catalog: read it, translate it for review."""

    path = "/catalogs/{locale:str}/entries"

    @get("/{key:str}", sync_to_thread=True)
    def show(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
        key: FromPath[str],
    ) -> Template:
        may(principal, "catalog.read").enforce()
        tag = catalog_locale(locale)
        page = _page(writer, principal, tag, key)
        title = ui(request).gettext("Translate %(context)s", context=page.entry.context)
        return render(request, "catalog_entry.html", page, title=title)

    @post("/{key:str}", sync_to_thread=True, opt=bounds(ENTRY_FORM))
    def save(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: FromPath[str],
        key: FromPath[str],
        data: FormBody[EntryForm],
    ) -> Template | Redirect:
        tag = catalog_locale(locale)
        may(principal, "catalog.upload", Target.translation(tag)).enforce()
        text = ui(request)
        message = find_message(writer, key)
        typed = data.text.replace("\r\n", "\n").strip()
        error: str | None
        if not typed:
            error = text.gettext("Write the translation: an empty one changes nothing.")
        else:
            try:
                actions.edit_entry(
                    writer,
                    principal,
                    tag,
                    message.context,
                    message.source,
                    typed,
                    data.pending if data.had_pending else None,
                )
            except (ValidationFailed, NothingChanged, Conflict) as exc:
                error = exc.detail if isinstance(exc, ValidationFailed) else str(exc)
            else:
                done = text.gettext(
                    "Your translation of %(context)s awaits review by a second person.",
                    context=message.context,
                )
                return Redirect(catalog_url(tag), status_code=303, cookies=[flash(request, done)])
        page = _page(writer, principal, tag, key, text=data.text, error=error)
        title = text.gettext("Translate %(context)s", context=page.entry.context)
        return render(request, "catalog_entry.html", page, title=title, status_code=422)
