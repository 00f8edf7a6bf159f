"""Who may do what: one permission function, `may`, that the store, the application layer
(`api.actions`) and the workspace's buttons all ask, with exactly one reason per refusal.

A decision is made in one order, and stops at the first rule that refuses:

1. **Role.** The person's role must allow the action (`_ALLOWED`).
2. **Scope.** A reviewer scoped to locales reviews translations into those locales, not
   source text; a translator or reviewer acts on the catalogs of their locales only.
   Admins have no scope.
3. **Independence** (the review rule, `api.core.review`): for a review that lets content
   reach readers, no one who wrote any of it, nor anyone tied to them, may be the second
   person. Admins are not exempt.

Rules 1 and 2 are about the person and the kind of thing (the same for every draft); rule 3
is about one piece of content and who wrote it, so it comes last: a person who may never
review source text hears that, on every draft, rather than a reason about one author.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

import msgspec

from api.core.errors import Forbidden
from api.core.review import independence_refusal

__all__ = [
    "ROLES",
    "Action",
    "Decision",
    "Principal",
    "Role",
    "Target",
    "may",
    "role_allows",
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
    "article.review",
    "article.withdraw",
    "withdrawal.review",
    "catalog.read",
    "catalog.upload",
    "catalog.review",
    "audit.read",
    "token.manage",
    "webhook.manage",
]
"""`draft.review`: publish or reject a draft (and read the review queue).
`article.review`: confirm that a published version is still accurate (no new version).
`article.withdraw`: ask for published content to be withdrawn (or call it off).
`withdrawal.review`: approve or decline a withdrawal someone else asked for.
`catalog.review`: approve or reject a pending catalog of a locale."""


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


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """What an action is on: source text (`locale` None) or one locale's translations, who
    wrote it (for a review: empty when not known yet, e.g. before a request's body is read),
    and how a sentence names it."""

    locale: str | None = None
    authors: frozenset[str] = frozenset()
    what: str = ""

    @classmethod
    def source(cls, authors: Collection[str] = (), what: str = "this draft") -> Target:
        return cls(locale=None, authors=frozenset(authors), what=what)

    @classmethod
    def translation(cls, locale: str, authors: Collection[str] = (), what: str = "") -> Target:
        """A locale's translations (named "these <locale> entries" unless `what` says)."""
        return cls(
            locale=locale, authors=frozenset(authors), what=what or f"these {locale} entries"
        )


class Decision(msgspec.Struct, frozen=True):
    """What `may` answers: allowed, or refused for one reason in a person's words."""

    reason: str | None = None

    @property
    def allowed(self) -> bool:
        return self.reason is None

    def __bool__(self) -> bool:
        return self.reason is None

    def enforce(self) -> None:
        """Raise Forbidden with the reason unless allowed."""
        if self.reason is not None:
            raise Forbidden(self.reason)


ALLOWED = Decision()

_ALLOWED: dict[Action, frozenset[Role]] = {
    "draft.read": frozenset({"admin", "editor", "reviewer"}),
    "draft.write": frozenset({"admin", "editor"}),
    "draft.review": frozenset({"admin", "reviewer"}),
    # A preview link shows an unpublished draft to someone without an account.
    "draft.share": frozenset({"admin", "editor", "reviewer"}),
    "article.rollback": frozenset({"admin", "editor", "reviewer"}),
    "article.review": frozenset({"admin", "reviewer"}),
    # Asking to withdraw published content; a second person approves (the review rule).
    "article.withdraw": frozenset({"admin", "editor", "reviewer"}),
    "withdrawal.review": frozenset({"admin", "reviewer"}),
    "catalog.read": frozenset({"admin", "editor", "reviewer", "translator"}),
    "catalog.upload": frozenset({"admin", "translator"}),
    "catalog.review": frozenset({"admin", "reviewer"}),
    "audit.read": frozenset({"admin"}),
    "token.manage": frozenset({"admin"}),
    "webhook.manage": frozenset({"admin"}),
}
# Reviews that let content reach readers: the review rule's independence applies.
_REVIEWS: dict[Action, tuple[str, str]] = {
    "draft.review": ("publish", "this draft"),
    "article.review": ("confirm", "this version"),
    "withdrawal.review": ("approve", "this withdrawal"),
    "catalog.review": ("approve", "this catalog"),
}
# Acting on source text: a reviewer scoped to locales reviews translations, not this.
_SOURCE: frozenset[Action] = frozenset(
    {
        "draft.write",
        "draft.review",
        "article.rollback",
        "article.review",
        "article.withdraw",
        "withdrawal.review",
    }
)
# Acting on one locale's catalog: the person must be scoped to it.
_LOCALE_SCOPED: dict[Action, str] = {
    "catalog.upload": "translate into",
    "catalog.review": "review translations into",
}


def role_allows(role: Role, action: Action) -> bool:
    """Whether `role` performs `action` at all (rule 1 alone): for what a page lists (the
    review queue a scoped reviewer sees with each draft's reason), or whose ties the
    store works out (those who review)."""
    return role in _ALLOWED[action]


def _role_refusal(principal: Principal, action: Action, what: str) -> str | None:
    if principal.role in _ALLOWED[action]:
        return None
    if action in _REVIEWS:
        verb, default = _REVIEWS[action]
        article = "an" if principal.role[0] in "aeiou" else "a"
        return (
            f"{article} {principal.role} does not review: "
            f"only a reviewer may {verb} {what or default}"
        )
    return f"role {principal.role!r} may not {action}"


def _scope_refusal(principal: Principal, action: Action, locale: str | None) -> str | None:
    if principal.role == "admin":
        return None
    if action in _SOURCE and principal.locales:
        return f"you review translations into {', '.join(principal.locales)}, not source text"
    if action in _LOCALE_SCOPED and locale is not None and locale not in principal.locales:
        return f"you are not scoped to {_LOCALE_SCOPED[action]} {locale}"
    return None


def may(principal: Principal, action: Action, target: Target | None = None) -> Decision:
    """Whether `principal` may perform `action` on `target`, with the one reason when not.

    Without a target: source text for the actions on drafts and articles, and "some
    locale" (the role alone) for the actions on catalogs. A review's independence is
    checked when the target names its authors."""
    what = target.what if target is not None else ""
    reason = _role_refusal(principal, action, what) or _scope_refusal(
        principal, action, target.locale if target is not None else None
    )
    if reason is None and action in _REVIEWS and target is not None and target.authors:
        default = _REVIEWS[action][1]
        reason = independence_refusal(principal, target.authors, what or default)
    return Decision(reason) if reason is not None else ALLOWED
