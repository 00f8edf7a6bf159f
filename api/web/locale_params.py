"""The locale a delivery request asks for: the `locale` query parameter, Accept-Language,
and the served locale they resolve to (the article, search and sync routes alike)."""

from __future__ import annotations

from typing import Annotated

from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import HeaderParameter, QueryParameter

from api.core.negotiation import negotiate
from api.store.reader import Reader

__all__ = ["AcceptLanguage", "LocaleParam", "resolve_locale"]

LocaleParam = Annotated[
    str | None,
    QueryParameter(
        name="locale",
        required=False,
        max_length=64,
        description="Explicit locale (BCP 47, e.g. `es-MX`); wins over Accept-Language. "
        "Unsupported locales are served through their CLDR fallback chain.",
        examples=[Example(summary="Mexican Spanish", value="es-MX")],
    ),
]
AcceptLanguage = Annotated[
    str | None,
    HeaderParameter(
        name="Accept-Language",
        required=False,
        description="Used when `locale` is absent (q-values honoured); malformed values are "
        "ignored.",
    ),
]


def resolve_locale(
    reader: NamedDependency[Reader], locale: str | None, accept_language: str | None
) -> str:
    return negotiate(locale, accept_language, reader.locales())
