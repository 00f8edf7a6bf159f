"""The parameters of a paged article list (`GET /v1/articles?limit=&after=&q=&review_status=`)
and its answer: one page in slug order, the next page's address in a `Link` header."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request
from litestar.openapi.spec import Example
from litestar.params import QueryParameter
from litestar.response.base import ASGIResponse

from api.core.listing import MAX_PAGE, ListQuery
from api.store.reader import Reader
from api.web.sending import send_document

__all__ = ["ListAfter", "ListLimit", "ListReviewStatus", "ListSearch", "send_page"]

ListLimit = Annotated[
    int | None,
    QueryParameter(
        name="limit",
        required=False,
        ge=1,
        le=MAX_PAGE,
        description="Articles per page (default 50). Any of `limit`, `after`, `q` or "
        "`review_status` asks for one page instead of the whole list; `Link: <…>; "
        'rel="next"` names the next page, absent on the last.',
        examples=[Example(summary="a page of 20", value=20)],
    ),
]
ListAfter = Annotated[
    str | None,
    QueryParameter(
        name="after",
        required=False,
        max_length=120,
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        description="The cursor: the page starts after this slug (the last one of the page "
        "before). Pages stay consistent while articles are published: an article is never "
        "listed twice.",
        examples=[Example(summary="after an article", value="stem-cell-therapy-for-hair-loss")],
    ),
]
ListSearch = Annotated[
    str | None,
    QueryParameter(
        name="q",
        required=False,
        min_length=1,
        max_length=200,
        description="Words the article's title (as served in the locale) or slug must all "
        "contain, as whole words; case and accents are ignored. A value with no letter or "
        "digit in it is a 400, as in `/v1/search`. For the text of the articles, use "
        "`/v1/search`.",
        examples=[Example(summary="Spanish, without accents", value="celulas")],
    ),
]
ListReviewStatus = Annotated[
    str | None,
    QueryParameter(
        name="review_status",
        required=False,
        pattern="^(current|due-soon|overdue)$",
        description="Only articles whose medical review has this status.",
        examples=[Example(summary="past their review date", value="overdue")],
    ),
]


def send_page(
    request: Request[Any, Any, Any],
    reader: Reader,
    tag: str,
    query: ListQuery,
    locale: str | None,
) -> ASGIResponse:
    """One page of the list in the locale `tag`, with the next page's `Link`."""
    document, after = reader.article_page(tag, query)
    response = send_document(request, document, locale=tag)
    if after is not None:
        params = {
            "locale": locale,
            "limit": str(query.limit),
            "after": after,
            "q": request.query_params.get("q"),
            "review_status": query.review_status,
        }
        link = f"{request.url.path}?{urlencode({k: v for k, v in params.items() if v})}"
        response.headers.add("Link", f'<{link}>; rel="next"')
    return response
