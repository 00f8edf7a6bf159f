"""Published history of an article: its versions and what changed between two of them."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response.base import ASGIResponse

from api.core.changes import FieldChange, outside_sections
from api.core.diff import SectionChange, diff_articles
from api.core.errors import InvalidParameter, NotFound
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
from api.web.sending import NOT_MODIFIED, PINNED, send_bytes

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
            **problem_responses(400, 404),
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
            raise NotFound(f"no published article {slug!r}")
        return send_bytes(request, _encode(rows))

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
            **problem_responses(400, 404),
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
