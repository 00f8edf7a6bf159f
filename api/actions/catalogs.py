"""Catalog use cases: upload a locale's .po for review, approve it (whole or in part),
reject it (authorise, validate, store, audit: see `api.actions`)."""

from __future__ import annotations

from collections.abc import Collection

import sqlite_utils

from api.actions.drafts import required_comment
from api.core.access import Principal, Target, may
from api.core.catalog import parse_catalog
from api.core.catalog_domains import SHARED_DOMAIN, check_domain, domain_of
from api.core.errors import InvalidLocale, InvalidParameter, NotFound, ValidationFailed
from api.core.negotiation import canonical_locale
from api.store import catalogs as store
from api.store.catalogs import (
    CatalogApproval,
    CatalogRejection,
    EntryEdit,
    EntryRejection,
    PendingCatalog,
)
from api.store.exporting import export_catalog, export_domain, published_content
from api.store.history import catalog_contexts
from api.store.versions import published_among

__all__ = [
    "approve_catalog",
    "catalog_domain",
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


def catalog_domain(slug: str) -> str:
    """The catalog an article path names (its slug, or `shared`); InvalidParameter (400)
    for a name that can name none."""
    try:
        return check_domain(slug)
    except ValueError as exc:
        raise InvalidParameter("slug", str(exc)) from exc


def catalog_file(
    db: sqlite_utils.Database, principal: Principal, locale: str, article: str | None = None
) -> tuple[str, bytes]:
    """A locale's .po to translate (or one article's: `article`, or `shared`), made from the
    current published source (translated, untranslated and stale entries, and translation
    memory's fuzzy suggestions): its stored locale code and its bytes."""
    may(principal, "catalog.read").enforce()
    tag = catalog_locale(locale)
    if article is not None:
        return tag, export_domain(db, tag, catalog_domain(article))
    return tag, export_catalog(db, tag, published_content(db), memory=True)


def upload_catalog(
    db: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    body: bytes,
    article: str | None = None,
) -> PendingCatalog:
    """An uploaded .po (of the whole locale, or of one article: `article`, or `shared`)
    checked like `vetted import` checks one (errors give file:line) and staged for review:
    the one path of every upload, from the API or the workspace."""
    tag = catalog_locale(locale)
    may(principal, "catalog.upload", Target.translation(tag)).enforce()
    domain = catalog_domain(article) if article is not None else None
    contexts = catalog_contexts(db, domain)
    if domain is not None:
        if domain != SHARED_DOMAIN and not published_among(db, [domain]):
            raise NotFound(f"no published article {domain!r}: its catalog does not exist")
        contexts = frozenset(c for c in contexts if domain_of(c) == domain)
    file = f"{tag}.po" if domain is None else f"{domain}.po"
    parsed = parse_catalog(body, file, tag, contexts, domain)
    if not parsed.entries:
        # Nothing would await review: staging it would only audit an empty upload.
        raise ValidationFailed("the catalog has no translated entries", file=file)
    return store.stage_catalog(db, principal, parsed)


def approve_catalog(
    db: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    if_match: str | None,
    entries: Collection[str] | None = None,
    article: str | None = None,
) -> CatalogApproval:
    """Approve the pending translations of `locale` (or of one article of it; or the named
    entries); the review rule is asked again in the store's transaction, against everyone
    who uploaded them."""
    tag = catalog_locale(locale)
    may(principal, "catalog.review", Target.translation(tag)).enforce()
    domain = catalog_domain(article) if article is not None else None
    return store.approve_catalog(db, principal, tag, if_match, entries or None, domain)


def reject_catalog(
    db: sqlite_utils.Database,
    principal: Principal,
    locale: str,
    if_match: str | None,
    comment: str,
    article: str | None = None,
) -> CatalogRejection:
    """Discard the pending upload of `locale` (or of one article of it) that was reviewed,
    with a comment."""
    tag = catalog_locale(locale)
    may(principal, "catalog.review", Target.translation(tag)).enforce()
    domain = catalog_domain(article) if article is not None else None
    return store.reject_catalog(db, principal, tag, if_match, required_comment(comment), domain)


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
