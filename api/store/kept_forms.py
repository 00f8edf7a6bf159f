"""Forms kept when their session had ended: a POST that arrives after the browser's session
expired, was signed out or lost its token is not thrown away. The browser holds a random
id in a cookie; the database keeps its hash, the people who signed in with it, and for
each of them at most one kept form (the fields, the page's path, when it was kept).

A kept form is given back only to the person who was signed in last on that browser when
it was sent, on the page it was sent from, within `KEEP_SECONDS`, and only once: it is
shown again to be checked and sent again, never submitted by itself."""

from __future__ import annotations

import hashlib

import msgspec
import sqlite_utils

from api.store.schema import transaction

__all__ = ["KEEP_SECONDS", "keep_form", "remember_sign_in", "take_kept_form"]

KEEP_SECONDS = 3600
"""How long a kept form waits for its person to sign in again."""

_FIELDS = msgspec.json.Decoder(list[tuple[str, str]])


def _hash(browser_id: str) -> str:
    return hashlib.sha256(browser_id.encode()).hexdigest()


def remember_sign_in(
    db: sqlite_utils.Database, browser_id: str, person: str, *, now: int, window: int
) -> None:
    """`person` signed in on the browser holding `browser_id`: forms this browser sends
    within `window` seconds after its session ends are kept for them. Keepers older than
    the window and forms older than `KEEP_SECONDS` are deleted."""
    with transaction(db):
        db.execute(
            "DELETE FROM kept_forms WHERE signed_in_at <= ? AND (kept_at IS NULL OR kept_at <= ?)",
            [now - window, now - KEEP_SECONDS],
        )
        db.execute(
            "UPDATE kept_forms SET path = NULL, fields = NULL, kept_at = NULL WHERE kept_at <= ?",
            [now - KEEP_SECONDS],
        )
        db.execute(
            "INSERT INTO kept_forms (browser_hash, person, signed_in_at) VALUES (?, ?, ?) "
            "ON CONFLICT (browser_hash, person) DO UPDATE SET signed_in_at = excluded.signed_in_at",
            [_hash(browser_id), person, now],
        )


def keep_form(
    db: sqlite_utils.Database,
    browser_id: str,
    *,
    path: str,
    fields: list[tuple[str, str]],
    now: int,
    window: int,
) -> bool:
    """Keep `fields`, sent to `path` without a live session, for the person who signed in
    last on this browser (within `window` seconds); replaces their earlier kept form.
    Whether anything was kept (not when nobody signed in on this browser lately)."""
    with transaction(db):
        row = db.execute(
            "SELECT person FROM kept_forms WHERE browser_hash = ? AND signed_in_at > ? "
            "ORDER BY signed_in_at DESC LIMIT 1",
            [_hash(browser_id), now - window],
        ).fetchone()
        if row is None:
            return False
        db.execute(
            "UPDATE kept_forms SET path = ?, fields = ?, kept_at = ? "
            "WHERE browser_hash = ? AND person = ?",
            [path, msgspec.json.encode(fields).decode(), now, _hash(browser_id), row[0]],
        )
    return True


def take_kept_form(
    db: sqlite_utils.Database, browser_id: str, *, person: str, path: str, now: int
) -> dict[str, str] | None:
    """The form `person` sent to `path` from this browser when their session had ended
    (each field's last value), if it was kept less than `KEEP_SECONDS` ago; it is then
    forgotten, so it is shown once."""
    where = "browser_hash = ? AND person = ? AND path = ? AND kept_at > ?"
    args = [_hash(browser_id), person, path, now - KEEP_SECONDS]
    # Read first, without the write lock: an editor's page asks on every visit.
    if db.execute(f"SELECT 1 FROM kept_forms WHERE {where}", args).fetchone() is None:
        return None
    with transaction(db):
        row = db.execute(f"SELECT fields FROM kept_forms WHERE {where}", args).fetchone()
        if row is None:  # shown meanwhile by another request
            return None
        db.execute(
            "UPDATE kept_forms SET path = NULL, fields = NULL, kept_at = NULL "
            "WHERE browser_hash = ? AND person = ?",
            args[:2],
        )
    return dict(_FIELDS.decode(row[0]))
