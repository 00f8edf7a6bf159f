"""Typed workspace forms: every form carries the CSRF field, and arrives URL-encoded.
Each form route names its `FormBounds` in its handler's `opt` (`bounds(...)`): how many
bytes and fields its form can really need. The CSRF check reads the body only within
them, before parsing it (`api.web.bodies.bounded_form`; 413 beyond)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec
from litestar.enums import RequestEncodingType
from litestar.params import Body

from api.core.catalog import MAX_TRANSLATION_CHARS
from api.core.content import MAX_ARTICLE_BLOCKS, MAX_ARTICLE_CHARS, MAX_ARTICLE_SECTIONS
from api.core.section_form import BlockFields
from api.web.bodies import FORM_BOUNDS, MAX_BODY_BYTES, FormBounds
from api.web.workspace.csrf import CSRF_FIELD

__all__ = [
    "ACTION_FORM",
    "APPROVAL_FORM",
    "COMMENT_FORM",
    "CONFLICTS_FORM",
    "ENTRY_FORM",
    "NEW_TOKEN_FORM",
    "NEW_WEBHOOK_FORM",
    "RECORD_FORM",
    "SECTION_FORM",
    "SIGN_IN_FORM",
    "UPLOAD_FORM",
    "Form",
    "FormBody",
    "bounds",
]

# A character of text costs at most 9 bytes in a URL-encoded body: 3 bytes of UTF-8, each
# sent as `%XX`. A few fields more than a form holds leave room for its buttons.
_ENCODED = 9

SIGN_IN_FORM = FormBounds(max_bytes=2_048, max_fields=4)
"""`_csrf_token`, `token` (at most 200 characters) and `next` (a workspace path)."""
ACTION_FORM = FormBounds(max_bytes=2_048, max_fields=8)
"""A button and what it acts on: sign-out, publish, recording a review, revoking a token."""
NEW_TOKEN_FORM = FormBounds(max_bytes=4_096, max_fields=8)
"""A new token's name, role and locales."""
NEW_WEBHOOK_FORM = FormBounds(max_bytes=2_200 * _ENCODED + 1_024, max_fields=16)
"""A new webhook endpoint: its URL (2,000 characters), note (200) and event types."""
COMMENT_FORM = FormBounds(max_bytes=2_000 * _ENCODED + 2_048, max_fields=8)
"""A comment of at most 2,000 characters (rejecting, withdrawing, a summary sent to review,
who a preview link is for) and the ETag."""
ENTRY_FORM = FormBounds(max_bytes=2 * MAX_TRANSLATION_CHARS * _ENCODED + 2_048, max_fields=8)
"""One catalog entry's translation, at most as long as the longest source text."""
SECTION_FORM = FormBounds(
    max_bytes=MAX_ARTICLE_CHARS * _ENCODED + 200_000,
    max_fields=500 * len(BlockFields.__struct_fields__) + 16,
)
"""A section of at most 500 blocks of a dozen fields, with at most the longest article's
text (200,000 characters), and the field names."""
RECORD_FORM = FormBounds(max_bytes=2_000_000, max_fields=400 + 16)
"""A treatment record: at most 400 values, within a treatments file's 2 MB."""
CONFLICTS_FORM = FormBounds(
    max_bytes=1_000_000,
    max_fields=2 * (MAX_ARTICLE_BLOCKS + MAX_ARTICLE_SECTIONS) + 500 + 16,
)
"""One choice per conflicting unit of an article (blocks, headings, treatment records), and
a combined text per block and heading."""
APPROVAL_FORM = FormBounds(max_bytes=MAX_BODY_BYTES, max_fields=20_000 + 16)
"""Ticked catalog entries, at most 20,000 (approving all needs no ticks)."""
UPLOAD_FORM = FormBounds(max_bytes=MAX_BODY_BYTES, max_fields=4)
"""A multipart catalog upload: the .po and the token, within the limit of any body."""


def bounds(form: FormBounds) -> dict[str, Any]:
    """A form route's `opt`: its bounds."""
    return {FORM_BOUNDS: form}


class Form(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every form: the CSRF token (checked by the guard before the handler)."""

    csrf: str = msgspec.field(name=CSRF_FIELD, default="")


F = TypeVar("F", bound=Form)
FormBody = Annotated[F, Body(media_type=RequestEncodingType.URL_ENCODED)]
