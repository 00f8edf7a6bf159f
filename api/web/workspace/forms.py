"""Typed workspace forms: every form carries the CSRF field, and arrives URL-encoded."""

from __future__ import annotations

from typing import Annotated, TypeVar

import msgspec
from litestar.enums import RequestEncodingType
from litestar.params import Body

from api.web.workspace.csrf import CSRF_FIELD

__all__ = ["Form", "FormBody"]


class Form(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every form: the CSRF token (checked by the guard before the handler)."""

    csrf: str = msgspec.field(name=CSRF_FIELD, default="")


F = TypeVar("F", bound=Form)
FormBody = Annotated[F, Body(media_type=RequestEncodingType.URL_ENCODED)]
