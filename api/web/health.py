"""Operations routes: liveness and readiness."""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from api.store.reader import Reader

__all__ = ["Health", "healthz", "readyz"]


class Health(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the process is up, or ready to serve content."""

    status: str


@get(
    "/healthz",
    operation_id="healthz",
    tags=["operations"],
    summary="Check that the process is up",
    cache_control=None,
)
async def healthz() -> Health:
    """The process is up and answering."""
    return Health(status="ok")


@get(
    "/readyz",
    operation_id="readyz",
    tags=["operations"],
    summary="Check that the server is ready to serve content",
    responses={
        503: ResponseSpec(
            data_container=Health,
            description="Not ready yet: the database is not migrated or holds no content.",
        )
    },
)
async def readyz(reader: NamedDependency[Reader]) -> Response[Health]:
    """Ready once the database is migrated and holds content (published or withdrawn)."""
    if reader.ready():
        return Response(Health(status="ready"))
    return Response(Health(status="not-ready"), status_code=503)
