"""API tokens: created once, stored only as a hash, checked in constant time, revocable."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import sqlite_utils

from api.core.access import ROLES, Principal, Role, stored_principal
from api.core.errors import Conflict, InvalidParameter, NotFound, Unauthorized
from api.core.negotiation import canonical_locale
from api.store.audit import record
from api.store.schema import transaction
from api.store.sessions import end_sessions_of
from api.store.versions import now

# Tokens are managed from the command line by whoever runs the service.
OPERATOR = Principal(name="operator", role="admin")

__all__ = [
    "TokenInfo",
    "authenticate",
    "create_token",
    "list_tokens",
    "principal_named",
    "revoke_token",
]

_TOKEN = re.compile(r"^vt_(\d{1,12})_([A-Za-z0-9_-]{20,100})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
# Compared when no token row exists, so a miss costs the same as a wrong secret.
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()


class TokenInfo(Principal, frozen=True, kw_only=True):
    """A token as listed: never its secret."""

    id: int
    created_at: str
    revoked_at: str | None = None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    db: sqlite_utils.Database,
    *,
    name: str,
    role: str,
    locales: list[str],
    actor: Principal = OPERATOR,
) -> tuple[TokenInfo, str]:
    """Create a token; returns its record and the secret, which is never stored. `actor`
    is who the audit log names (the operator at the command line, or an admin)."""
    if not _NAME.match(name):
        raise InvalidParameter("name", "letters, digits and . _ @ - only, at most 64")
    if role not in ROLES:
        raise InvalidParameter("role", f"one of {', '.join(ROLES)}")
    try:
        scoped = tuple(sorted({canonical_locale(tag) for tag in locales if tag}))
    except ValueError as exc:
        raise InvalidParameter("locales", str(exc)) from exc
    secret = secrets.token_urlsafe(32)
    stamp = now()
    with transaction(db):
        if db.execute("SELECT 1 FROM tokens WHERE name = ?", [name]).fetchone():
            raise Conflict(f"a token named {name!r} exists")
        cursor = db.execute(
            "INSERT INTO tokens (name, role, locales, secret_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [name, role, ",".join(scoped), _hash(secret), stamp],
        )
        token_id = int(cursor.lastrowid or 0)
        detail = f"{role} {','.join(scoped)}"
        record(db, actor, "token.create", f"tokens/{name}", detail=detail)
    role_value: Role = role
    info = TokenInfo(id=token_id, name=name, role=role_value, locales=scoped, created_at=stamp)
    return info, f"vt_{token_id}_{secret}"


def authenticate(db: sqlite_utils.Database, authorization: str | None) -> Principal:
    """The principal of an `Authorization: Bearer …` header, or Unauthorized."""
    scheme, _, token = (authorization or "").partition(" ")
    match = _TOKEN.match(token.strip()) if scheme.lower() == "bearer" else None
    if match is None:
        raise Unauthorized("send Authorization: Bearer <token>")
    row = db.execute(
        "SELECT name, role, locales, secret_hash, revoked_at FROM tokens WHERE id = ?",
        [int(match.group(1))],
    ).fetchone()
    expected = row[3] if row else _DUMMY_HASH
    valid = hmac.compare_digest(_hash(match.group(2)), expected)
    if row is None or not valid or row[4]:
        raise Unauthorized("invalid or revoked token")
    return stored_principal(row[0], row[1], row[2])


def principal_named(db: sqlite_utils.Database, name: str) -> Principal:
    """The person an active token names (for work attributed to them outside HTTP)."""
    row = db.execute(
        "SELECT name, role, locales FROM tokens WHERE name = ? AND revoked_at IS NULL", [name]
    ).fetchone()
    if row is None:
        raise NotFound(f"no active token named {name!r}")
    return stored_principal(row[0], row[1], row[2])


def list_tokens(db: sqlite_utils.Database) -> list[TokenInfo]:
    """Every token, newest last, without secrets."""
    rows = db.execute(
        "SELECT id, name, role, locales, created_at, revoked_at FROM tokens ORDER BY id"
    ).fetchall()
    return [
        TokenInfo(
            id=r[0],
            name=r[1],
            role=r[2],
            locales=tuple(filter(None, r[3].split(","))),
            created_at=r[4],
            revoked_at=r[5],
        )
        for r in rows
    ]


def revoke_token(db: sqlite_utils.Database, name: str, *, actor: Principal = OPERATOR) -> None:
    """Revoke a token by name (in one transaction with its audit entry); it stops working
    at once, and the workspace sessions it opened end."""
    with transaction(db):
        _revoke(db, name, actor)


def _revoke(db: sqlite_utils.Database, name: str, actor: Principal) -> None:
    cursor = db.execute(
        "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", [now(), name]
    )
    if cursor.rowcount == 0:
        raise NotFound(f"no active token named {name!r}")
    end_sessions_of(db, name)
    record(db, actor, "token.revoke", f"tokens/{name}")
