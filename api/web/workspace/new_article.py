"""The New article page: a slug, a title and the first sections become a draft of a new
article through the same use case as the API's (`api.actions.drafts.create_article`:
authorise, check, store, audit). A refusal is shown next to the field it names; the
draft then goes through review like any other, and reaches readers only once a second
person publishes it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from api.actions import drafts as actions
from api.core.access import Principal, may
from api.core.errors import ValidationFailed
from api.core.new_article import SECTION_ROWS, article_from_form
from api.web.workspace.base import WorkspaceController
from api.web.workspace.drafting import FormData, form_fields, started
from api.web.workspace.forms import SECTION_FORM, bounds
from api.web.workspace.layout import render, ui

__all__ = ["NEW_ARTICLE_PATH", "NewArticleController", "NewArticlePage"]

NEW_ARTICLE_PATH = "/drafts/new"
_SECTION = re.compile(r"^\$\.article\.sections\[(\d+)\]\.?([a-z_]*)")


@dataclass(frozen=True)
class NewArticlePage:
    """The form, as typed, and what was refused where."""

    fields: dict[str, str] = field(default_factory=dict)
    rows: tuple[int, ...] = tuple(range(SECTION_ROWS))
    errors: dict[str, str] = field(default_factory=dict)
    page_errors: tuple[str, ...] = ()


def _field_of(path: str, fields: dict[str, str]) -> str | None:
    """The form field a refusal's path names (sections count the rows filled in)."""
    if path in ("$.article.slug", "$.article.title", "$.message"):
        return path.rpartition(".")[2]
    found = _SECTION.match(path)
    if found is None:
        return None
    filled = [
        n
        for n in range(SECTION_ROWS)
        if fields.get(f"section-{n}-heading", "").strip()
        or fields.get(f"section-{n}-text", "").strip()
    ]
    index = int(found.group(1))
    row = filled[index] if index < len(filled) else 0
    part = found.group(2)
    return f"section-{row}-{part if part in ('heading', 'id') else 'text'}"


class NewArticleController(WorkspaceController):
    """A new article's first draft."""

    path = NEW_ARTICLE_PATH

    @get("/", sync_to_thread=False)
    def form(
        self, request: Request[Any, Any, Any], principal: NamedDependency[Principal]
    ) -> Template:
        may(principal, "draft.write").enforce()
        return render(
            request, "new_article.html", NewArticlePage(), title=ui(request).gettext("New article")
        )

    @post("/", sync_to_thread=True, opt=bounds(SECTION_FORM))
    def create(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        data: FormData,
    ) -> Template | Redirect:
        may(principal, "draft.write").enforce()
        fields = form_fields(data)
        try:
            article = article_from_form(fields)
            message = fields.get("message", "").strip()
            if not message:
                raise ValidationFailed("say why: the message is required", path="$.message")
            draft = actions.create_article(writer, principal, article, message)
        except ValidationFailed as exc:
            name = _field_of(exc.path, fields)
            page = NewArticlePage(
                fields=fields,
                errors={name: exc.detail} if name else {},
                page_errors=() if name else (exc.detail,),
            )
            text = ui(request)
            return render(
                request,
                "new_article.html",
                page,
                title=text.gettext("New article"),
                status_code=422,
            )
        return started(request, draft)
