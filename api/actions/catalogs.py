"""Catalog use cases: upload a locale's .po for review, approve it (whole or in part),
reject it (authorise, validate, store, audit: see `api.actions`)."""

from __future__ import annotations

from collections.abc import Collection

import sqlite_utils

from api.actions.drafts import required_comment
from api.core.access import Principal, Target, may
from api.core.catalog import parse_catalog
from api.core.errors import InvalidLocale, ValidationFailed
from api.core.negotiation import canonical_locale
from api.store import catalogs as store
from api.store.catalogs import (
    CatalogApproval,
    CatalogRejection,
    EntryEdit,
    EntryRejection,
    PendingCatalog,
)
from api.store.exporting import export_catalog, published_content
from api.store.history import catalog_contexts

__all__ = [
    "approve_catalog",
    "catalog_file",
    "catalog_locale",
    "edit_entry",
    "reject_catalog",
    "reject_entry",
    "upload_catalog",
]


def catalog_locale(value: str) -> str:
    """The stored code of a locale a caller names (`de-DE` is `de`), or InvalidLocale (400)
    for a code CLDR does not know: the API's paths and the workspace's alike."""
    try:
        return canonical_locale(value)
    except ValueError as exc:
        raise InvalidLocale("locale", value, ["a locale CLDR knows, e.g. es, pt-PT"]) from exc


def catalog_file(db: sqlite_utils.Database, principal: Principal, locale: str) -> tuple[str, bytes]:
    """A locale's .po to translate, made from the current published source (translated,
    untranslated and stale entries): its stored locale code and its bytes."""
    may(principal, "catalog.read").enforce()
    tag = catalog_locale(locale)
    return tag, export_catalog(db, tag, published_content(db))


def upload_catalog(
    db: sqlite_utils.Database, principal: Principal, locale: str, body: bytes
) -> PendingCatalog:
    """An uploaded .po checked like `vetted import` checks one (errors give file:line) and
    staged for review: the one path of every upload, from the API or the workspace."""
    tag = catalog_locale(locale)
    may(principal, "catalog.upload", Target.translation(tag)).enforce()
    parsed = parse_catalog(body, f"{tag}.po", tag, catalog_contexts(db))
    if not parsed.entries:
        # Nothing would await review: staging it would only audit an empty upload.
        raise ValidationFailed("the catalog has no translated entries", file=f"{tag}.po")
    return store.stage_catalog(db, principal, parsed)


def approve_catalog(
    db: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    if_match: str | None,
    entries: Collection[str] | None = None,
) -> CatalogApproval:
    """Approve the pending translations of `locale` (or the named entries); the review rule
    is asked again in the store's transaction, against everyone who uploaded them."""
    tag = catalog_locale(locale)
    may(principal, "catalog.review", Target.translation(tag)).enforce()
    return store.approve_catalog(db, principal, tag, if_match, entries or None)


def reject_catalog(
    db: sqlite_utils.Database, principal: Principal, locale: str, if_match: str | None, comment: str
) -> CatalogRejection:
    """Discard the pending upload of `locale` that was reviewed, with a comment."""
    tag = catalog_locale(locale)
    may(principal, "catalog.review", Target.translation(tag)).enforce()
    return store.reject_catalog(db, principal, tag, if_match, required_comment(comment))


def edit_entry(
    db: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    context: str,
    source: str,
    text: str,
    read_pending: str | None = None,
) -> EntryEdit:
    """One entry translated in the browser: checked by the same code as an uploaded .po and
    staged beside the locale's pending translations, with `principal` as its author; 409
    when another translation became pending since the translator read `read_pending`."""
    tag = catalog_locale(locale)
    may(principal, "catalog.upload", Target.translation(tag)).enforce()
    return store.edit_entry(db, principal, tag, context, source, text, read_pending)


def reject_entry(
    db: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    if_match: str | None,
    context: str,
    source: str | None,
    comment: str,
) -> EntryRejection:
    """Send one pending entry back with a reason (the reviewer names the pending ETag read);
    readers keep what they get today, the other entries still await review."""
    tag = catalog_locale(locale)
    may(principal, "catalog.review", Target.translation(tag)).enforce()
    comment = required_comment(comment)
    return store.reject_entry(db, principal, tag, if_match, context, source, comment)
