"""Previews: a draft as readers will get it once published, in any served locale, for
people signed in; and the preview links that show one revision of it to an outside
clinician without an account (made, listed and revoked here; read at /preview/<secret>,
see `shared`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.core.access import Principal, may
from api.core.errors import ValidationFailed
from api.core.output import ArticleOut
from api.store.drafts import Draft
from api.store.previews import (
    LINK_LIFETIMES,
    LinkState,
    PreviewLink,
    create_preview_link,
    draft_preview,
    link_state,
    preview_links,
    revoke_preview_link,
)
from api.store.schema import snapshot
from api.store.translations import rendered_locales
from api.store.versions import now
from api.web.workspace.base import WorkspaceController
from api.web.workspace.drafting import FormData, form_fields
from api.web.workspace.forms import COMMENT_FORM, bounds
from api.web.workspace.layout import flash, render, ui
from api.web.workspace.session import WORKSPACE_PATH
from api.web.workspace.urls import SHARED_PATH

__all__ = ["SHARED_PATH", "PreviewController", "PreviewPage", "preview_url"]

_Locale = Annotated[str | None, QueryParameter(required=False, max_length=35)]


def preview_url(draft_id: int, locale: str | None = None) -> str:
    return f"{WORKSPACE_PATH}/drafts/{draft_id}/preview" + (f"?locale={locale}" if locale else "")


@dataclass(frozen=True)
class LinkLine:
    """A preview link as listed: whether it still shows the draft, and why not."""

    link: PreviewLink
    state: LinkState


@dataclass(frozen=True)
class PreviewPage:
    """A draft rendered in one locale, and its preview links (a new one's URL, once)."""

    draft: Draft
    article: ArticleOut
    locale: str
    locales: tuple[str, ...]
    links: tuple[LinkLine, ...]
    share_refusal: str | None
    lifetimes: tuple[int, ...]
    created: PreviewLink | None = None
    created_url: str | None = None
    errors: dict[str, str] | None = None
    recipient: str = ""


def _page(
    db: sqlite_utils.Database,
    principal: Principal,
    draft_id: int,
    locale: str | None,
    **extra: Any,
) -> PreviewPage:
    with snapshot(db):
        draft, article = draft_preview(db, draft_id, locale or "en")
        at = now()
        return PreviewPage(
            draft=draft,
            article=article,
            locale=article.locale,
            locales=tuple(rendered_locales(db)),
            links=tuple(
                LinkLine(link=link, state=link_state(link, draft, at))
                for link in preview_links(db, draft_id)
            ),
            share_refusal=may(principal, "draft.share").reason,
            lifetimes=LINK_LIFETIMES,
            **extra,
        )


def _shown(request: Request[Any, Any, Any], page: PreviewPage, status: int = 200) -> Template:
    text = ui(request)
    title = text.gettext(
        "Preview of draft %(id)s (%(locale)s)", id=page.draft.id, locale=page.locale
    )
    return render(
        request,
        "preview.html",
        page,
        title=title,
        status_code=status,
    )


class PreviewController(WorkspaceController):
    """A draft's preview in any locale; its preview links made and revoked."""

    path = "/"

    @get("/drafts/{draft_id:int}/preview", sync_to_thread=True)
    def preview(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        locale: _Locale = None,
    ) -> Template:
        """The draft as readers of `locale` will get it when it is published."""
        may(principal, "draft.read").enforce()
        return _shown(request, _page(writer, principal, draft_id, locale))

    @post("/drafts/{draft_id:int}/preview-links", sync_to_thread=True, opt=bounds(COMMENT_FORM))
    def share(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        draft_id: FromPath[int],
        data: FormData,
    ) -> Template:
        """Make a link for someone without an account; its URL is shown this once."""
        fields = form_fields(data)
        locale = fields.get("locale", "en")
        days_text = fields.get("days", "")
        days = int(days_text) if days_text.isdigit() else 0
        recipient = fields.get("recipient", "")
        try:
            link, secret = create_preview_link(
                writer, principal, draft_id, locale=locale, recipient=recipient, days=days
            )
        except ValidationFailed as exc:
            field = exc.path.removeprefix("$.")
            page = _page(
                writer, principal, draft_id, locale, errors={field: exc.detail}, recipient=recipient
            )
            return _shown(request, page, 422)
        base = str(request.base_url).rstrip("/")
        page = _page(
            writer,
            principal,
            draft_id,
            locale,
            created=link,
            created_url=f"{base}{SHARED_PATH}/{secret}",
        )
        return _shown(request, page, 201)

    @post("/preview-links/{link_id:int}/revoke", sync_to_thread=True, opt=bounds(COMMENT_FORM))
    def revoke(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        link_id: FromPath[int],
    ) -> Redirect:
        """Revoke a link at once: its next view shows nothing."""
        link = revoke_preview_link(writer, principal, link_id)
        said = ui(request).gettext(
            "The link for %(who)s is revoked: it shows nothing from now on.", who=link.recipient
        )
        return Redirect(
            preview_url(link.draft_id, link.locale),
            status_code=303,
            cookies=[flash(request, said)],
        )
