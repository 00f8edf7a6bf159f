"""The public search route: full text over the published articles, per locale."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import Parameter, QueryParameter
from litestar.response.base import ASGIResponse

from api.core.search import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_QUERY,
    SearchResults,
)
from api.store.reader import Reader
from api.web import examples
from api.web.locale_params import AcceptLanguage, LocaleParam, resolve_locale
from api.web.problems import problem_responses
from api.web.sending import NOT_MODIFIED, send_document

__all__ = ["SearchController"]


class SearchController(Controller):
    """Full-text search of the latest published articles in the reader's locale."""

    path = "/v1/search"
    tags = ["delivery"]  # noqa: RUF012

    @get(
        "/",
        operation_id="search",
        summary="Search published articles",
        description="Finds the sections of the latest published articles whose text, as "
        "served in the negotiated locale (fallback blocks included), contains every word "
        "of `q`; the last word also matches as a prefix. Accents and case are ignored "
        "(`celulas` finds `células`), and so are Arabic short-vowel marks and tatweel. "
        "Results are ranked by BM25, headings weighing more than body text. `snippet` is "
        "plain text (Arabic marks removed) with `…` where it is cut; `highlights` give "
        "the matched stretches as `[start, end)` offsets in Unicode code points.",
        responses={
            200: examples.ok(
                SearchResults, examples.SEARCH, "Matching sections, best first (maybe none)."
            ),
            **NOT_MODIFIED,
            **problem_responses(400, 503, locale=True, queued=True),
        },
    )
    async def search(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        q: Annotated[
            str,
            QueryParameter(
                name="q",
                min_length=1,
                max_length=MAX_QUERY,
                description="Words to find (plain text; operators and punctuation are "
                "searched as plain words or ignored).",
                examples=[Example(summary="Spanish, without accents", value="celulas madre")],
            ),
        ],
        locale: LocaleParam = None,
        accept_language: AcceptLanguage = None,
        limit: Annotated[
            int,
            Parameter(ge=1, le=MAX_LIMIT, required=False, description="Most results to return."),
        ] = DEFAULT_LIMIT,
    ) -> ASGIResponse:
        tag = resolve_locale(reader, locale, accept_language)
        return send_document(request, await reader.search(q, tag, limit), locale=tag)
