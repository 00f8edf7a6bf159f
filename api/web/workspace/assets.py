"""The workspace's stylesheet and script, served from our own origin at URLs carrying a
hash of their content, so they are cached for a year and a change is a new URL."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

__all__ = ["ASSETS", "static_asset", "static_url"]

STATIC_PATH = "/workspace/static"
_ROUTE = "/static/{name:str}"
_DIR = Path(__file__).resolve().parent / "static"
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    """A file and the hash its URL carries."""

    body: bytes
    media_type: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:16]


ASSETS: dict[str, Asset] = {
    path.name: Asset(path.read_bytes(), _TYPES[path.suffix])
    for path in sorted(_DIR.iterdir())
    if path.suffix in _TYPES
}


def static_url(name: str) -> str:
    """The fingerprinted URL of an asset (a template global)."""
    return f"{STATIC_PATH}/{name}?v={ASSETS[name].version}"


@get(_ROUTE, include_in_schema=False, sync_to_thread=False)
def static_asset(
    request: Request[Any, Any, Any], name: Annotated[str, PathParameter()]
) -> Response[bytes]:
    """A stylesheet or script; immutable only at its hashed URL."""
    asset = ASSETS.get(name)
    if asset is None:
        raise NotFoundException(f"no asset {name!r}")
    hashed = request.query_params.get("v") == asset.version
    return Response(
        asset.body,
        media_type=asset.media_type,
        headers={"Cache-Control": IMMUTABLE if hashed else "no-cache"},
    )
