"""Workspace sessions: a signed-in browser holds a random session id in a cookie; the
database keeps only its hash, the token it was opened with, a CSRF token and two times.

A session ends when it is signed out, when it has been idle or open too long, or when
its token is revoked (the lookup joins the token, and revocation deletes its rows)."""

from __future__ import annotations

import hashlib
import secrets

import msgspec
import sqlite_utils

from api.core.access import Principal
from api.store.people import TOKEN_COLUMNS, token_principal
from api.store.schema import transaction

__all__ = [
    "Session",
    "SessionLimits",
    "end_session",
    "end_sessions_of",
    "find_session",
    "open_session",
]

# Seen times are written at most this often, so reading pages is not a write each time.
_TOUCH_EVERY = 60


class SessionLimits(msgspec.Struct, frozen=True, kw_only=True):
    """How long a session lives: since its last request, and at most since sign-in."""

    idle: int
    lifetime: int


class Session(msgspec.Struct, frozen=True, kw_only=True):
    """A live session: who it is, its CSRF token and when it ends at the latest."""

    principal: Principal
    csrf: str
    expires_at: int


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(
    db: sqlite_utils.Database,
    principal: Principal,
    *,
    now: int,
    limits: SessionLimits,
    replacing: str | None = None,
) -> str:
    """Open a session for `principal` (whose token was just verified); returns the new
    session id, which is never stored. The browser's previous session (`replacing`) and
    every expired session are deleted."""
    session_id = secrets.token_urlsafe(32)
    with transaction(db):
        db.execute(
            "DELETE FROM sessions WHERE seen_at <= ? OR created_at <= ? OR id_hash = ?",
            [now - limits.idle, now - limits.lifetime, _hash(replacing or "")],
        )
        db.execute(
            "INSERT INTO sessions (id_hash, token_name, csrf, created_at, seen_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [_hash(session_id), principal.token, secrets.token_urlsafe(32), now, now],
        )
    return session_id


def find_session(
    db: sqlite_utils.Database, session_id: str, *, now: int, limits: SessionLimits
) -> Session | None:
    """The live session of `session_id`, or None (an expired one is deleted)."""
    row = db.execute(
        f"SELECT s.csrf, s.created_at, s.seen_at, {TOKEN_COLUMNS} "
        "FROM sessions s JOIN tokens t ON t.name = s.token_name AND t.revoked_at IS NULL "
        "JOIN people p ON p.name = t.person WHERE s.id_hash = ?",
        [_hash(session_id)],
    ).fetchone()
    if row is None:
        return None
    csrf, created_at, seen_at = row[:3]
    if now - seen_at >= limits.idle or now - created_at >= limits.lifetime:
        end_session(db, session_id)
        return None
    if now - seen_at >= _TOUCH_EVERY:
        with transaction(db):
            db.execute(
                "UPDATE sessions SET seen_at = ? WHERE id_hash = ?", [now, _hash(session_id)]
            )
        seen_at = now
    principal = token_principal(db, *row[3:])
    expires_at = min(seen_at + limits.idle, created_at + limits.lifetime)
    return Session(principal=principal, csrf=csrf, expires_at=expires_at)


def end_session(db: sqlite_utils.Database, session_id: str) -> None:
    """Delete a session (sign-out, or expiry)."""
    with transaction(db):
        db.execute("DELETE FROM sessions WHERE id_hash = ?", [_hash(session_id)])


def end_sessions_of(db: sqlite_utils.Database, token_name: str) -> None:
    """Delete every session opened with a token (inside the revocation's transaction)."""
    db.execute("DELETE FROM sessions WHERE token_name = ?", [token_name])
