"""A draft as the management API answers with it: its id in a path, its state and content,
and the response that carries its ETag (the drafts' routes and the scheduling routes)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Response
from litestar.openapi.spec import Example
from litestar.params import PathParameter

from api.core.model import Article, TreatmentCatalog
from api.store.drafts import Draft
from api.web.examples import MAX_ID

__all__ = ["DraftId", "DraftOut", "draft_response"]

DraftId = Annotated[
    int, PathParameter(ge=1, le=MAX_ID, examples=[Example(summary="first draft", value=1)])
]


class DraftOut(msgspec.Struct, frozen=True, kw_only=True):
    """A draft's state (and its content when fetched alone)."""

    id: int
    slug: str
    status: str
    author: str
    revision: int
    base_version: int
    content_hash: str
    comment: str | None
    created_at: str
    updated_at: str
    head_version: int
    treatments_base: int
    treatments_head: int
    etag: str
    article: Article | None = None
    treatments: TreatmentCatalog | None = None
    rollback_to: int | None = None
    """For a rollback: the version whose article and treatment records it brings back."""
    summary: str | None = None
    """What the author said the draft does when sending it to review (the workspace's
    "Send to review" asks for it); the published version's message."""


def draft_response(
    draft: Draft, article: Article | None = None, treatments: TreatmentCatalog | None = None
) -> Response[DraftOut]:
    """A draft as the API answers with it, its ETag in the header too."""
    body = DraftOut(
        **msgspec.structs.asdict(draft), etag=draft.etag, article=article, treatments=treatments
    )
    return Response(body, headers={"ETag": draft.etag})
