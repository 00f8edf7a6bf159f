"""Offline sync for kiosks and apps: a bundle of everything published in one locale, and
the changes since a cursor, with tombstones for what was withdrawn."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from api.core.locales import LocaleInfo
from api.core.output import ArticleOut, TreatmentOut

__all__ = ["Bundle", "Changes", "ItemKind", "Removed"]

ItemKind = Literal["article", "treatment", "locales"]


class Bundle(msgspec.Struct, frozen=True, kw_only=True):
    """Every published article and treatment in one locale, with the sync cursor.

    Fields come in this order: `locale`, `cursor`, `locales`, `articles`, `treatments`;
    the JSON is compact (no spaces), as msgspec writes it."""

    locale: Annotated[
        str,
        msgspec.Meta(
            description="The locale every text is rendered for: the path's locale after its "
            "fallback chain (`es-MX` is served from `es`)."
        ),
    ]
    cursor: Annotated[
        int,
        msgspec.Meta(
            description="The sync cursor the bundle is current at: send it as `since` to "
            "`/v1/changes` for what changed after it."
        ),
    ]
    locales: Annotated[
        list[LocaleInfo],
        msgspec.Meta(description="Every served locale, as `/v1/locales` lists them."),
    ]
    articles: Annotated[
        list[ArticleOut],
        msgspec.Meta(
            description="Every published article in this locale, each exactly as "
            "`/v1/articles/{slug}` serves it, sorted by `slug` (code point order)."
        ),
    ]
    treatments: Annotated[
        list[TreatmentOut],
        msgspec.Meta(
            description="Every published treatment record in this locale, each exactly as "
            "`/v1/treatments/{treatment_id}` serves it, sorted by `id` (code point order). "
            "A client that applies `/v1/changes` (replacing by `id`, adding in `id` order, "
            "deleting what `removed` names) and keeps both lists sorted holds exactly the "
            "bundle's bytes when written as compact JSON."
        ),
    ]


class Removed(msgspec.Struct, frozen=True, kw_only=True):
    """An item a client holds that is no longer published: delete it."""

    kind: Annotated[ItemKind, msgspec.Meta(description="What kind of item to delete.")]
    id: Annotated[
        str,
        msgspec.Meta(description="Its id: an article's `slug`, a treatment record's `id`."),
    ]


class Changes(msgspec.Struct, frozen=True, kw_only=True):
    """What changed after `since` up to `cursor`: whole new documents, and removals.

    `locales` is present only when the locale metadata changed.
    """

    locale: Annotated[str, msgspec.Meta(description="The locale every text is rendered for.")]
    since: Annotated[int, msgspec.Meta(description="The cursor the client sent.")]
    cursor: Annotated[
        int,
        msgspec.Meta(description="The cursor after these changes: send it as `since` next time."),
    ]
    locales: Annotated[
        list[LocaleInfo] | None,
        msgspec.Meta(
            description="Every served locale, when the locale metadata changed after `since`; "
            "else null (keep what you hold)."
        ),
    ]
    articles: Annotated[
        list[ArticleOut],
        msgspec.Meta(
            description="Each article changed after `since`, whole, as `/v1/articles/{slug}` "
            "serves it: replace the one with the same `slug`."
        ),
    ]
    treatments: Annotated[
        list[TreatmentOut],
        msgspec.Meta(
            description="Each treatment record changed after `since`, whole: replace the one "
            "with the same `id` (or add it)."
        ),
    ]
    removed: Annotated[
        list[Removed],
        msgspec.Meta(description="Items no longer published: delete them."),
    ]
