"""Articles: the list, and one published version with its source text and a chosen
locale side by side, each block marked where readers get a fallback or where the
translation is of an earlier source text (stale)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
import sqlite_utils
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from api.core.access import Principal, Target, may
from api.core.errors import InvalidParameter, NotFound
from api.core.health import translation_health
from api.core.listing import DEFAULT_PAGE, MAX_PAGE, ListQuery, query_words
from api.core.locales import text_direction
from api.core.messages import article_messages, block_fields
from api.core.model import Article, Block, Section, is_safety, walk_sections
from api.core.negotiation import DEFAULT_LOCALE
from api.core.output import ArticleSummary, ReviewOut
from api.core.workflow import article_etag
from api.store.documents import article_key, get_document
from api.store.listing import article_page as list_page
from api.store.listing import withdrawn_articles
from api.store.schema import snapshot
from api.store.translations import available_locales, catalog_entries
from api.store.versions import (
    VersionRow,
    load_article,
    published_versions,
    treatments_number,
)
from api.web.workspace.base import WorkspaceController
from api.web.workspace.layout import render, ui
from api.web.workspace.session import WORKSPACE_PATH

__all__ = ["ArticlePage", "ArticlesController", "BlockRow"]

_Version = Annotated[int | None, QueryParameter(required=False, ge=1, le=1_000_000)]
_Locale = Annotated[str | None, QueryParameter(required=False, max_length=35)]


class BlockRow(msgspec.Struct, frozen=True, kw_only=True):
    """One block: its source text, what readers of the locale get, and its marks."""

    id: str
    kind: str
    source: str
    shown: str
    shown_locale: str
    fallback: bool
    stale: bool
    safety: bool


class SectionRows(msgspec.Struct, frozen=True, kw_only=True):
    """A section's heading on both sides and its blocks."""

    id: str
    heading: str
    shown_heading: str
    heading_locale: str
    fallback_reason: str | None
    blocks: tuple[BlockRow, ...]


class ArticlePage(msgspec.Struct, frozen=True, kw_only=True):
    """One version of an article in the source locale and in `locale`."""

    slug: str
    title: str
    version: VersionRow
    versions: tuple[int, ...]
    locale: str
    locale_dir: str
    locales: tuple[str, ...]
    translated: int
    total: int
    stale: int
    review: ReviewOut | None
    """What readers of `locale` are told about the medical review of this version."""
    review_refusal: str | None
    """Why this person may not record a review of the current version (None: they may)."""
    etag: str
    """The version the review form confirms (If-Match of the review)."""
    sections: tuple[SectionRows, ...]
    edit_query: str | None = None
    """What a section's Edit link names (the version and records read), when this person
    may start a draft from this version (the latest); None: no Edit links."""


class ArticleList(msgspec.Struct, frozen=True, kw_only=True):
    """One page of the published articles in slug order, as the search and filter chose
    them, the link to the next page, and the withdrawn articles (staff reach their
    history from here)."""

    articles: tuple[ArticleSummary, ...]
    q: str
    review_status: str
    next_url: str | None
    withdrawn: tuple[str, ...]


_summary = msgspec.json.Decoder(ArticleSummary)
_REVIEW_STATUS = Annotated[
    str | None,
    QueryParameter(required=False, pattern="^(current|due-soon|overdue)$"),
]
_AFTER = Annotated[
    str | None,
    QueryParameter(required=False, max_length=120, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$"),
]
_Q = Annotated[str | None, QueryParameter(required=False, max_length=200)]
_LIMIT = Annotated[int, QueryParameter(required=False, ge=1, le=MAX_PAGE)]
_WITHDRAWN_SHOWN = 50


def _source_text(block: Block) -> str:
    fields = block_fields(block)
    return "\n".join(text for _, text in fields)


def _shown_text(block: dict[str, Any]) -> str:
    if "question" in block:
        return f"{block['question']}\n{block['answer']}"
    for key in ("text", "display", "name"):
        if isinstance(block.get(key), str):
            return str(block[key])
    return ""


def _rendered_sections(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}

    def visit(sections: list[dict[str, Any]]) -> None:
        for section in sections:
            out[section["id"]] = section
            visit(section.get("sections") or [])

    visit(document["sections"])
    return out


def _rows(
    article: Article, document: dict[str, Any], stale: frozenset[str]
) -> tuple[SectionRows, ...]:
    rendered = _rendered_sections(document)
    out = []
    for section in walk_sections(article.sections):
        shown = rendered[section.id]
        out.append(_section_rows(article, section, shown, stale))
    return tuple(out)


def _section_rows(
    article: Article, section: Section, shown: dict[str, Any], stale: frozenset[str]
) -> SectionRows:
    blocks = {b["id"]: b for b in shown["blocks"]}
    rows = []
    for block in section.blocks:
        out = blocks.get(block.id, {})
        context = f"{article.slug}/{section.id}/{block.id}"
        rows.append(
            BlockRow(
                id=block.id,
                kind=str(out.get("type", "")),
                source=_source_text(block) or _shown_text(out),
                shown=_shown_text(out),
                shown_locale=str(out.get("locale", DEFAULT_LOCALE)),
                fallback=bool(out.get("fallback")),
                stale=any(c == context or c.startswith(context + "/") for c in stale),
                safety=is_safety(block),
            )
        )
    heading = shown.get("heading") or {"text": "", "locale": DEFAULT_LOCALE}
    return SectionRows(
        id=section.id,
        heading=section.heading or "",
        shown_heading=heading["text"],
        heading_locale=heading["locale"],
        fallback_reason=shown.get("fallback_reason"),
        blocks=tuple(rows),
    )


def article_page(
    db: sqlite_utils.Database,
    slug: str,
    version: int | None,
    locale: str | None,
    preferred: tuple[str, ...] = (),
    principal: Principal | None = None,
) -> ArticlePage:
    """The page of `slug` at `version` (default: the latest) in `locale` (default: the
    first of `preferred`, else the first translated locale)."""
    with snapshot(db):
        versions = published_versions(db, slug)
        if not versions:
            raise NotFound(f"no published article {slug!r}")
        row = next((v for v in versions if v.number == version), None) if version else versions[-1]
        if row is None:
            raise NotFound(f"article {slug!r} has no published version {version}")
        locales = tuple(available_locales(db))
        if locale is None:
            others = [tag for tag in (*preferred, *locales) if tag != DEFAULT_LOCALE]
            locale = next((tag for tag in others if tag in locales), DEFAULT_LOCALE)
        if locale not in locales:
            raise InvalidParameter(
                "locale", f"{locale!r} is not served; served: {', '.join(locales)}"
            )
        article = load_article(db, slug, row.number)
        stored = get_document(db, article_key(slug, row.number, locale))
        if stored is None:
            raise NotFound(f"version {row.number} of {slug!r} is not rendered in {locale!r}")
        document = msgspec.json.decode(stored.body)
        health = translation_health(locale, article_messages(article), catalog_entries(db, locale))
        review = msgspec.convert(document.get("review"), ReviewOut | None)
        head = versions[-1]
        refusal: str | None = "only the current version is reviewed"
        if principal is not None and row.number == head.number:
            target = Target.source(head.authors or (head.author,), f"version {head.number}")
            refusal = may(principal, "article.review", target).reason
        records = treatments_number(db)
        etag = article_etag(slug, head.number, records)
        may_edit = (
            principal is not None
            and row.number == head.number
            and may(principal, "draft.write").allowed
        )
    return ArticlePage(
        slug=slug,
        title=article.title,
        version=row,
        versions=tuple(v.number for v in versions),
        locale=locale,
        locale_dir=text_direction(locale),
        locales=locales,
        translated=health.translated if locale != DEFAULT_LOCALE else health.total,
        total=health.total,
        stale=len(health.stale) if locale != DEFAULT_LOCALE else 0,
        review=review,
        review_refusal=refusal,
        etag=etag,
        sections=_rows(article, document, frozenset(health.stale)),
        edit_query=f"version={head.number}&records={records}" if may_edit else None,
    )


class ArticlesController(WorkspaceController):
    """Published articles, as readers in each locale get them."""

    path = "/articles"

    @get("/", sync_to_thread=True)
    def articles(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        q: _Q = None,
        review_status: _REVIEW_STATUS = None,
        after: _AFTER = None,
        limit: _LIMIT = DEFAULT_PAGE,
    ) -> Template:
        """A page of the published articles (searched by title words, filtered by review
        status), and the withdrawn ones."""
        query = ListQuery(
            after=after,
            limit=limit,
            review_status=review_status,
            words=query_words(q) if q else (),
        )
        with snapshot(writer):
            bodies, next_after = list_page(writer, DEFAULT_LOCALE, query)
            withdrawn = withdrawn_articles(writer, _WITHDRAWN_SHOWN)
        params = {
            "q": q or "",
            "review_status": review_status or "",
            "limit": str(limit) if limit != DEFAULT_PAGE else "",
            "after": next_after or "",
        }
        page = ArticleList(
            articles=tuple(_summary.decode(body) for body in bodies),
            q=q or "",
            review_status=review_status or "",
            next_url=(
                f"{WORKSPACE_PATH}/articles?{urlencode({k: v for k, v in params.items() if v})}"
                if next_after
                else None
            ),
            withdrawn=withdrawn if after is None else (),
        )
        return render(request, "articles.html", page, title=ui(request).gettext("Articles"))

    @get("/{slug:str}", sync_to_thread=True)
    def article(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        slug: Annotated[str, PathParameter()],
        version: _Version = None,
        locale: _Locale = None,
    ) -> Template:
        """One version, source and locale side by side."""
        page = article_page(writer, slug, version, locale, principal.locales, principal)
        return render(request, "article.html", page, title=page.title)
