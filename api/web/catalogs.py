"""Translator routes: export a locale's catalog, upload one for review, approve it."""

from __future__ import annotations

import sqlite_utils
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIType,
    RequestBody,
    Schema,
)
from litestar.params import RawBody

from api.core.access import Principal, authorize
from api.core.catalog import parse_catalog
from api.core.errors import InvalidLocale, ValidationFailed
from api.core.messages import known_contexts
from api.core.negotiation import canonical_locale
from api.store.catalogs import PendingCatalog, approve_catalog, pending_catalog, stage_catalog
from api.store.exporting import export_catalog, published_content
from api.web.auth import BEARER, provide_principal, provide_writer, require_token
from api.web.examples import LocalePath
from api.web.manage import IfMatch
from api.web.problems import problem_responses

__all__ = ["CatalogsController", "document_catalog_upload"]

PO_MEDIA_TYPE = "text/x-gettext-translation"
PO_EXAMPLE = """\
msgid ""
msgstr ""
"Language: es\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

#. Section: introduction (paragraph)
msgctxt "stem-cell-therapy-for-hair-loss/introduction/p1"
msgid ""
"Stem cell therapy for hair loss is a revolutionary approach that taps into "
"the body’s natural regenerative abilities to restore thinning hair and "
"revitalize dormant follicles."
msgstr ""
"""


def _locale(value: str) -> str:
    """The stored code of a locale in the path (`de-DE` is `de`); 400 for a code CLDR
    does not know."""
    try:
        return canonical_locale(value)
    except ValueError as exc:
        raise InvalidLocale("locale", value, ["a locale CLDR knows, e.g. es, pt-PT"]) from exc


class CatalogsController(Controller):
    """Catalog export, upload (pending) and approval per locale."""

    path = "/v1/manage/catalogs"
    tags = ["translation"]  # noqa: RUF012
    security = [{BEARER: []}]  # noqa: RUF012
    guards = [require_token]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "writer": Provide(provide_writer),
        "principal": Provide(provide_principal, sync_to_thread=False),
    }

    @get(
        "/{locale:str}",
        operation_id="exportCatalog",
        sync_to_thread=True,
        media_type=PO_MEDIA_TYPE,
        responses={
            200: ResponseSpec(
                data_container=str,
                generate_examples=False,
                examples=[Example(summary="es", value=PO_EXAMPLE)],
                media_type=PO_MEDIA_TYPE,
                description="The locale's catalog made from the current "
                "published source: translated, untranslated (empty) "
                "and stale (fuzzy, with the old msgid) entries.",
            ),
            **problem_responses(400, 401, 403),
        },
    )
    def export(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
    ) -> Response[bytes]:
        """Download a locale's .po to translate."""
        authorize(principal, "catalog.read")
        tag = _locale(locale)
        body = export_catalog(writer, tag, published_content(writer))
        return Response(
            body,
            media_type=PO_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{tag}.po"'},
        )

    @put(
        "/{locale:str}",
        operation_id="uploadCatalog",
        status_code=202,
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 413, 422),
    )
    def upload(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        body: RawBody,
    ) -> PendingCatalog:
        """Upload a .po: validated like `vetted import` (errors give file:line); stored as
        pending until a reviewer for the locale approves it."""
        tag = _locale(locale)
        authorize(principal, "catalog.upload", tag)
        content = published_content(writer)
        contexts = known_contexts(list(content.articles), content.treatments)
        parsed = parse_catalog(body, f"{tag}.po", tag, contexts)
        if not parsed.entries:
            # Nothing would await review: staging it would only audit an empty upload.
            raise ValidationFailed("the catalog has no translated entries", file=f"{tag}.po")
        stage_catalog(writer, principal, parsed)
        return pending_catalog(writer, tag)

    @get(
        "/{locale:str}/pending",
        operation_id="pendingCatalog",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404),
    )
    def pending(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
    ) -> Response[PendingCatalog]:
        """What awaits review; its ETag is what approval must send as If-Match."""
        authorize(principal, "catalog.read")
        summary = pending_catalog(writer, _locale(locale))
        return Response(summary, headers={"ETag": summary.etag})

    @post(
        "/{locale:str}/approve",
        operation_id="approveCatalog",
        status_code=200,
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404, 412, 428),
    )
    def approve(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        if_match: IfMatch = None,
    ) -> PendingCatalog:
        """Approve the pending translations: they are served from now on."""
        tag = _locale(locale)
        authorize(principal, "catalog.review", tag)
        return approve_catalog(writer, principal, tag, if_match)


def document_catalog_upload(schema: OpenAPI) -> None:
    """The upload takes the raw .po bytes, which Litestar cannot describe by itself."""
    item = (schema.paths or {}).get("/v1/manage/catalogs/{locale}")
    if item is not None and item.put is not None:
        item.put.request_body = RequestBody(
            required=True,
            description="The .po file, UTF-8, at most 5 MB.",
            content={PO_MEDIA_TYPE: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))},
        )
