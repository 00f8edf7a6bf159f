"""Sending pre-rendered documents: strong ETags, 304s, pre-compressed bodies, cache headers."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import msgspec
from litestar import Request
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIHeader,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)
from litestar.response.base import ASGIResponse
from litestar.types import Receive, Scope, Send

from api.core.errors import Gone, NotFound, VettedError
from api.core.lifecycle import WithdrawalKind
from api.store.documents import Document, strong_etag
from api.store.reader import Kept, Reader
from api.store.spilled import Part, Spilled
from api.store.withdrawals import Tombstone, tombstone_key
from api.web.cors import delivery_cors_headers
from api.web.head import is_head

__all__ = [
    "LATEST",
    "NOT_MODIFIED",
    "PINNED",
    "document_delivery_headers",
    "missing",
    "send_bytes",
    "send_document",
]

NOT_MODIFIED = {
    304: ResponseSpec(
        data_container=None,
        description="Not modified: the If-None-Match validator matches the current ETag.",
    )
}
LATEST = "public, max-age=60, stale-while-revalidate=300"
PINNED = "public, max-age=31536000, immutable"


def send_document(
    request: Request[Any, Any, Any],
    document: Kept,
    *,
    cache_control: str = LATEST,
    locale: str | None = None,
    negotiated: bool = True,
    media_type: str = "application/json",
) -> ASGIResponse:
    """The response for a stored document, honouring If-None-Match and Accept-Encoding.

    `Vary` names `Accept-Language` only when the request's Accept-Language chose the
    `locale` (`negotiated`); a locale the path names (a bundle) does not split caches.

    Each content-coding is its own representation, so it gets its own strong ETag (the
    document's, suffixed `-br` or `-gzip`); If-None-Match matches any coding of the same
    bytes, as its weak comparison allows, and the 304 names the coding it would send.

    A document kept on disk (a large bundle) is streamed from its file with the same
    headers.
    """
    body, coding = document.body, ""
    accept = request.headers.get("accept-encoding", "")
    if document.br is not None and _accepts(accept, "br"):
        body, coding = document.br, "br"
    elif document.gzip is not None and _accepts(accept, "gzip"):
        body, coding = document.gzip, "gzip"
    headers = {
        "ETag": f'{document.etag[:-1]}-{coding}"' if coding else document.etag,
        "Cache-Control": cache_control,
        "Vary": _vary(negotiated=bool(locale) and negotiated),
    }
    if locale:
        headers["Content-Language"] = locale
    if _matches(request.headers.get("if-none-match"), document.etag):
        return ASGIResponse(status_code=304, headers=headers)
    if coding:
        headers["Content-Encoding"] = coding
    if isinstance(body, Part):
        assert isinstance(document, Spilled)
        return _Pieces(document, body, media_type=media_type, headers=headers)
    if len(body) > _PIECE_BYTES:
        return _Pieces(document, body, media_type=media_type, headers=headers)
    # Final bytes need no serialising: an ASGIResponse skips the framework's conversion.
    return ASGIResponse(body=body, media_type=media_type, headers=headers)


_PIECE_BYTES = 1 << 18
"""Bytes read from a file, and sent, at a time; bodies larger than this are sent in
pieces of it. The server holds a few pieces of each response in flight: with fifty
clients of the corpus's 46 MB bundle, pieces of a megabyte grew a worker by ~90 MB more
than pieces of 256 KB, for no more requests a second."""


class _Pieces(ASGIResponse):
    """A response sent a piece at a time as the client takes them: a large body in
    memory, or one form of a document kept on disk, read from its file (then a worker's
    memory holds a piece per response, however large the document). The document is
    held until the last piece is sent, so a commit that drops it meanwhile does not close
    its files under this response."""

    __slots__ = ("_body", "_document")

    def __init__(
        self,
        document: Kept,
        body: Part | bytes,
        *,
        media_type: str,
        headers: dict[str, str],
    ) -> None:
        size = body.size if isinstance(body, Part) else len(body)
        super().__init__(content_length=size, media_type=media_type, headers=headers)
        self._document: Kept | None = document
        self._body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.start_response(send)
            if is_head(scope):  # the headers GET sends, without reading the body
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            body = self._body
            size = self.content_length
            offset = 0
            while True:
                if isinstance(body, Part):
                    # From the page cache, as the file was just written: a read of a
                    # piece takes well under a millisecond, so it is done on the loop.
                    piece = os.pread(body.fd, min(_PIECE_BYTES, size - offset), offset)
                else:
                    piece = body[offset : offset + _PIECE_BYTES]
                offset += len(piece)
                done = offset >= size or not piece
                await send({"type": "http.response.body", "body": piece, "more_body": not done})
                if done:
                    return
        finally:
            self._document = None


def _vary(*, negotiated: bool) -> str:
    return "Accept-Language, Accept-Encoding" if negotiated else "Accept-Encoding"


def send_bytes(
    request: Request[Any, Any, Any],
    body: bytes,
    *,
    cache_control: str = LATEST,
    locale: str | None = None,
) -> ASGIResponse:
    """A response computed on request (small, not pre-rendered), still with ETag and 304."""
    return send_document(
        request,
        Document(strong_etag(body), body, None, None),
        cache_control=cache_control,
        locale=locale,
    )


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    # Weak comparison, as RFC 9110 asks for If-None-Match; any coding of the same bytes.
    return any(
        _identity(tag.strip().removeprefix("W/")) == etag for tag in if_none_match.split(",")
    )


def _identity(tag: str) -> str:
    for coding in ("br", "gzip"):
        if tag.endswith(f'-{coding}"'):
            return tag[: -len(coding) - 2] + '"'
    return tag


@lru_cache(maxsize=256)
def _accepts(header: str, coding: str) -> bool:
    for item in header.lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in (coding, "*"):
            q = params.strip().removeprefix("q=")
            try:
                return not params or float(q) > 0
            except ValueError:
                return False
    return False


_HEADERS = {
    "ETag": "Strong validator of the exact bytes; send it back in If-None-Match to get 304.",
    "Cache-Control": "Latest content: short max-age with revalidation; pinned versions "
    "(`?version=N`): immutable.",
    "Vary": "The request headers the representation depends on: `Accept-Encoding`, and "
    "`Accept-Language` where the operation takes it.",
    "Content-Language": "The locale the response was rendered for (blocks may still fall "
    "back to another locale; each says so).",
}


def document_delivery_headers(schema: OpenAPI) -> None:
    """Add the headers every delivery response carries to the 200 and 304 answers."""
    for item in (schema.paths or {}).values():
        operation = item.get
        if operation is None or "delivery" not in (operation.tags or []):
            continue
        names = {getattr(p, "name", "") for p in operation.parameters or []}
        values = {"Vary": _vary(negotiated="Accept-Language" in names)}
        described = {
            k: v for k, v in _HEADERS.items() if "locale" in names or k != "Content-Language"
        }
        for name, (value, text) in delivery_cors_headers().items():
            values[name], described[name] = value, text
        for status in ("200", "304"):
            response = (operation.responses or {}).get(status)
            if isinstance(response, OpenAPIResponse):
                response.headers = {
                    name: _header(text, values.get(name)) for name, text in described.items()
                }


def _header(description: str, const: str | None) -> OpenAPIHeader | Reference:
    return OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING, const=const), description=description
    )


_tombstone = msgspec.json.Decoder(Tombstone)


def missing(
    reader: Reader, kind: WithdrawalKind, item: str, version: int | None, not_found: str
) -> VettedError:
    """What to answer for a document that is not there: 410 with the readers' notice when
    the content was withdrawn (every version up to the last withdrawn one), else 404."""
    stone = reader.document(tombstone_key(kind, item))
    if stone is not None:
        found = _tombstone.decode(stone.body)
        through = found.through_version
        if version is None or through is None or version <= through:
            return Gone(found.notice, found.withdrawn_at)
    return NotFound(not_found)
