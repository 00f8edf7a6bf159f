"""Where each workspace page lives: one place, so pages link to each other (including the
editing and review pages other controllers serve) without spelling paths twice."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from api.web.workspace.session import WORKSPACE_PATH

__all__ = [
    "SHARED_PATH",
    "article_edit_url",
    "article_url",
    "catalog_entry_url",
    "catalog_review_url",
    "catalog_url",
    "dashboard_url",
    "draft_url",
    "history_url",
    "review_confirm_url",
    "review_url",
    "rollback_url",
]


SHARED_PATH = "/preview"
"""Where a preview link is read, outside the workspace (no account)."""


def dashboard_url() -> str:
    return f"{WORKSPACE_PATH}/dashboard"


def article_url(slug: str, version: int | None = None, locale: str | None = None) -> str:
    query = {k: v for k, v in (("version", version), ("locale", locale)) if v is not None}
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{WORKSPACE_PATH}/articles/{quote(slug)}{suffix}"


def article_edit_url(slug: str, section_id: str) -> str:
    """The section editor that starts a draft from the published version (the editing
    pages; the query names the version and records read)."""
    return f"{WORKSPACE_PATH}/articles/{quote(slug)}/edit/{quote(section_id)}"


def history_url(slug: str) -> str:
    return f"{WORKSPACE_PATH}/articles/{quote(slug)}/history"


def review_confirm_url(slug: str) -> str:
    return f"{WORKSPACE_PATH}/articles/{quote(slug)}/review"


def rollback_url(slug: str) -> str:
    return f"{WORKSPACE_PATH}/articles/{quote(slug)}/rollback"


def draft_url(draft_id: int) -> str:
    """The draft editor (the editing pages)."""
    return f"{WORKSPACE_PATH}/drafts/{draft_id}"


def review_url(draft_id: int) -> str:
    """The review page of a draft (the editing pages)."""
    return f"{WORKSPACE_PATH}/drafts/{draft_id}/review"


def catalog_url(locale: str) -> str:
    """The translator's page of a locale (the editing pages)."""
    return f"{WORKSPACE_PATH}/catalogs/{quote(locale)}"


def catalog_review_url(locale: str) -> str:
    """The review page of a locale's pending catalog (the editing pages)."""
    return f"{WORKSPACE_PATH}/catalogs/{quote(locale)}/review"


def catalog_entry_url(locale: str, key: str) -> str:
    """The page that edits one message of a locale's catalog (`entry_key` names it)."""
    return f"{WORKSPACE_PATH}/catalogs/{quote(locale)}/entries/{quote(key)}"
