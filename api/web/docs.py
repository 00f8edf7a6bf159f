"""The API reference at `/docs`: Swagger UI from the `swagger-ui-py` package, served from
our own origin so it works on a clinic or kiosk network without internet."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter
from litestar.response import Redirect

__all__ = ["ASSETS", "DOCS_PATH", "docs_asset", "docs_page", "old_docs_page"]

DOCS_PATH = "/docs"
_SCHEMA_URL = "/schema/openapi.json"
# Our own start-up script (no inline script: the page's policy allows only 'self').
_START = b"""\
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: document.body.dataset.schema,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
"""
_STYLE = b"""\
html { box-sizing: border-box; overflow-y: scroll; }
*, *::before, *::after { box-sizing: inherit; }
body { margin: 0; background: #fafafa; }
"""


@dataclass(frozen=True)
class Asset:
    """A file of the reference, with the hash its URL carries."""

    body: bytes
    media_type: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:16]


def _packaged(name: str) -> bytes:
    return (files("swagger_ui") / "static" / name).read_bytes()


ASSETS: dict[str, Asset] = {
    "swagger-ui-bundle.js": Asset(_packaged("swagger-ui-bundle.js"), "text/javascript"),
    "swagger-ui.css": Asset(_packaged("swagger-ui.css"), "text/css"),
    "favicon-32x32.png": Asset(_packaged("favicon-32x32.png"), "image/png"),
    "start.js": Asset(_START, "text/javascript"),
    "page.css": Asset(_STYLE, "text/css"),
}


def _url(name: str) -> str:
    return f"{DOCS_PATH}/assets/{name}?v={ASSETS[name].version}"


_PAGE = f"""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vetted API reference</title>
<link rel="stylesheet" href="{_url("swagger-ui.css")}">
<link rel="stylesheet" href="{_url("page.css")}">
<link rel="icon" type="image/png" href="{_url("favicon-32x32.png")}">
<script src="{_url("swagger-ui-bundle.js")}" defer></script>
<script src="{_url("start.js")}" defer></script>
</head>
<body data-schema="{_SCHEMA_URL}">
<div id="swagger-ui"><noscript><p>The API reference needs JavaScript. The contract itself is
<a href="/schema/openapi.yaml">/schema/openapi.yaml</a>.</p></noscript></div>
</body>
</html>
""".encode()


@get(DOCS_PATH, include_in_schema=False, cache_control=None)
async def docs_page() -> Response[bytes]:
    """The interactive API reference."""
    return Response(_PAGE, media_type="text/html", headers={"Cache-Control": "no-cache"})


@get(f"{DOCS_PATH}/assets/{{name:str}}", include_in_schema=False)
async def docs_asset(
    request: Request[Any, Any, Any], name: Annotated[str, PathParameter()]
) -> Response[bytes]:
    """A script, style or icon of the reference; immutable at its hashed URL."""
    asset = ASSETS.get(name)
    if asset is None:
        raise NotFoundException(f"no asset {name!r}")
    hashed = request.query_params.get("v") == asset.version
    return Response(
        asset.body,
        media_type=asset.media_type,
        headers={"Cache-Control": "public, max-age=31536000, immutable" if hashed else "no-cache"},
    )


@get("/schema/docs", include_in_schema=False)
async def old_docs_page() -> Redirect:
    """The reference's earlier address."""
    return Redirect(DOCS_PATH)
