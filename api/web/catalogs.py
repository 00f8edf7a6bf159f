"""Translator routes: export a locale's catalog, upload one for review, see what it would
change entry by entry, approve it (whole or in part) or reject it, read the sign-off."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import sqlite_utils
from litestar import Controller, Request, Response, get, post, put
from litestar.concurrency import sync_to_thread
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPI,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    RequestBody,
    Schema,
)
from litestar.params import HeaderParameter, JSONBody, QueryParameter

from api.actions import catalogs as actions
from api.actions.catalogs import catalog_locale
from api.actions.drafts import Rejection
from api.core.access import Principal, may
from api.core.catalog import MAX_TRANSLATION_CHARS
from api.core.catalog_changes import EntryFilter, filter_entries
from api.core.errors import ValidationFailed
from api.core.tmx import TMX_MEDIA_TYPE
from api.store.catalogs import (
    CatalogApproval,
    CatalogRejection,
    EntryEdit,
    EntryRejection,
    PendingCatalog,
    PendingReview,
    RejectionNote,
    SignoffPage,
    catalog_rejections,
    catalog_signoff,
    pending_review,
)
from api.store.exporting import export_tmx, locale_archive
from api.web.auth import BEARER, provide_principal, provide_writer, require_role, require_token
from api.web.bodies import MULTIPART, PO_MEDIA_TYPE, UPLOAD_FIELD, refuse_unreadable_po
from api.web.examples import MAX_ID, LocalePath, SlugPath
from api.web.problems import problem_responses

__all__ = ["CatalogsController", "document_catalog_upload"]

ZIP_MEDIA_TYPE = "application/zip"
TMX_EXAMPLE = """\
<?xml version='1.0' encoding='utf-8'?>
<tmx version="1.4">
  <header creationtool="Vetted" creationtoolversion="1" datatype="plaintext" segtype="block" \
adminlang="en" srclang="en" o-tmf="gettext" creationdate="20261207T195900Z" />
  <body>
    <tu>
      <prop type="x-context">stem-cell-therapy-for-hair-loss/title</prop>
      <tuv xml:lang="en">
        <seg>Stem cell therapy for hair loss</seg>
      </tuv>
      <tuv xml:lang="es">
        <seg>Terapia con células madre para la pérdida de cabello</seg>
      </tuv>
    </tu>
  </body>
</tmx>
"""
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


class ApprovalInput(msgspec.Struct, frozen=True, kw_only=True):
    """Which pending entries to approve, by msgctxt."""

    entries: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=500)]],
        msgspec.Meta(
            max_length=20_000,
            description="msgctxt of each entry to approve. Empty or absent: every pending "
            "entry except those flagged `source_changed`, which are approved only when named.",
        ),
    ] = msgspec.field(default_factory=list)


_CONTEXT_EXAMPLE = "stem-cell-therapy-for-hair-loss/introduction/p2"
_SOURCE_EXAMPLE = (
    "Unlike traditional treatments that merely slow hair loss or stimulate temporary "
    "growth, stem cell therapy aims to rejuvenate hair follicles at the cellular level."
)
_Context = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=500,
        description="The entry's msgctxt.",
        examples=[_CONTEXT_EXAMPLE],
    ),
]


class EntryEditInput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A translation of one entry, typed rather than uploaded."""

    context: _Context
    source: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=MAX_TRANSLATION_CHARS,
            description="The current source text (msgid) you translated: 409 when it has "
            "changed since you read it.",
            examples=[_SOURCE_EXAMPLE],
        ),
    ]
    text: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=MAX_TRANSLATION_CHARS,
            description="The translation (msgstr): checked exactly as an uploaded .po's "
            "msgstr is (text policy, placeholders, format fields); 422 names `text`.",
            examples=[
                "A diferencia de los tratamientos tradicionales, que solo frenan la caída, "
                "la terapia con células madre busca rejuvenecer los folículos."
            ],
        ),
    ]
    pending: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=MAX_TRANSLATION_CHARS,
                description="The pending translation of this entry you read before typing "
                "(`proposed` in the pending catalog), or null when none was pending: 409 when "
                "another one is pending now, so two translators never overwrite each other.",
            ),
        ]
        | None
    ) = None


class EntryRejectionInput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which pending entry to send back, and why."""

    context: _Context
    source: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=MAX_TRANSLATION_CHARS,
                description="The entry's source text: needed only when several pending "
                "entries share the msgctxt (fact phrases).",
            ),
        ]
        | None
    ) = None
    comment: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=2000,
            description="Why, for the translator (who reads it on their locale's page). "
            "Plain text under the text policy; line breaks allowed.",
            examples=["“Frenan” is too strong: the source says slow, not stop."],
        ),
    ]


PendingIfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description="The exact pending ETag you reviewed. Missing or `*`: 428; stale: 412.",
    ),
]


class CatalogsController(Controller):
    """Catalog export, upload (pending) and approval per locale."""

    path = "/v1/manage/catalogs"
    tags = ["translation"]  # noqa: RUF012
    security = [{BEARER: []}]  # noqa: RUF012
    guards = [require_token, require_role]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "writer": Provide(provide_writer),
        "principal": Provide(provide_principal, sync_to_thread=False),
    }

    @get(
        "/{locale:str}",
        operation_id="exportCatalog",
        summary="Download the catalog of a locale",
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
        tag, body = actions.catalog_file(writer, principal, locale)
        return Response(
            body,
            media_type=PO_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{tag}.po"'},
        )

    @put(
        "/{locale:str}",
        operation_id="uploadCatalog",
        summary="Upload a catalog for review",
        opt={"action": "catalog.upload"},
        before_request=refuse_unreadable_po,
        status_code=202,
        responses=problem_responses(400, 401, 403, 408, 413, 415, 422, 503),
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
    ) -> PendingCatalog:
        """Upload a .po: validated like `vetted import` (errors give file:line); stored as
        pending until a reviewer for the locale approves it. Entries whose msgid is not the
        current source text are listed in `stale` with their line and not staged; an
        upload that changes nothing is 422 (`/problems/nothing-changed`)."""
        body = await _uploaded_catalog(request)
        return await sync_to_thread(actions.upload_catalog, writer, principal, locale, body)

    @get(
        "/{locale:str}/pending",
        operation_id="pendingCatalog",
        summary="See what a pending catalog would change, entry by entry",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404),
    )
    def pending(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        show: Annotated[
            EntryFilter,
            QueryParameter(
                description="Only these entries: `new` (no approved translation of the "
                "current source), `changed` (replaces an approved translation), `removed`, "
                "`source-changed` (translation kept although its source changed: approved "
                "only when named), `safety` (safety-bearing). The ETag stays that of every "
                "pending entry.",
            ),
        ] = "all",
    ) -> Response[PendingReview]:
        """Every entry whose translation differs from the approved one: context, current
        source, approved and proposed translation, uploaders and flags (`safety`: part of
        a safety-bearing text). Its ETag is what approval must send as If-Match."""
        may(principal, "catalog.read").enforce()
        review = pending_review(writer, catalog_locale(locale))
        if show != "all":
            shown = tuple(filter_entries(review.entries, show))
            review = msgspec.structs.replace(review, entries=shown)
        return Response(review, headers={"ETag": review.etag})

    @post(
        "/{locale:str}/approve",
        operation_id="approveCatalog",
        summary="Approve pending translations, all or the named entries",
        opt={"action": "catalog.review"},
        status_code=200,
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404, 412, 422, 428, 503),
    )
    def approve(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        if_match: PendingIfMatch = None,
        data: JSONBody[ApprovalInput | None] = None,
    ) -> CatalogApproval:
        """Approve the pending translations (or the named entries): they are served from
        now on and recorded in the locale's sign-off. The approver must not have uploaded
        any of them and must review this locale."""
        named = data.entries if data is not None else ()
        return actions.approve_catalog(writer, principal, locale, if_match, named)

    @post(
        "/{locale:str}/reject",
        operation_id="rejectCatalog",
        summary="Reject a pending catalog with a comment",
        status_code=200,
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404, 412, 422, 428),
    )
    def reject(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        data: JSONBody[Rejection],
        if_match: PendingIfMatch = None,
    ) -> CatalogRejection:
        """Discard the pending upload you reviewed; the comment goes to the audit log."""
        return actions.reject_catalog(writer, principal, locale, if_match, data.comment)

    @post(
        "/{locale:str}/entries",
        operation_id="editCatalogEntry",
        summary="Propose the translation of one entry, typed rather than uploaded",
        opt={"action": "catalog.upload"},
        status_code=202,
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404, 409, 422, 503),
    )
    def edit_entry(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        data: JSONBody[EntryEditInput],
    ) -> EntryEdit:
        """The translation of one current message, checked by the same code as an
        uploaded .po (errors name `text`), joins the locale's pending translations with
        you as its author: a second person approves it under the review rule (you cannot).
        404: no such msgctxt; 409: its source changed since you read it, or another
        translation of it became pending since you read `pending`; 422: invalid, or
        nothing would change (`/problems/nothing-changed`)."""
        return actions.edit_entry(
            writer, principal, locale, data.context, data.source, data.text, data.pending
        )

    @post(
        "/{locale:str}/entries/reject",
        operation_id="rejectCatalogEntry",
        summary="Send one pending entry back with a reason",
        opt={"action": "catalog.review"},
        status_code=200,
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404, 412, 422, 428, 503),
    )
    def reject_entry(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        data: JSONBody[EntryRejectionInput],
        if_match: PendingIfMatch = None,
    ) -> EntryRejection:
        """Reject one pending entry: readers keep what they get today, the other entries
        still await review (under the new ETag returned), and the uploaders read the
        reason (`GET …/rejections`). Audited as `catalog.reject-entry`."""
        return actions.reject_entry(
            writer, principal, locale, if_match, data.context, data.source, data.comment
        )

    @get(
        "/{locale:str}/rejections",
        operation_id="catalogRejections",
        summary="Read what reviewers sent back, with their reasons",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403),
    )
    def rejections(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> list[RejectionNote]:
        """The latest rejections of a locale, newest first: one entry (with its msgctxt,
        source and the rejected text) or a whole upload (`context` null)."""
        may(principal, "catalog.read").enforce()
        return catalog_rejections(writer, catalog_locale(locale), limit=limit)

    @get(
        "/{locale:str}/articles/{slug:str}",
        operation_id="exportArticleCatalog",
        summary="Download one article's catalog of a locale",
        sync_to_thread=True,
        media_type=PO_MEDIA_TYPE,
        responses={
            200: ResponseSpec(
                data_container=str,
                generate_examples=False,
                examples=[Example(summary="es", value=PO_EXAMPLE)],
                media_type=PO_MEDIA_TYPE,
                description="The article's catalog (`<slug>.po`; `shared` for the treatment "
                "records and fact phrases) made from its current published source: "
                "translated, untranslated (empty) and stale (fuzzy, with the old msgid) "
                "entries.",
            ),
            **problem_responses(400, 401, 403, 404),
        },
    )
    def export_article(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        slug: SlugPath,
    ) -> Response[bytes]:
        """Download one article's .po to translate (or `shared`'s)."""
        _, body = actions.catalog_file(writer, principal, locale, slug)
        return Response(
            body,
            media_type=PO_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{slug}.po"'},
        )

    @put(
        "/{locale:str}/articles/{slug:str}",
        operation_id="uploadArticleCatalog",
        summary="Upload one article's catalog for review",
        opt={"action": "catalog.upload"},
        before_request=refuse_unreadable_po,
        status_code=202,
        responses=problem_responses(400, 401, 403, 404, 408, 413, 415, 422, 503),
    )
    async def upload_article(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        slug: SlugPath,
    ) -> PendingCatalog:
        """Upload one article's .po, validated like `vetted import`: it may hold that
        article's messages only (another's msgctxt is an error with its line). Staged as
        that article's pending translations (other articles' pending uploads stay) until a
        reviewer for the locale approves them."""
        body = await _uploaded_catalog(request)
        return await sync_to_thread(actions.upload_catalog, writer, principal, locale, body, slug)

    @get(
        "/{locale:str}/articles/{slug:str}/pending",
        operation_id="pendingArticleCatalog",
        summary="See what one article's pending catalog would change",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404),
    )
    def pending_article(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        slug: SlugPath,
    ) -> Response[PendingReview]:
        """The article's pending entries, as `pendingCatalog` shows a locale's; its ETag is
        what approving this article's entries must send as If-Match."""
        may(principal, "catalog.read").enforce()
        domain = actions.catalog_domain(slug)
        review = pending_review(writer, catalog_locale(locale), domain)
        return Response(review, headers={"ETag": review.etag})

    @post(
        "/{locale:str}/articles/{slug:str}/approve",
        operation_id="approveArticleCatalog",
        summary="Approve one article's pending translations, all or the named entries",
        opt={"action": "catalog.review"},
        status_code=200,
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404, 412, 422, 428, 503),
    )
    def approve_article(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        slug: SlugPath,
        if_match: PendingIfMatch = None,
        data: JSONBody[ApprovalInput | None] = None,
    ) -> CatalogApproval:
        """Approve the article's pending translations (or the named entries) under the
        review rule; only that article's documents are rendered again."""
        named = data.entries if data is not None else ()
        return actions.approve_catalog(writer, principal, locale, if_match, named, slug)

    @post(
        "/{locale:str}/articles/{slug:str}/reject",
        operation_id="rejectArticleCatalog",
        summary="Reject one article's pending catalog with a comment",
        status_code=200,
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404, 412, 422, 428),
    )
    def reject_article(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        slug: SlugPath,
        data: JSONBody[Rejection],
        if_match: PendingIfMatch = None,
    ) -> CatalogRejection:
        """Discard the article's pending upload you reviewed; the comment goes to the audit
        log."""
        return actions.reject_catalog(writer, principal, locale, if_match, data.comment, slug)

    @get(
        "/{locale:str}/archive",
        operation_id="exportCatalogArchive",
        summary="Download every catalog of a locale as a zip",
        sync_to_thread=True,
        media_type=ZIP_MEDIA_TYPE,
        responses={
            200: ResponseSpec(
                data_container=bytes,
                generate_examples=False,
                media_type=ZIP_MEDIA_TYPE,
                description="A zip of the files `vetted export` writes for the locale: "
                "`locales/<locale>/LC_MESSAGES/<slug>.po` for every article and `shared`, "
                "and each template `locales/<slug>.pot`. Upload the catalogs back one by "
                "one (`uploadArticleCatalog`).",
            ),
            **problem_responses(400, 401, 403),
        },
    )
    def archive(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
    ) -> Response[bytes]:
        """Every catalog of a locale at once, for whoever wants everything."""
        may(principal, "catalog.read").enforce()
        tag = catalog_locale(locale)
        return Response(
            locale_archive(writer, tag),
            media_type=ZIP_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{tag}.zip"'},
        )

    @get(
        "/{locale:str}/memory",
        operation_id="exportTranslationMemory",
        summary="Download a locale's approved translation memory as TMX",
        sync_to_thread=True,
        media_type=TMX_MEDIA_TYPE,
        responses={
            200: ResponseSpec(
                data_container=str,
                generate_examples=False,
                examples=[Example(summary="es", value=TMX_EXAMPLE)],
                media_type=TMX_MEDIA_TYPE,
                description="TMX 1.4: one translation unit per distinct pair of English "
                "source and approved translation (fuzzy and pending ones are left out), "
                "its msgctxt as the `x-context` property.",
            ),
            **problem_responses(400, 401, 403),
        },
    )
    def memory(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
    ) -> Response[bytes]:
        """The locale's approved translations, for a team's CAT tool to reuse."""
        may(principal, "catalog.read").enforce()
        tag = catalog_locale(locale)
        return Response(
            export_tmx(writer, tag),
            media_type=TMX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{tag}.tmx"'},
        )

    @get(
        "/{locale:str}/signoff",
        operation_id="catalogSignoff",
        summary="Read a locale's medical sign-off, newest first",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403),
    )
    def signoff(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        locale: LocalePath,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
        before: Annotated[
            int | None,
            QueryParameter(
                required=False,
                ge=1,
                le=MAX_ID,
                description="Cursor: `next_before` of the previous page.",
            ),
        ] = None,
    ) -> SignoffPage:
        """Who approved which translation of which source text (hashes), when, and who
        uploaded it. Admins only."""
        may(principal, "audit.read").enforce()
        return catalog_signoff(writer, catalog_locale(locale), limit=limit, before_id=before)


async def _uploaded_catalog(request: Request[Any, Any, Any]) -> bytes:
    """The .po bytes: the whole body, or the `catalog` part of a multipart form (what
    clients generated from the contract send)."""
    if request.content_type[0] != MULTIPART:
        return await request.body()
    form = await request.form()
    part = form.get(UPLOAD_FIELD)
    if isinstance(part, UploadFile):
        return await part.read()
    if isinstance(part, str):
        return part.encode("utf-8")
    raise ValidationFailed(f"the form has no part named {UPLOAD_FIELD!r}", path=UPLOAD_FIELD)


def document_catalog_upload(schema: OpenAPI) -> None:
    """The upload takes the .po bytes, which Litestar cannot describe by itself: as the
    whole body, or as the `catalog` file of a multipart form for generated clients that
    cannot send a body of a media type they do not know."""
    for path in ("/v1/manage/catalogs/{locale}", "/v1/manage/catalogs/{locale}/articles/{slug}"):
        _document_upload(schema, path)


def _document_upload(schema: OpenAPI, path: str) -> None:
    item = (schema.paths or {}).get(path)
    if item is not None and item.put is not None:
        item.put.request_body = RequestBody(
            required=True,
            description="The .po file, UTF-8, at most 5 MB, not compressed (any "
            "Content-Encoding is 415): the whole body as "
            f"`{PO_MEDIA_TYPE}` (or text/x-po, application/x-po, text/plain, none), or the "
            f"part `{UPLOAD_FIELD}` of a `{MULTIPART}` form. The two are the same upload.",
            content={
                PO_MEDIA_TYPE: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
                MULTIPART: OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        properties={
                            UPLOAD_FIELD: Schema(
                                type=OpenAPIType.STRING,
                                format=OpenAPIFormat.BINARY,
                                content_media_type=PO_MEDIA_TYPE,
                                description="The .po file.",
                            )
                        },
                        required=[UPLOAD_FIELD],
                    )
                ),
            },
        )
