"""A preview link read by someone without an account: the one draft revision it names,
rendered in its locale, each view audited; nothing once it expired, was revoked or the
draft changed. Never cached or indexed, and no referrer leaves the page (the security
headers of /preview: `api.web.security`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlite_utils
from litestar import Controller, Request, Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter
from litestar.response import Template

from api.store.previews import LinkState, SharedPreview, Why, open_preview_link
from api.web.auth import provide_writer
from api.web.workspace.errors import workspace_exception_handlers
from api.web.workspace.layout import N_, render, ui
from api.web.workspace.urls import SHARED_PATH

__all__ = ["WHY", "SharedPreviewController", "shared_preview_router"]

WHY: dict[Why, str] = {
    "unknown": N_("This preview link is not valid."),
    "revoked": N_("This preview link was revoked."),
    "expired": N_("This preview link has expired."),
    "closed": N_("This draft is no longer open for review."),
    "changed": N_("The draft has changed since this link was made: ask for a new link."),
}

_Secret = Annotated[str, PathParameter(max_length=100)]


@dataclass(frozen=True)
class GonePage:
    """Why a link shows nothing."""

    reason: str


class SharedPreviewController(Controller):
    """GET /preview/<secret>: no session, no CSRF (nothing is posted)."""

    path = "/"
    dependencies = {"writer": Provide(provide_writer)}  # noqa: RUF012

    @get("/{secret:str}", sync_to_thread=True)
    def shared(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        secret: _Secret,
    ) -> Template:
        """The draft revision the link names, or why there is nothing to see."""
        opened: SharedPreview | LinkState = open_preview_link(writer, secret)
        text = ui(request)
        if isinstance(opened, LinkState):
            why = opened.why or "unknown"
            return render(
                request,
                "shared_gone.html",
                GonePage(reason=text.gettext(WHY[why])),
                title=text.gettext("Preview not available"),
                status_code=404 if why == "unknown" else 410,
            )
        return render(
            request,
            "shared_preview.html",
            opened,
            title=text.gettext("Preview: %(title)s", title=opened.article.title.text),
        )


def shared_preview_router() -> Router:
    """The preview links' route, outside the OpenAPI contract and the workspace session."""
    return Router(
        path=SHARED_PATH,
        route_handlers=[SharedPreviewController],
        include_in_schema=False,
        exception_handlers=workspace_exception_handlers,
    )
