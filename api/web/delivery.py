"""Public, read-only delivery routes: articles, sections, treatments and locales."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter
from litestar.response.base import ASGIResponse

from api.core.errors import NotFound
from api.core.html import HTML_MEDIA_TYPE
from api.core.jsonld import JSONLD_MEDIA_TYPE, MedicalWebPageLd
from api.core.listing import DEFAULT_PAGE, ListQuery, query_words
from api.core.locales import LocaleInfo
from api.core.negotiation import DEFAULT_LOCALE
from api.core.output import ArticleOut, ArticleSummary, SectionDocument, TreatmentOut
from api.core.sitemap import Sitemap
from api.store.documents import Document, article_key, html_key, jsonld_key
from api.store.reader import Reader
from api.web import examples
from api.web.list_params import (
    ListAfter,
    ListLimit,
    ListReviewStatus,
    ListSearch,
    send_page,
)
from api.web.locale_params import AcceptLanguage, LocaleParam, resolve_locale
from api.web.problems import problem_responses
from api.web.sending import LATEST, NOT_MODIFIED, PINNED, missing, send_document

__all__ = [
    "ArticlesController",
    "LocalesController",
    "SitemapController",
    "TreatmentsController",
]

_PIN = (
    "Pin a published version. In the source language (`en`) the answer is immutable, except "
    "the current version's article (a review changes its review dates); in other locales it "
    "revalidates like the latest, since an approved translation changes it."
)


def _cache_control(
    reader: Reader, document: Document, version: int | None, locale: str, slug: str
) -> str:
    """Immutable only for bytes that can never change: a pinned version in the source
    language, except the current version of an article, whose review dates and status
    change with a review. A translation approval re-renders every version in every other
    locale (a corrected translation must reach readers of old versions too), so those
    revalidate."""
    if version is None or locale != DEFAULT_LOCALE:
        return LATEST
    latest = reader.latest_article(slug, locale)
    return PINNED if latest is not None and latest.etag != document.etag else LATEST


def _section_cache_control(version: int | None, locale: str) -> str:
    """A section carries no review dates: pinned in the source language, it never changes."""
    return PINNED if version is not None and locale == DEFAULT_LOCALE else LATEST


class ArticlesController(Controller):
    """Published articles, whole or by section, latest or pinned to a version."""

    path = "/v1/articles"
    tags = ["delivery"]  # noqa: RUF012

    @get(
        "/",
        operation_id="listArticles",
        summary="List published articles",
        responses={
            200: examples.ok(
                list[ArticleSummary],
                examples.SUMMARIES,
                "Latest published version of every article; with `limit`, `after`, `q` "
                "or `review_status`, one page of them in slug order (`Link` names the next).",
            ),
            **NOT_MODIFIED,
            **problem_responses(400, locale=True),
        },
    )
    async def list_articles(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        locale: LocaleParam = None,
        accept_language: AcceptLanguage = None,
        limit: ListLimit = None,
        after: ListAfter = None,
        q: ListSearch = None,
        review_status: ListReviewStatus = None,
    ) -> ASGIResponse:
        tag = resolve_locale(reader, locale, accept_language)
        if (limit, after, q, review_status) != (None, None, None, None):
            query = ListQuery(
                after=after,
                limit=limit or DEFAULT_PAGE,
                review_status=review_status,
                words=query_words(q) if q is not None else (),
            )
            return send_page(request, reader, tag, query, locale)
        document = await reader.article_list(tag)
        if document is None:
            raise NotFound("no articles are published")
        return send_document(request, document, locale=tag)

    @get(
        "/{slug:str}",
        operation_id="getArticle",
        summary="Get an article",
        responses={
            200: examples.ok(
                ArticleOut,
                examples.ARTICLE,
                "The article in the negotiated locale; every block says "
                "its locale and whether it is a fallback.",
            ),
            **NOT_MODIFIED,
            **problem_responses(400, 404, 410, locale=True),
        },
    )
    async def get_article(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        slug: examples.SlugPath,
        locale: LocaleParam = None,
        accept_language: AcceptLanguage = None,
        version: Annotated[
            int | None,
            Parameter(ge=1, le=1_000_000, required=False, description=_PIN),
        ] = None,
    ) -> ASGIResponse:
        tag = resolve_locale(reader, locale, accept_language)
        if version is None:
            document = reader.latest_article(slug, tag)
        else:
            document = reader.document(article_key(slug, version, tag))
        if document is None:
            raise missing(
                reader,
                "article",
                slug,
                version,
                f"no published article {slug!r}" + (f" with version {version}" if version else ""),
            )
        cache = _cache_control(reader, document, version, tag, slug)
        return send_document(request, document, locale=tag, cache_control=cache)

    @get(
        "/{slug:str}/jsonld",
        operation_id="getArticleJsonLd",
        summary="Get an article as schema-org structured data in JSON-LD",
        description="Structured data for a partner page that shows the article: its name, "
        "language, last medical review and reviewer, the conditions it is about, its "
        "audience and the references it cites, in schema.org's vocabulary. Embed it in a "
        "`script` element of type `application/ld+json`. Latest version only.",
        responses={
            200: ResponseSpec(
                data_container=MedicalWebPageLd,
                media_type=JSONLD_MEDIA_TYPE,
                generate_examples=False,
                description="The latest version in the negotiated locale; a text the locale "
                "does not translate is tagged with the language it is in (`@language`).",
                examples=[Example(summary="example", value=examples.JSONLD)],
            ),
            **NOT_MODIFIED,
            **problem_responses(400, 404, 410, locale=True),
        },
    )
    async def get_article_jsonld(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        slug: examples.SlugPath,
        locale: LocaleParam = None,
        accept_language: AcceptLanguage = None,
    ) -> ASGIResponse:
        tag = resolve_locale(reader, locale, accept_language)
        document = reader.document(jsonld_key(slug, tag))
        if document is None:
            raise missing(reader, "article", slug, None, f"no published article {slug!r}")
        return send_document(request, document, locale=tag, media_type=JSONLD_MEDIA_TYPE)

    @get(
        "/{slug:str}/html",
        operation_id="getArticleHtml",
        summary="Get an article as semantic HTML",
        description="The latest version as a plain, unstyled HTML document for partners who "
        "embed rather than render JSON: `lang` and `dir` on the document, and on every text "
        'shown in a fallback language (marked `class="fallback"`, `data-fallback` naming '
        "its language); sections as nested `section` elements with their ids; safety text "
        'marked `class="safety"`; citations linking to the references in the footer; '
        "the article's JSON-LD in the head. Rendered at publish time, like the JSON.",
        responses={
            200: ResponseSpec(
                data_container=str,
                media_type="text/html",
                generate_examples=False,
                description="The latest version in the negotiated locale, as HTML.",
                examples=[Example(summary="example", value=examples.HTML)],
            ),
            **NOT_MODIFIED,
            **problem_responses(400, 404, 410, locale=True),
        },
    )
    async def get_article_html(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        slug: examples.SlugPath,
        locale: LocaleParam = None,
        accept_language: AcceptLanguage = None,
    ) -> ASGIResponse:
        tag = resolve_locale(reader, locale, accept_language)
        document = reader.document(html_key(slug, tag))
        if document is None:
            raise missing(reader, "article", slug, None, f"no published article {slug!r}")
        return send_document(request, document, locale=tag, media_type=HTML_MEDIA_TYPE)

    @get(
        "/{slug:str}/sections/{section_id:path}",
        operation_id="getSection",
        summary="Get one section of an article",
        description="Section ids contain `/` for nested sections, e.g. `alternatives/minoxidil`.",
        responses={
            200: examples.ok(
                SectionDocument, examples.SECTION, "The section, with its nested sections."
            ),
            **NOT_MODIFIED,
            **problem_responses(400, 404, 410, locale=True),
        },
    )
    async def get_section(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        slug: examples.SlugPath,
        section_id: examples.SectionPath,
        locale: LocaleParam = None,
        accept_language: AcceptLanguage = None,
        version: Annotated[
            int | None,
            Parameter(ge=1, le=1_000_000, required=False, description=_PIN),
        ] = None,
    ) -> ASGIResponse:
        tag = resolve_locale(reader, locale, accept_language)
        section = section_id.strip("/")
        if version is None:
            document = reader.latest_article(slug, tag, section)
        else:
            document = reader.document(f"section/{slug}/{version}/{tag}/{section}")
        if document is None:
            raise missing(
                reader,
                "article",
                slug,
                version,
                f"no section {section!r} in published article {slug!r}",
            )
        cache = _section_cache_control(version, tag)
        return send_document(request, document, locale=tag, cache_control=cache)


class TreatmentsController(Controller):
    """The treatments the articles discuss, as structured records."""

    path = "/v1/treatments"
    tags = ["delivery"]  # noqa: RUF012

    @get(
        "/",
        operation_id="listTreatments",
        summary="List treatments",
        responses={
            200: examples.ok(list[TreatmentOut], [examples.TREATMENT], "Every treatment record."),
            **NOT_MODIFIED,
            **problem_responses(400, locale=True),
        },
    )
    async def list_treatments(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        locale: LocaleParam = None,
        accept_language: AcceptLanguage = None,
    ) -> ASGIResponse:
        tag = resolve_locale(reader, locale, accept_language)
        document = reader.document(f"treatments/{tag}")
        if document is None:
            raise NotFound("no treatments are published")
        return send_document(request, document, locale=tag)

    @get(
        "/{treatment_id:str}",
        operation_id="getTreatment",
        summary="Get a treatment",
        responses={
            200: examples.ok(TreatmentOut, examples.TREATMENT, "One treatment."),
            **NOT_MODIFIED,
            **problem_responses(400, 404, 410, locale=True),
        },
    )
    async def get_treatment(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        treatment_id: examples.TreatmentPath,
        locale: LocaleParam = None,
        accept_language: AcceptLanguage = None,
    ) -> ASGIResponse:
        tag = resolve_locale(reader, locale, accept_language)
        document = reader.document(f"treatment/{treatment_id}/{tag}")
        if document is None:
            raise missing(reader, "treatment", treatment_id, None, f"no treatment {treatment_id!r}")
        return send_document(request, document, locale=tag)


class LocalesController(Controller):
    """The locales content is served in."""

    path = "/v1/locales"
    tags = ["delivery"]  # noqa: RUF012

    @get(
        "/",
        operation_id="listLocales",
        summary="List the locales content is served in",
        responses={
            200: examples.ok(
                list[LocaleInfo],
                examples.LOCALES,
                "Names, text direction, fallback chain and "
                "completeness per article of every locale.",
            ),
            **NOT_MODIFIED,
            **problem_responses(400, 404),
        },
    )
    async def list_locales(
        self, request: Request[Any, Any, Any], reader: NamedDependency[Reader]
    ) -> ASGIResponse:
        document = await reader.locale_list()
        if document is None:
            raise NotFound("no locales")
        return send_document(request, document)


class SitemapController(Controller):
    """The sitemap of published articles, for partner sites."""

    path = "/v1/sitemap"
    tags = ["delivery"]  # noqa: RUF012

    @get(
        "/",
        operation_id="getSitemap",
        summary="Get the sitemap of published articles",
        description="Every published article with every locale it is served in: when that "
        "locale's text last changed (`lastmod`), how much of it is translated, and where to "
        "get it as JSON or HTML, so a partner site emits its own sitemap with `hreflang` "
        "alternates (`x_default` is the source locale). Withdrawn articles are not in it. "
        "Rendered at publish time.",
        responses={
            200: examples.ok(Sitemap, examples.SITEMAP, "The sitemap."),
            **NOT_MODIFIED,
            **problem_responses(400, 404),
        },
    )
    async def get_sitemap(
        self, request: Request[Any, Any, Any], reader: NamedDependency[Reader]
    ) -> ASGIResponse:
        document = await reader.sitemap()
        if document is None:
            raise NotFound("no sitemap: nothing is published")
        return send_document(request, document)
