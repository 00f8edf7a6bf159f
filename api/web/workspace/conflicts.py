"""Resolving a draft's conflicts with a newer published version, block by block: for each
unit both sides changed, the author keeps theirs, takes the published one or, for a text
(a paragraph, a callout, a heading), writes one combining both. The result is the same
three-way merge publishing uses, saved as a revision based on the head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from api.actions import drafts as actions
from api.core.access import Principal, may
from api.core.merge import Combined, MergeConflict, Resolution, Side, units
from api.core.model import Article, Callout, Paragraph
from api.core.text import nfc
from api.store.drafts import get_draft, merged_content
from api.web.workspace.base import WorkspaceController
from api.web.workspace.changes_view import ConflictView, conflict_view
from api.web.workspace.drafting import to_draft
from api.web.workspace.forms import CONFLICTS_FORM, bounds
from api.web.workspace.layout import render, ui

__all__ = ["ConflictsController"]

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
_SIDES: tuple[Side, ...] = ("draft", "head")
_COMBINED = "combined"


@dataclass(frozen=True)
class ConflictChoice:
    """A conflict as the page offers it: both changes, and whether a combined text may be
    written (with what the box starts from: the published text, so nothing published is
    dropped unless the author removes it)."""

    view: ConflictView
    combinable: bool
    combined: str


@dataclass(frozen=True)
class ResolvePage:
    """The draft's conflicts, each with the author's and the published change."""

    draft_id: int
    etag: str
    base_version: int
    head_version: int
    conflicts: tuple[ConflictChoice, ...]
    unresolved: tuple[str, ...]
    message: str


def _combinable(article: Article, conflict: MergeConflict) -> bool:
    """A unit a person can combine by writing its text: a heading, or a paragraph or
    callout both sides still have."""
    if conflict.draft is None or conflict.head is None:
        return False
    if conflict.unit.startswith("heading:"):
        return True
    value = units(article).get(conflict.unit)
    return conflict.unit.startswith("block:") and isinstance(value, Paragraph | Callout)


def _choices(
    article: Article, conflicts: tuple[MergeConflict, ...], typed: dict[str, str]
) -> tuple[ConflictChoice, ...]:
    return tuple(
        ConflictChoice(
            view=conflict_view(c),
            combinable=_combinable(article, c),
            combined=typed.get(c.unit, c.head or ""),
        )
        for c in conflicts
    )


def _resolutions(article: Article, data: dict[str, Any]) -> dict[str, Resolution]:
    """The author's choice per unit: a side, or the combined text they wrote (a combined
    text left empty is no choice)."""
    chosen: dict[str, Resolution] = {}
    drafted = units(article)
    for name, value in data.items():
        if not name.startswith("take:"):
            continue
        unit = name.removeprefix("take:")
        if value in _SIDES:
            chosen[unit] = value
        elif value == _COMBINED:
            text = nfc(str(data.get(f"combined:{unit}") or "").strip())
            if not text:
                continue
            if unit.startswith("heading:"):
                chosen[unit] = Combined(text)
            elif isinstance(block := drafted.get(unit), Paragraph | Callout):
                chosen[unit] = Combined(msgspec.structs.replace(block, text=text))
    return chosen


class ConflictsController(WorkspaceController):
    """Conflicts of a draft with the published head, resolved unit by unit."""

    path = "/drafts/{draft_id:int}/resolve"

    def _page(
        self,
        writer: sqlite_utils.Database,
        draft_id: int,
        unresolved: tuple[str, ...] = (),
        message: str = "",
        typed: dict[str, str] | None = None,
    ) -> ResolvePage:
        draft, article = get_draft(writer, draft_id)
        _, merged = merged_content(writer, draft)
        return ResolvePage(
            draft_id=draft_id,
            etag=draft.etag,
            base_version=draft.base_version,
            head_version=draft.head_version,
            conflicts=_choices(article, merged.conflicts, typed or {}),
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
        may(principal, "draft.write").enforce()  # before reading the draft
        text = ui(request)
        draft, article = get_draft(writer, draft_id)
        chosen = _resolutions(article, data)
        message = str(data.get("message") or "").strip() or text.gettext(
            "Resolve conflicts with version %(n)s", n=draft.head_version
        )
        etag = data.get("etag")
        saved = actions.resolve_conflicts(
            writer, principal, draft_id, etag if isinstance(etag, str) else None, chosen, message
        )
        if isinstance(saved, tuple):  # units still unresolved: nothing was saved
            missing = saved
            typed = {
                name.removeprefix("combined:"): str(value)
                for name, value in data.items()
                if name.startswith("combined:")
            }
            page = self._page(writer, draft_id, missing, message, typed)
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
