"""Who may do what: roles, locale scopes and the actions they allow."""

from __future__ import annotations

from typing import Literal

import msgspec

from api.core.errors import Forbidden

__all__ = [
    "ROLES",
    "Action",
    "Principal",
    "Role",
    "access_refusal",
    "authorize",
    "authorize_role",
    "role_refusal",
    "stored_principal",
]

Role = Literal["admin", "editor", "reviewer", "translator"]
ROLES: tuple[Role, ...] = ("admin", "editor", "reviewer", "translator")
Action = Literal[
    "draft.read",
    "draft.write",
    "draft.review",
    "draft.share",
    "article.rollback",
    "article.withdraw",
    "catalog.read",
    "catalog.upload",
    "catalog.review",
    "audit.read",
    "token.manage",
    "webhook.manage",
]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """An authenticated caller: the person (whose name every record carries), their role
    and locale scope, and the token they used."""

    name: str
    """The person."""
    role: Role
    locales: tuple[str, ...] = ()
    token: str = ""
    """The token's name ("" outside a token: the operator, the importer)."""
    token_created_by: str = ""
    """Who created the token (and so has seen its secret)."""
    tied: frozenset[str] = frozenset()
    """The people whose work this caller may not review besides their own: the token's
    creator and whoever could act as them, and every account and token any of those
    created (see `api.store.accounts`). Empty for those who do not review."""


def stored_principal(
    name: str,
    role: Role,
    locales: str,
    *,
    token: str = "",
    token_created_by: str = "",
    tied: frozenset[str] = frozenset(),
) -> Principal:
    """The Principal of a person as they are stored (their locale scope comma-separated),
    signed in with `token`."""
    return Principal(
        name=name,
        role=role,
        locales=tuple(filter(None, locales.split(","))),
        token=token,
        token_created_by=token_created_by,
        tied=tied,
    )


_ALLOWED: dict[Action, frozenset[Role]] = {
    "draft.read": frozenset({"admin", "editor", "reviewer"}),
    "draft.write": frozenset({"admin", "editor"}),
    "draft.review": frozenset({"admin", "reviewer"}),
    # A preview link shows an unpublished draft to someone without an account.
    "draft.share": frozenset({"admin", "editor", "reviewer"}),
    "article.rollback": frozenset({"admin", "editor", "reviewer"}),
    # Asking to withdraw published content; a second person approves (the review rule).
    "article.withdraw": frozenset({"admin", "editor", "reviewer"}),
    "catalog.read": frozenset({"admin", "editor", "reviewer", "translator"}),
    "catalog.upload": frozenset({"admin", "translator"}),
    "catalog.review": frozenset({"admin", "reviewer"}),
    "audit.read": frozenset({"admin"}),
    "token.manage": frozenset({"admin"}),
    "webhook.manage": frozenset({"admin"}),
}
_LOCALE_SCOPED: frozenset[Action] = frozenset({"catalog.upload", "catalog.review"})
# Source text is for reviewers without a locale scope: one scoped to `es` reviews Spanish.
_SOURCE: frozenset[Action] = frozenset(
    {"draft.write", "draft.review", "article.rollback", "article.withdraw"}
)


def role_refusal(principal: Principal, action: Action) -> str | None:
    """Why `principal`'s role may not perform `action` in any locale, or None."""
    if principal.role not in _ALLOWED[action]:
        return f"role {principal.role!r} may not {action}"
    return None


def access_refusal(principal: Principal, action: Action, locale: str | None = None) -> str | None:
    """Why `principal` may not perform `action` (for `locale`), or None if they may."""
    if reason := role_refusal(principal, action):
        return reason
    if (
        action in _LOCALE_SCOPED
        and principal.role != "admin"
        and (locale is None or locale not in principal.locales)
    ):
        return f"{principal.name!r} is not scoped to locale {locale!r}"
    if action in _SOURCE and principal.role == "reviewer" and principal.locales:
        scope = ", ".join(principal.locales)
        return f"you review translations into {scope}, not source text"
    return None


def authorize_role(principal: Principal, action: Action) -> None:
    """Raise Forbidden unless `principal`'s role may perform `action` for some locale."""
    if reason := role_refusal(principal, action):
        raise Forbidden(reason)


def authorize(principal: Principal, action: Action, locale: str | None = None) -> None:
    """Raise Forbidden unless `principal` may perform `action` (for `locale`)."""
    if reason := access_refusal(principal, action, locale):
        raise Forbidden(reason)
