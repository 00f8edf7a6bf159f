"""Offline delivery for kiosks and apps: a whole-locale bundle and delta sync by cursor."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import Parameter, PathParameter
from litestar.response.base import ASGIResponse

from api.core.errors import NotFound
from api.core.sync import Bundle, Changes
from api.store.reader import Reader
from api.web import examples
from api.web.locale_params import AcceptLanguage, LocaleParam, resolve_locale
from api.web.problems import problem_responses
from api.web.sending import NOT_MODIFIED, send_document

__all__ = ["SyncController"]

_MAX_CURSOR = 2**53  # the largest integer every JSON client reads exactly


class SyncController(Controller):
    """Everything a kiosk needs in one request, then only what changed."""

    path = "/v1"
    tags = ["delivery"]  # noqa: RUF012

    @get(
        "/bundles/{locale:str}",
        operation_id="getBundle",
        summary="Get the offline bundle of a locale",
        description="Every published article and treatment in the locale, its locale "
        "metadata and the sync `cursor` to pass to `/v1/changes` next time. An unsupported "
        "but valid locale (`es-MX`) gets the bundle of the nearest locale on its CLDR "
        "fallback chain; `Content-Language` says which.",
        responses={
            200: examples.ok(
                Bundle,
                examples.BUNDLE,
                "The bundle, spliced from the documents rendered at publish time.",
            ),
            **NOT_MODIFIED,
            **problem_responses(400, 404, locale=True),
        },
    )
    async def get_bundle(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        locale: Annotated[
            str,
            PathParameter(
                max_length=64,
                examples=[
                    Example(summary="Spanish", value="es"),
                    Example(summary="Mexican Spanish, served from es", value="es-MX"),
                ],
            ),
        ],
    ) -> ASGIResponse:
        tag = resolve_locale(reader, locale, None)
        document = await reader.bundle(tag)
        if document is None:
            raise NotFound(f"no bundle for {tag!r}: nothing is published yet")
        # The path names the locale: the bundle does not vary by Accept-Language.
        return send_document(request, document, locale=tag, negotiated=False)

    @get(
        "/changes",
        operation_id="listChanges",
        summary="List what changed since a cursor",
        description="The articles and treatments of the locale that changed after `since` "
        "(whole documents, to replace what the client holds), items withdrawn since then "
        "(`removed`), the locale metadata if it changed, and the new `cursor`. `since=0` "
        "gives everything. A cursor ahead of the server's (e.g. after a restore) is a 400: "
        "fetch the bundle again. With `patches=true`, an item the client already holds "
        "comes as a JSON Patch (RFC 6902) in `patches` when that is smaller: a "
        "one-paragraph correction moves the paragraph, not the article. Without it the "
        "answer is as it always was.",
        responses={
            200: examples.ok(
                Changes,
                examples.CHANGES,
                "Changes since the cursor.",
                more={"with patches=true": examples.CHANGES_PATCHED},
            ),
            **NOT_MODIFIED,
            **problem_responses(400, 503, locale=True, queued=True),
        },
    )
    async def list_changes(
        self,
        request: Request[Any, Any, Any],
        reader: NamedDependency[Reader],
        since: Annotated[
            int,
            Parameter(ge=0, le=_MAX_CURSOR, description="The cursor the client last received."),
        ],
        locale: LocaleParam = None,
        accept_language: AcceptLanguage = None,
        patches: Annotated[
            bool,
            Parameter(
                description="Send each changed item the client already holds as a JSON Patch "
                "(RFC 6902) in `patches`, where that is smaller than the item. Clients that "
                "leave it out get whole documents, as before.",
                examples=[Example(summary="patches", value=True)],
            ),
        ] = False,
    ) -> ASGIResponse:
        tag = resolve_locale(reader, locale, accept_language)
        answer = await reader.changes(since, tag, patches)
        return send_document(request, answer, locale=tag)
