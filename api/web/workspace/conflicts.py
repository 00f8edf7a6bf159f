"""Resolving a draft's conflicts with a newer published version, block by block: for each
unit both sides changed, the author keeps theirs or takes the published one. The result is
the same three-way merge publishing uses, saved as a revision based on the head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from api.actions import drafts as actions
from api.core.access import Principal, may
from api.core.merge import Side
from api.store.drafts import get_draft, merged_content
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import ConflictView, conflict_view
from api.web.workspace.drafting import to_draft
from api.web.workspace.forms import CONFLICTS_FORM, bounds
from api.web.workspace.layout import render, ui

__all__ = ["ConflictsController"]

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
_SIDES: tuple[Side, ...] = ("draft", "head")


@dataclass(frozen=True)
class ResolvePage:
    """The draft's conflicts, each with the author's and the published change."""

    draft_id: int
    etag: str
    base_version: int
    head_version: int
    conflicts: tuple[ConflictView, ...]
    unresolved: tuple[str, ...]
    message: str


class ConflictsController(WorkspaceController):
    """Conflicts of a draft with the published head, resolved unit by unit."""

    path = "/drafts/{draft_id:int}/resolve"

    def _page(
        self,
        writer: sqlite_utils.Database,
        draft_id: int,
        unresolved: tuple[str, ...] = (),
        message: str = "",
    ) -> ResolvePage:
        draft, _ = get_draft(writer, draft_id)
        _, merged = merged_content(writer, draft)
        return ResolvePage(
            draft_id=draft_id,
            etag=draft.etag,
            base_version=draft.base_version,
            head_version=draft.head_version,
            conflicts=tuple(conflict_view(c) for c in merged.conflicts),
            unresolved=unresolved,
            message=message,
        )

    @get("/", sync_to_thread=True)
    def show(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
    ) -> Template:
        may(principal, "draft.write").enforce()
        page = self._page(writer, draft_id)
        text = ui(request)
        return render(request, "resolve.html", page, title=text.gettext("Resolve conflicts"))

    @post("/", sync_to_thread=True, opt=bounds(CONFLICTS_FORM))
    def resolve(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        text = ui(request)
        draft, _ = get_draft(writer, draft_id)
        chosen: dict[str, Side] = {}
        for name, value in data.items():
            if name.startswith("take:") and value in _SIDES:
                chosen[name.removeprefix("take:")] = value
        message = str(data.get("message") or "").strip() or text.gettext(
            "Resolve conflicts with version %(n)s", n=draft.head_version
        )
        etag = data.get("etag")
        saved = actions.resolve_conflicts(
            writer, principal, draft_id, etag if isinstance(etag, str) else None, chosen, message
        )
        if isinstance(saved, tuple):  # units still unresolved: nothing was saved
            page = self._page(writer, draft_id, saved, message)
            return render(
                request,
                "resolve.html",
                page,
                title=text.gettext("Resolve conflicts"),
                status_code=422,
            )
        said = text.gettext(
            "Conflicts resolved: revision %(n)s is based on version %(v)s.",
            n=saved.revision,
            v=saved.base_version,
        )
        return to_draft(request, draft_id, said)
