"""Offline sync for kiosks and apps: a bundle of everything published in one locale, and
the changes since a cursor, with tombstones for what was withdrawn."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from api.core.locales import LocaleInfo
from api.core.output import ArticleOut, TreatmentOut

__all__ = ["Bundle", "Changes", "ItemKind", "Patch", "PatchOp", "Removed"]

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
            "deleting what `removed` names, applying `patches` in place) and keeps both "
            "lists sorted holds exactly the bundle's bytes when written as compact JSON."
        ),
    ]


class Removed(msgspec.Struct, frozen=True, kw_only=True):
    """An item a client holds that is no longer published: delete it."""

    kind: Annotated[ItemKind, msgspec.Meta(description="What kind of item to delete.")]
    id: Annotated[
        str,
        msgspec.Meta(description="Its id: an article's `slug`, a treatment record's `id`."),
    ]


class PatchOp(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One operation of an RFC 6902 JSON Patch. The feed uses three: `replace` (a value
    whose path exists), `remove` and `add` (array elements, by index)."""

    op: Annotated[
        Literal["replace", "remove", "add"],
        msgspec.Meta(description="What to do at `path` (RFC 6902)."),
    ]
    path: Annotated[
        str,
        msgspec.Meta(
            description="A JSON Pointer (RFC 6901) into the item, e.g. `/sections/0/blocks/2/text`."
        ),
    ]
    value: Annotated[
        Any,
        msgspec.Meta(description="The new value (absent for `remove`); it may be `null`."),
    ] = None


class Patch(msgspec.Struct, frozen=True, kw_only=True):
    """The change to one item the client holds, as a JSON Patch (RFC 6902) against the
    document it held at `since`."""

    kind: Annotated[
        Literal["article", "treatment"], msgspec.Meta(description="What kind of item to patch.")
    ]
    id: Annotated[
        str,
        msgspec.Meta(description="Its id: an article's `slug`, a treatment record's `id`."),
    ]
    sha256: Annotated[
        str,
        msgspec.Meta(
            description="The SHA-256 (hex) of the item once patched, written as compact JSON "
            "(no spaces, non-ASCII as UTF-8, members in the order they came): check it, and "
            "fetch the bundle again if it differs."
        ),
    ]
    ops: Annotated[
        list[PatchOp],
        msgspec.Meta(
            description="The operations, to apply in order. They keep every object's member "
            "order, so the patched item is byte for byte the server's document."
        ),
    ]


class Changes(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What changed after `since` up to `cursor`: whole new documents, and removals.

    `locales` is present only when the locale metadata changed. `patches` is present only
    when the client asked for them (`patches=true`).
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
            "serves it: replace the one with the same `slug` (or add it). With "
            "`patches=true`, only those not sent as a patch."
        ),
    ]
    treatments: Annotated[
        list[TreatmentOut],
        msgspec.Meta(
            description="Each treatment record changed after `since`, whole: replace the one "
            "with the same `id` (or add it). With `patches=true`, only those not sent as a "
            "patch."
        ),
    ]
    removed: Annotated[
        list[Removed],
        msgspec.Meta(description="Items no longer published: delete them."),
    ]
    patches: Annotated[
        tuple[Patch, ...],
        msgspec.Meta(
            description="Only with `patches=true`: each changed item the client already "
            "holds, as a JSON Patch against what it held at `since`, when that is smaller "
            "than the item; such items are then not in `articles` or `treatments` (those "
            "list the new items, and those whose patch would not be smaller)."
        ),
    ] = ()
