"""`/`: what this server is, with links to the API reference, the contract, the workspace
and health — a small page for browsers, a JSON index for `Accept: application/json`."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.response import Template

from api.web.workspace.i18n import ui_text

__all__ = ["ServiceIndex", "root"]


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


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    best = request.accept.best_match(["text/html", "application/json"], default="text/html")
    return best == "application/json"


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
            description="The index, as JSON when `Accept` prefers `application/json`; "
            "otherwise (a browser) the same as an HTML page.",
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
    if _wants_json(request):
        return Response(index, headers=headers)
    text = ui_text(request.headers.get("accept-language"))
    return Template(
        template_name="root.html",
        context={"index": index, "lang": text.locale, "dir": text.dir, "_": text.gettext},
        headers=headers,
    )
