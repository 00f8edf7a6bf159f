"""Search in the workspace: every locale's published article text and treatment records
at once (the readers' full-text indexes, written at publish time), each hit linking to
where it is read and to where it is edited.

Drafts are not searched: their text is not indexed (a draft's page lists its sections),
and what a team must find first is what readers are told today."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlite_utils
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from api.core.access import Principal, may
from api.core.errors import InvalidParameter
from api.core.locales import text_direction
from api.core.negotiation import DEFAULT_LOCALE
from api.core.search import MAX_QUERY, RecordHit, SearchHit, Span, match_expression
from api.store.schema import snapshot
from api.store.search import search_records, search_sections
from api.store.translations import available_locales
from api.store.versions import latest_version, treatments_number
from api.web.workspace.base import WorkspaceController
from api.web.workspace.layout import render, ui
from api.web.workspace.session import WORKSPACE_PATH
from api.web.workspace.urls import article_edit_url, article_url

__all__ = ["SearchController", "SearchPage", "marked_runs"]

_PER_LOCALE = 25
_Query = Annotated[str, QueryParameter(required=False, max_length=MAX_QUERY)]


@dataclass(frozen=True)
class Run:
    """A stretch of a snippet, marked where it matched."""

    text: str
    match: bool


@dataclass(frozen=True)
class TextResult:
    """A section of a published article whose text in `hit.locale` matched."""

    hit: SearchHit
    runs: tuple[Run, ...]
    dir: str
    view_url: str
    edit_url: str | None


@dataclass(frozen=True)
class RecordResult:
    """A treatment record whose claims in `hit.locale` matched."""

    hit: RecordHit
    runs: tuple[Run, ...]
    dir: str
    view_url: str
    edit_url: str | None


@dataclass(frozen=True)
class SearchPage:
    """The query, what was refused about it, and the hits in every locale."""

    query: str
    error: str | None
    texts: tuple[TextResult, ...]
    records: tuple[RecordResult, ...]
    locales: tuple[str, ...]


def marked_runs(snippet: str, spans: tuple[Span, ...]) -> tuple[Run, ...]:
    """A snippet as runs of plain and matched text (the template marks the matched)."""
    out: list[Run] = []
    at = 0
    for span in spans:
        if span.start > at:
            out.append(Run(snippet[at : span.start], False))
        out.append(Run(snippet[span.start : span.end], True))
        at = span.end
    if at < len(snippet):
        out.append(Run(snippet[at:], False))
    return tuple(out)


def search_page(db: sqlite_utils.Database, principal: Principal, query: str) -> SearchPage:
    """Every locale's article sections and records matching `query` (the source locale
    first; a fallback hit, the source text again, is left to the source locale)."""
    if not query.strip():
        return SearchPage(query=query, error=None, texts=(), records=(), locales=())
    try:
        expression = match_expression(query)
    except InvalidParameter as exc:
        return SearchPage(query=query, error=exc.detail, texts=(), records=(), locales=())
    may_edit = may(principal, "draft.write").allowed
    texts: list[TextResult] = []
    records: list[RecordResult] = []
    seen_records: set[tuple[str, str]] = set()
    with snapshot(db):
        locales = tuple(available_locales(db))
        ordered = (DEFAULT_LOCALE, *(tag for tag in locales if tag != DEFAULT_LOCALE))
        numbers = treatments_number(db)
        heads: dict[str, int] = {}

        def read_at(slug: str) -> str:
            if slug not in heads:
                head = latest_version(db, slug)
                heads[slug] = head.number if head else 0
            return f"?version={heads[slug]}&records={numbers}"

        for locale in ordered:
            for hit in search_sections(db, locale, expression, _PER_LOCALE):
                if hit.fallback:
                    continue
                texts.append(
                    TextResult(
                        hit=hit,
                        runs=marked_runs(hit.snippet, hit.highlights),
                        dir=text_direction(hit.locale),
                        view_url=f"{article_url(hit.slug, locale=locale)}#at-{hit.section_id}",
                        edit_url=article_edit_url(hit.slug, hit.section_id) + read_at(hit.slug)
                        if may_edit
                        else None,
                    )
                )
            for record in search_records(db, locale, expression, _PER_LOCALE):
                if (record.id, record.snippet) in seen_records:
                    continue  # the same words as another locale's (a fallback)
                seen_records.add((record.id, record.snippet))
                base = f"{WORKSPACE_PATH}/articles/{record.article}"
                records.append(
                    RecordResult(
                        hit=record,
                        runs=marked_runs(record.snippet, record.highlights),
                        dir=text_direction(locale),
                        view_url=f"{article_url(record.article, locale=locale)}"
                        f"#at-{record.section}",
                        edit_url=f"{base}/records/{record.id}{read_at(record.article)}"
                        if may_edit
                        else None,
                    )
                )
    return SearchPage(
        query=query, error=None, texts=tuple(texts), records=tuple(records), locales=ordered
    )


class SearchController(WorkspaceController):
    """Find every place a claim is made, in every locale."""

    path = "/search"

    @get("/", sync_to_thread=True)
    def search(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        q: _Query = "",
    ) -> Template:
        """The search form and, for a query, its hits."""
        page = search_page(writer, principal, q)
        text = ui(request)
        title = text.gettext("Search: %(q)s", q=q) if q.strip() else text.gettext("Search")
        return render(request, "search.html", page, title=title)
