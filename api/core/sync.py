"""Offline sync for kiosks and apps: a bundle of everything published in one locale, and
the changes since a cursor, with tombstones for what was withdrawn."""

from __future__ import annotations

from typing import Literal

import msgspec

from api.core.locales import LocaleInfo
from api.core.output import ArticleOut, TreatmentOut

__all__ = ["Bundle", "Changes", "ItemKind", "Removed"]

ItemKind = Literal["article", "treatment", "locales"]


class Bundle(msgspec.Struct, frozen=True, kw_only=True):
    """Every published article and treatment in one locale, with the sync cursor."""

    locale: str
    cursor: int
    locales: list[LocaleInfo]
    articles: list[ArticleOut]
    treatments: list[TreatmentOut]


class Removed(msgspec.Struct, frozen=True, kw_only=True):
    """An item a client holds that is no longer published: delete it."""

    kind: ItemKind
    id: str


class Changes(msgspec.Struct, frozen=True, kw_only=True):
    """What changed after `since` up to `cursor`: whole new documents, and removals.

    `locales` is present only when the locale metadata changed.
    """

    locale: str
    since: int
    cursor: int
    locales: list[LocaleInfo] | None
    articles: list[ArticleOut]
    treatments: list[TreatmentOut]
    removed: list[Removed]
