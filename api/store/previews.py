"""Previews of a draft: rendered as readers will get it once published, in any served
locale, and preview links that show one revision of it to someone without an account
(an outside clinician) until the link expires or is revoked.

A link is a capability, not a signature: its URL carries 256 random bits and the
database keeps only their SHA-256, beside the draft revision (its ETag) the link shows,
when it expires and whether it was revoked. Every view checks that row, so revoking is
immediate, a revised draft invalidates the link, and there is no signing key to keep,
share between workers or rotate. Every view is audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Literal

import msgspec
import sqlite_utils

from api.core.access import Principal, may
from api.core.errors import InvalidParameter, NotFound, ValidationFailed
from api.core.locales import regional_language
from api.core.output import ArticleOut, VersionInfo
from api.core.render import render_article
from api.core.text import checked_text
from api.store.audit import record, record_outsider
from api.store.drafts import Draft, draft_treatments, get_draft, merged_content
from api.store.schema import transaction
from api.store.translations import article_catalogs, rendered_locales, shared_catalogs
from api.store.versions import load_treatments, now, published_slugs

__all__ = [
    "LINK_LIFETIMES",
    "LinkState",
    "PreviewLink",
    "SharedPreview",
    "Why",
    "create_preview_link",
    "draft_preview",
    "link_state",
    "open_preview_link",
    "preview_links",
    "revoke_preview_link",
]

LINK_LIFETIMES = (1, 3, 7, 14)
"""How many days a link may stay valid (the form offers these; nothing longer)."""
MAX_RECIPIENT = 200
_OPEN = ("draft", "in_review", "rejected")
_COLUMNS = (
    "id, draft_id, draft_etag, locale, recipient, created_by, created_at, expires_at, "
    "revoked_by, revoked_at"
)


Why = Literal["unknown", "revoked", "expired", "closed", "changed"]


class LinkState(msgspec.Struct, frozen=True, kw_only=True):
    """Whether a link still shows its draft, and if not, why: no such link, revoked,
    expired, the draft no longer open, or the draft changed since the link was made."""

    valid: bool
    why: Why | None = None


class PreviewLink(msgspec.Struct, frozen=True, kw_only=True):
    """A preview link as listed (never its secret)."""

    id: int
    draft_id: int
    draft_etag: str
    """The draft revision it shows: any later save of the draft invalidates it."""
    locale: str
    recipient: str
    created_by: str
    created_at: str
    expires_at: str
    revoked_by: str | None = None
    revoked_at: str | None = None
    views: int = 0


class SharedPreview(msgspec.Struct, frozen=True, kw_only=True):
    """What a valid link shows: the link and its draft, rendered in the link's locale."""

    link: PreviewLink
    draft: Draft
    article: ArticleOut


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def draft_preview(
    db: sqlite_utils.Database, draft_id: int, locale: str
) -> tuple[Draft, ArticleOut]:
    """The draft as readers of `locale` would get it if it were published now: merged onto
    the head (the draft itself while it has conflicts), beside its records, with today's
    approved translations (InvalidParameter for a locale that is not served)."""
    locales = rendered_locales(db)
    if locale not in locales:
        raise InvalidParameter("locale", f"{locale!r} is not served; served: {', '.join(locales)}")
    draft, article = get_draft(db, draft_id)
    _, merged = merged_content(db, draft)
    article = merged.article or article
    records = merged.treatments or draft_treatments(db, draft) or load_treatments(db)
    others = {slug for slug, _ in published_slugs(db)} | {draft.slug}
    catalogs = shared_catalogs(db, others)
    own = article_catalogs(db, draft.slug, [regional_language(locale) or locale])
    combined = {code: {**catalogs.get(code, {}), **own.get(code, {})} for code in {*catalogs, *own}}
    info = VersionInfo(
        number=draft.head_version + 1, content_hash=draft.content_hash, published_at=now()
    )
    return draft, render_article(article, info, locale, combined, records)


def _link(row: tuple[object, ...], views: int = 0) -> PreviewLink:
    fields = dict(zip(_COLUMNS.split(", "), row, strict=True))
    return msgspec.convert({**fields, "views": views}, PreviewLink)


def link_state(link: PreviewLink, draft: Draft, at: str) -> LinkState:
    """Whether `link` still shows `draft` at time `at` (RFC 3339 UTC)."""
    if link.revoked_at:
        return LinkState(valid=False, why="revoked")
    if at >= link.expires_at:
        return LinkState(valid=False, why="expired")
    if draft.status not in _OPEN:
        return LinkState(valid=False, why="closed")
    if draft.etag != link.draft_etag:
        return LinkState(valid=False, why="changed")
    return LinkState(valid=True)


def create_preview_link(
    db: sqlite_utils.Database,
    actor: Principal,
    draft_id: int,
    *,
    locale: str,
    recipient: str,
    days: int,
) -> tuple[PreviewLink, str]:
    """A link showing the draft's current revision in `locale` to `recipient` for `days`
    days; returns it and its secret, which is never stored (only shown this once)."""
    may(actor, "draft.share").enforce()
    if days not in LINK_LIFETIMES:
        raise ValidationFailed(
            f"must be one of {', '.join(map(str, LINK_LIFETIMES))} days (at $.days)", path="$.days"
        )
    recipient = recipient.strip()
    if not recipient or len(recipient) > MAX_RECIPIENT:
        raise ValidationFailed(
            f"must name who the link is for, in at most {MAX_RECIPIENT} characters "
            "(at $.recipient)",
            path="$.recipient",
        )
    recipient = checked_text(recipient, "$.recipient")
    secret = secrets.token_urlsafe(32)
    with transaction(db):
        draft, _ = get_draft(db, draft_id)
        if draft.status not in _OPEN:
            raise ValidationFailed(
                f"draft {draft_id} is {draft.status}: only an open draft is previewed",
                path="$.draft",
            )
        draft_preview(db, draft_id, locale)  # the locale is served, the draft renders
        created = now()
        expires = (
            (datetime.now(UTC).replace(microsecond=0) + timedelta(days=days))
            .isoformat()
            .replace("+00:00", "Z")
        )
        cursor = db.execute(
            "INSERT INTO preview_links (draft_id, draft_etag, locale, recipient, secret_hash, "
            "created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [draft_id, draft.etag, locale, recipient, _hash(secret), actor.name, created, expires],
        )
        link_id = int(cursor.lastrowid or 0)
        record(
            db,
            actor,
            "preview.create",
            f"drafts/{draft_id}/previews/{link_id}",
            after=draft.content_hash,
            detail=f"for {recipient}, {locale}, revision {draft.revision}, until {expires}",
        )
        row = db.execute(f"SELECT {_COLUMNS} FROM preview_links WHERE id = ?", [link_id]).fetchone()
    return _link(row), secret


def revoke_preview_link(db: sqlite_utils.Database, actor: Principal, link_id: int) -> PreviewLink:
    """Revoke a link at once (revoking one already revoked changes nothing)."""
    may(actor, "draft.share").enforce()
    with transaction(db):
        row = db.execute(f"SELECT {_COLUMNS} FROM preview_links WHERE id = ?", [link_id]).fetchone()
        if row is None:
            raise NotFound(f"no preview link {link_id}")
        link = _link(row)
        if link.revoked_at is None:
            db.execute(
                "UPDATE preview_links SET revoked_by = ?, revoked_at = ? WHERE id = ?",
                [actor.name, now(), link_id],
            )
            record(
                db,
                actor,
                "preview.revoke",
                f"drafts/{link.draft_id}/previews/{link_id}",
                detail=f"for {link.recipient}",
            )
        row = db.execute(f"SELECT {_COLUMNS} FROM preview_links WHERE id = ?", [link_id]).fetchone()
        return _link(row)


def preview_links(db: sqlite_utils.Database, draft_id: int) -> tuple[PreviewLink, ...]:
    """A draft's links, newest first, each with how often it was viewed."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM preview_links WHERE draft_id = ? ORDER BY id DESC", [draft_id]
    ).fetchall()
    out = []
    for row in rows:
        target = f"drafts/{draft_id}/previews/{row[0]}"
        views = db.execute(
            "SELECT count(*) FROM audit WHERE action = 'preview.view' AND target = ?", [target]
        ).fetchone()[0]
        out.append(_link(row, views))
    return tuple(out)


def open_preview_link(db: sqlite_utils.Database, secret: str) -> SharedPreview | LinkState:
    """What the link with `secret` shows now, its view audited; or why it shows nothing
    (an unknown secret reads as a revoked link would: nothing about it is told)."""
    if not secret or len(secret) > 100:
        return LinkState(valid=False, why="unknown")
    with transaction(db):
        row = db.execute(
            f"SELECT {_COLUMNS} FROM preview_links WHERE secret_hash = ?", [_hash(secret)]
        ).fetchone()
        if row is None:
            return LinkState(valid=False, why="unknown")
        link = _link(row)
        draft, _ = get_draft(db, link.draft_id)
        state = link_state(link, draft, now())
        target = f"drafts/{link.draft_id}/previews/{link.id}"
        who = f"preview link {link.id} ({link.recipient})"
        if not state.valid:
            record_outsider(db, who, "preview.refused", target, state.why)
            return state
        _, article = draft_preview(db, link.draft_id, link.locale)
        record_outsider(db, who, "preview.view", target, f"revision {draft.revision}")
        return SharedPreview(link=link, draft=draft, article=article)
