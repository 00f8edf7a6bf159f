"""Token use cases: create a token (for a new person, or another of an existing person's)
and revoke one (authorise, validate, store, audit: see `api.actions`). The command line
acts as the operator (`api.store.accounts.OPERATOR`, an admin trusted with the file)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from api.core.access import Principal, may
from api.core.errors import InvalidParameter
from api.store import accounts as store
from api.store.accounts import TokenInfo

__all__ = ["create_token", "revoke_token"]


def create_token(
    db: sqlite_utils.Database,
    principal: Principal,
    *,
    name: str,
    role: str | None,
    locales: Iterable[str] = (),
    person: str | None = None,
) -> tuple[TokenInfo, str]:
    """A new token and its secret (shown once, never stored): without `person`, for a new
    person named `name` with `role` and the `locales` scope; with it, another token of that
    person's (an admin may add one only for themselves: the store's rule)."""
    may(principal, "token.manage").enforce()
    scope = [tag.strip() for tag in locales if tag.strip()]
    person = (person or "").strip() or None
    if person is None and not role:
        raise InvalidParameter("role", "required for a new person (or name one as its person)")
    return store.create_token(
        db, name=name.strip(), role=role, locales=scope, person=person, actor=principal
    )


def revoke_token(db: sqlite_utils.Database, principal: Principal, name: str) -> None:
    """Revoke a token: it stops working at once, and its workspace sessions end."""
    may(principal, "token.manage").enforce()
    store.revoke_token(db, name, actor=principal)
