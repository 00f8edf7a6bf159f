"""Published history of an article: its versions and what changed between two of them."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import sqlite_utils
from litestar import Controller, Request, get
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response.base import ASGIResponse

from api.core.changes import FieldChange, outside_sections
from api.core.diff import SectionChange, diff_articles
from api.core.errors import InvalidParameter, NotFound
from api.store.people import display_names
from api.store.reader import Reader
from api.store.versions import (
    VersionRow,
    load_article,
    load_treatments,
    published_versions,
    version_row,
)
from api.web import examples
from api.web.problems import problem_responses
from api.web.sending import NOT_MODIFIED, PINNED, missing, send_bytes

__all__ = ["ArticleDiff", "HistoryController"]

_encode = msgspec.json.Encoder().encode
Version = Annotated[int, QueryParameter(ge=1, le=1_000_000)]


class ArticleDiff(msgspec.Struct, frozen=True, kw_only=True):
    """Section-level changes from one published version to another (source language)."""

    slug: str
    from_version: int
    to_version: int
    changes: tuple[SectionChange, ...]
    fields: tuple[FieldChange, ...] = ()
    """Changes beside the sections: `title`, `audience`, and `treatment:<id>` for each
    treatment record that differs between the sets the two versions were published with."""


def _published(db: sqlite_utils.Database, slug: str, number: int) -> VersionRow | None:
    try:
        row = version_row(db, slug, number)
    except NotFound:
        return None
    return row if row.status == "published" else None


def _public(db: sqlite_utils.Database, row: VersionRow) -> VersionRow:
    """A version as readers see it: people by the names their accounts show (a display
    name where one is set), never the names they sign in with."""
    shown = display_names(db, {*row.authors, row.author, row.reviewer or row.author})
    return msgspec.structs.replace(
        row,
        author=shown[row.author],
        reviewer=shown[row.reviewer] if row.reviewer else None,
        authors=tuple(shown[a] for a in row.authors),
    )


class HistoryController(Controller):
    """Versions and diffs of published articles."""

    path = "/v1/articles/{slug:str}"
    tags = ["delivery"]  # noqa: RUF012

    @get(
        "/versions",
        operation_id="listVersions",
        summary="List published versions",
        responses={
            200: examples.ok(
                list[VersionRow], examples.VERSIONS, "Published versions, oldest first."
            ),
            **NOT_MODIFIED,
            **problem_responses(400, 404, 410),
        },
    )
    async def versions(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        slug: examples.SlugPath,
    ) -> ASGIResponse:
        """Every published version, oldest first."""
        rows = published_versions(reader.db, slug)
        if not rows:
            raise missing(reader, "article", slug, None, f"no published article {slug!r}")
        return send_bytes(request, _encode([_public(reader.db, row) for row in rows]))

    @get(
        "/diff",
        operation_id="diffVersions",
        summary="Diff two published versions",
        responses={
            200: examples.ok(
                ArticleDiff,
                examples.DIFF,
                "Added, removed, moved and changed sections, with the "
                "old and new text of changed blocks.",
            ),
            **NOT_MODIFIED,
            **problem_responses(400, 404, 410),
        },
    )
    async def diff(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        slug: examples.SlugPath,
        from_version: Annotated[int, QueryParameter(name="from", ge=1, le=1_000_000)],
        to_version: Annotated[int, QueryParameter(name="to", ge=1, le=1_000_000)],
    ) -> ASGIResponse:
        """What changed from `from` to `to` (both published), section by section."""
        if from_version == to_version:
            raise InvalidParameter("to", "must differ from `from`")
        db = reader.db
        for number in (from_version, to_version):
            row = _published(db, slug, number)
            if row is None:
                raise missing(
                    reader, "article", slug, number, f"article {slug!r} has no version {number}"
                )
        old, new = load_article(db, slug, from_version), load_article(db, slug, to_version)
        records = [
            load_treatments(db, version_row(db, slug, number).treatments or 1)
            for number in (from_version, to_version)
        ]
        # Word diffs of a large version take tens of milliseconds: not on the event loop.
        changes = await sync_to_thread(lambda: tuple(diff_articles(old, new)))
        body = ArticleDiff(
            slug=slug,
            from_version=from_version,
            to_version=to_version,
            changes=changes,
            fields=outside_sections(old, new, *records),
        )
        return send_bytes(request, _encode(body), cache_control=PINNED)
