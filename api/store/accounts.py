"""People and their API tokens: a token is created once, stored only as a hash, checked in
constant time, revocable; it belongs to a person, whose name every record carries."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import msgspec
import sqlite_utils

from api.core.access import ROLES, Principal, Role, stored_principal
from api.core.errors import Conflict, Forbidden, InvalidParameter, NotFound, Unauthorized
from api.core.model import PERSON_NAME_PATTERN
from api.core.negotiation import canonical_locale
from api.store.audit import record
from api.store.people import OPERATOR_NAME, RESERVED_NAMES, TOKEN_COLUMNS, token_principal
from api.store.schema import transaction
from api.store.sessions import end_sessions_of
from api.store.versions import now

# Tokens are managed from the command line by whoever runs the service.
OPERATOR = Principal(name=OPERATOR_NAME, role="admin")

__all__ = [
    "TokenInfo",
    "authenticate",
    "create_token",
    "list_tokens",
    "principal_named",
    "revoke_token",
]

_TOKEN = re.compile(r"^vt_(\d{1,12})_([A-Za-z0-9_-]{20,100})$")
_NAME = re.compile(PERSON_NAME_PATTERN)
# Compared when no token row exists, so a miss costs the same as a wrong secret.
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()


class TokenInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A token as listed: never its secret. Its role and scope are its person's."""

    id: int
    name: str
    person: str
    role: Role
    locales: tuple[str, ...] = ()
    created_by: str
    created_at: str
    revoked_at: str | None = None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _valid_name(field: str, name: str) -> None:
    if not _NAME.match(name):
        raise InvalidParameter(field, "letters, digits and . _ @ - only, at most 64")
    if name in RESERVED_NAMES:
        raise InvalidParameter(field, f"{name!r} is the name the records give the {name}")


def _scope(locales: list[str]) -> tuple[str, ...]:
    try:
        return tuple(sorted({canonical_locale(tag) for tag in locales if tag}))
    except ValueError as exc:
        raise InvalidParameter("locales", str(exc)) from exc


def create_token(
    db: sqlite_utils.Database,
    *,
    name: str,
    role: str | None = None,
    locales: list[str] | None = None,
    person: str | None = None,
    actor: Principal = OPERATOR,
) -> tuple[TokenInfo, str]:
    """Create a token; returns its record and the secret, which is never stored. `actor`
    is who the audit log names (the operator at the command line, or an admin).

    Without `person`, a new person named `name` with `role` and `locales`, and their
    first token, also named `name`. With `person`, another token for that existing
    person, carrying their role and scope (`role` and `locales`, if given, must be
    theirs). An admin may add tokens only for themselves: whoever creates a token sees its
    secret, and a token for someone else would let the admin act as them. The operator
    (who holds the database file anyway) may add one for anybody."""
    _valid_name("name", name)
    scoped = _scope(locales or [])
    secret = secrets.token_urlsafe(32)
    stamp = now()
    with transaction(db):
        if db.execute("SELECT 1 FROM tokens WHERE name = ?", [name]).fetchone():
            raise Conflict(f"a token named {name!r} exists")
        if person is None:
            if role not in ROLES:
                raise InvalidParameter("role", f"one of {', '.join(ROLES)}")
            if db.execute("SELECT 1 FROM people WHERE name = ?", [name]).fetchone():
                raise Conflict(
                    f"a person named {name!r} exists: to give them another token, name them "
                    "as its person"
                )
            owner, owner_role, owner_scope = name, role, scoped
            db.execute(
                "INSERT INTO people (name, role, locales, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [name, role, ",".join(scoped), actor.name, stamp],
            )
            record(
                db, actor, "person.create", f"people/{name}", detail=f"{role} {','.join(scoped)}"
            )
        else:
            row = db.execute(
                "SELECT name, role, locales FROM people WHERE name = ?", [person]
            ).fetchone()
            if row is None:
                raise NotFound(f"no person named {person!r}")
            owner, owner_role, owner_scope = row[0], row[1], _scope(row[2].split(","))
            if role not in (None, "", owner_role) or (locales and scoped != owner_scope):
                raise InvalidParameter(
                    "role",
                    f"a token carries its person's role and scope; {owner} is {owner_role}"
                    + (f" for {','.join(owner_scope)}" if owner_scope else ""),
                )
            if actor.name not in (OPERATOR_NAME, owner):
                raise Forbidden(
                    f"you may create tokens for new people and for yourself, not for {owner}: "
                    "whoever creates a token sees its secret and could act as them"
                )
        cursor = db.execute(
            "INSERT INTO tokens (name, role, locales, secret_hash, created_at, person, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [name, owner_role, ",".join(owner_scope), _hash(secret), stamp, owner, actor.name],
        )
        token_id = int(cursor.lastrowid or 0)
        detail = f"{owner_role} {','.join(owner_scope)}" + (
            f" person {owner}" if owner != name else ""
        )
        record(db, actor, "token.create", f"tokens/{name}", detail=detail)
    role_value: Role = owner_role
    info = TokenInfo(
        id=token_id,
        name=name,
        person=owner,
        role=role_value,
        locales=owner_scope,
        created_by=actor.name,
        created_at=stamp,
    )
    return info, f"vt_{token_id}_{secret}"


def authenticate(db: sqlite_utils.Database, authorization: str | None) -> Principal:
    """The principal of an `Authorization: Bearer …` header, or Unauthorized."""
    scheme, _, token = (authorization or "").partition(" ")
    match = _TOKEN.match(token.strip()) if scheme.lower() == "bearer" else None
    if match is None:
        raise Unauthorized("send Authorization: Bearer <token>")
    row = db.execute(
        f"SELECT t.secret_hash, t.revoked_at, {TOKEN_COLUMNS} FROM tokens t "
        "JOIN people p ON p.name = t.person WHERE t.id = ?",
        [int(match.group(1))],
    ).fetchone()
    expected = row[0] if row else _DUMMY_HASH
    valid = hmac.compare_digest(_hash(match.group(2)), expected)
    if row is None or not valid or row[1]:
        raise Unauthorized("invalid or revoked token")
    return token_principal(db, *row[2:])


def principal_named(db: sqlite_utils.Database, name: str) -> Principal:
    """A person who holds an active token (for work attributed to them outside HTTP)."""
    row = db.execute(
        "SELECT p.name, p.role, p.locales FROM people p WHERE p.name = ? AND EXISTS "
        "(SELECT 1 FROM tokens t WHERE t.person = p.name AND t.revoked_at IS NULL)",
        [name],
    ).fetchone()
    if row is None:
        raise NotFound(f"no active token named {name!r} (no such person, or none active)")
    return stored_principal(row[0], row[1], row[2])


def list_tokens(db: sqlite_utils.Database) -> list[TokenInfo]:
    """Every token, newest last, without secrets."""
    rows = db.execute(
        "SELECT t.id, t.name, t.person, p.role, p.locales, t.created_by, t.created_at, "
        "t.revoked_at FROM tokens t JOIN people p ON p.name = t.person ORDER BY t.id"
    ).fetchall()
    return [
        TokenInfo(
            id=r[0],
            name=r[1],
            person=r[2],
            role=r[3],
            locales=tuple(filter(None, r[4].split(","))),
            created_by=r[5],
            created_at=r[6],
            revoked_at=r[7],
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
