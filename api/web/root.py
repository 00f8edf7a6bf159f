"""`/`: what this server is, with links to the API reference, the contract, the workspace
and health — a JSON index, or a small page for browsers (`Accept: text/html`)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Schema,
)
from litestar.response import Template

from api.web.workspace.i18n import ui_text

__all__ = ["ServiceIndex", "document_index_page", "root"]


class IndexLink(msgspec.Struct, frozen=True, kw_only=True):
    """One part of the server."""

    rel: str
    href: str
    title: str


class ServiceIndex(msgspec.Struct, frozen=True, kw_only=True):
    """What this server is, and where its parts are."""

    name: str
    description: str
    api_version: str
    links: tuple[IndexLink, ...]


_DESCRIPTION = (
    "Vetted medical content, structured, versioned and translated: a delivery API for "
    "apps, kiosks and partner sites, and an editorial workspace behind it."
)
_LINKS = (
    IndexLink(rel="docs", href="/docs", title="API reference"),
    IndexLink(rel="contract", href="/schema/openapi.yaml", title="OpenAPI contract (YAML)"),
    IndexLink(rel="contract-json", href="/schema/openapi.json", title="OpenAPI contract (JSON)"),
    IndexLink(rel="articles", href="/v1/articles", title="Published articles"),
    IndexLink(rel="locales", href="/v1/locales", title="Locales served"),
    IndexLink(rel="workspace", href="/workspace/", title="Editorial workspace"),
    IndexLink(rel="health", href="/healthz", title="Liveness"),
    IndexLink(rel="readiness", href="/readyz", title="Readiness"),
)
_EXAMPLE = ServiceIndex(name="Vetted", description=_DESCRIPTION, api_version="1.0.0", links=_LINKS)


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    # Browsers ask for text/html by name; anything else (curl's */*, clients) gets JSON.
    best = request.accept.best_match(["application/json", "text/html"], default="application/json")
    return best == "text/html"


def document_index_page(schema: OpenAPI) -> None:
    """The index's other form: the same as a small HTML page for browsers."""
    item = (schema.paths or {}).get("/")
    operation = item.get if item is not None else None
    ok = (operation.responses or {}).get("200") if operation is not None else None
    if isinstance(ok, OpenAPIResponse) and ok.content is not None:
        ok.content["text/html"] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))


@get(
    "/",
    operation_id="getIndex",
    tags=["operations"],
    summary="Describe this server and link its parts",
    cache_control=None,
    responses={
        200: ResponseSpec(
            data_container=ServiceIndex,
            generate_examples=False,
            description="The index as JSON; as a small HTML page when `Accept` prefers "
            "`text/html` (a browser).",
            examples=[Example(summary="example", value=msgspec.to_builtins(_EXAMPLE))],
        )
    },
)
async def root(request: Request[Any, Any, Any]) -> Response[Any]:
    """What this server is, with links to its reference, contract, workspace and health."""
    index = ServiceIndex(
        name="Vetted",
        description=_DESCRIPTION,
        api_version=request.app.openapi_config.version if request.app.openapi_config else "",
        links=_LINKS,
    )
    headers = {"Vary": "Accept, Accept-Language", "Cache-Control": "no-cache"}
    if not _wants_html(request):
        return Response(index, headers=headers)
    text = ui_text(request.headers.get("accept-language"))
    return Template(
        template_name="root.html",
        context={"index": index, "lang": text.locale, "dir": text.dir, "_": text.gettext},
        headers=headers,
    )
