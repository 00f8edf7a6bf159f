"""What the pages that edit a draft share (the section editor, the draft's page, the record
editor): the form body they read, the published version a new draft starts from, a draft
loaded for a step of its workflow, and the way back to the draft's page after a save."""

from __future__ import annotations

from typing import Annotated, Any

import sqlite_utils
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from api.core.access import Principal, may
from api.core.errors import NotFound
from api.core.model import Article
from api.core.workflow import DraftAction, article_etag, next_status
from api.store.drafts import Draft, get_draft
from api.store.versions import latest_version, load_article, treatments_number
from api.web.workspace.layout import flash, ui

__all__ = [
    "FormData",
    "form_fields",
    "load_draft_for",
    "published_read",
    "read_numbers",
    "revision_saved",
    "started",
    "to_draft",
]

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def form_fields(data: dict[str, Any]) -> dict[str, str]:
    """A form's fields as text (the last value of a repeated field)."""
    return {k: v if isinstance(v, str) else str(v[-1]) for k, v in data.items() if v is not None}


def published_read(
    writer: sqlite_utils.Database, slug: str, version: int | None, records: int | None
) -> tuple[Article, str, int]:
    """The published version a new draft starts from (the one named, else the head), the
    ETag that names it with the treatment records read, and that set of records."""
    head = latest_version(writer, slug)
    if head is None:
        raise NotFound(f"no published article {slug!r}")
    number = version if version is not None and 1 <= version <= head.number else head.number
    current = treatments_number(writer)
    records_read = records if records is not None and 0 <= records <= current else current
    return (
        load_article(writer, slug, number),
        article_etag(slug, number, records_read),
        records_read,
    )


def read_numbers(read: str, slug: str) -> tuple[int | None, int | None]:
    prefix = f'"article-{slug}-v'
    if not read.startswith(prefix) or not read.endswith('"'):
        return None, None
    version, _, records = read[len(prefix) : -1].partition("-t")
    if version.isdigit() and records.isdigit():
        return int(version), int(records)
    return None, None


def load_draft_for(
    writer: sqlite_utils.Database, principal: Principal, draft_id: int, step: DraftAction
) -> tuple[Draft, Article]:
    """A draft and its article, for a writer about to take `step` (else Forbidden, NotFound
    or the workflow's Conflict)."""
    may(principal, "draft.write").enforce()
    draft, article = get_draft(writer, draft_id)
    next_status(draft.status, step)
    return draft, article


def to_draft(request: Request[Any, Any, Any], draft_id: int, said: str) -> Redirect:
    """Back to the draft's page (303), saying `said` there once."""
    return Redirect(
        f"/workspace/drafts/{draft_id}",
        status_code=303,
        cookies=[flash(request, said)],
    )


def started(request: Request[Any, Any, Any], draft: Draft) -> Redirect:
    """To the page of a draft just started."""
    return to_draft(request, draft.id, ui(request).gettext("Draft %(id)s started.", id=draft.id))


def revision_saved(request: Request[Any, Any, Any], draft_id: int, revision: int) -> Redirect:
    """To the draft's page after a revision was saved."""
    text = ui(request)
    return to_draft(request, draft_id, text.gettext("Revision %(n)s saved.", n=revision))
