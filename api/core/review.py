"""The review rule: nothing reaches readers unless a second person approved exactly that
content. One pure function; every write path (HTTP, CLI, import) asks it.

A reviewer may approve content when they hold the reviewing role, wrote none of it (no
revision of the draft, not an upload of the catalog), are independent of everyone who did,
and their scope covers it: a reviewer with no locales reviews source text, one scoped to
`es` reviews Spanish translations and nothing else. Admins review anything in scope, and
are not exempt from the rest.

Names are people's, never tokens': a person may hold several tokens. Independence is about
secrets: whoever created a token has seen it and can act with it, so a token created by an
author, or by someone who created an author's account or token, cannot review that
author's work (`Principal.tied`, worked out by the store).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

import msgspec

from api.core.access import Principal
from api.core.errors import Forbidden

__all__ = [
    "REVIEWING_ROLES",
    "ReviewAction",
    "ReviewTarget",
    "check_review",
    "review_refusal",
]

REVIEWING_ROLES = frozenset({"admin", "reviewer"})
ReviewAction = Literal["publish", "approve", "confirm", "withdraw"]
"""`publish`: a draft (article, treatments, or a rollback) becomes a version readers get.
`approve`: entries of a pending catalog become the translations readers get.
`confirm`: a published version is reviewed again and found still accurate (no new version).
`withdraw`: published content is taken away from readers (at once or at a set time), or a
scheduled withdrawal is called off; urgency is a reason given, never an exemption."""


class ReviewTarget(msgspec.Struct, frozen=True, kw_only=True):
    """What is to reach readers: source text (`locale` None) or one locale's translations,
    and everyone who wrote any part of it."""

    locale: str | None
    authors: frozenset[str]
    what: str = "this content"

    @classmethod
    def source(cls, authors: Collection[str], what: str = "this draft") -> ReviewTarget:
        return cls(locale=None, authors=frozenset(authors), what=what)

    @classmethod
    def translation(
        cls, locale: str, authors: Collection[str], what: str = "this catalog"
    ) -> ReviewTarget:
        return cls(locale=locale, authors=frozenset(authors), what=what)


def review_refusal(actor: Principal, action: ReviewAction, target: ReviewTarget) -> str | None:
    """Why `actor` may not `action` `target`, in words a person understands; None if they may."""
    verb: str = action
    if actor.role not in REVIEWING_ROLES:
        article = "an" if actor.role[0] in "aeiou" else "a"
        return f"{article} {actor.role} does not review: only a reviewer may {verb} {target.what}"
    if actor.name in target.authors:
        return f"you wrote part of {target.what}: a second person must review it"
    if actor.token_created_by in target.authors:
        return (
            f"this token ({actor.token}) was created by {actor.token_created_by}, who wrote "
            f"part of {target.what}: a token its creator has seen cannot review their work; "
            "a second person must review it with their own token"
        )
    if tied := sorted(target.authors & actor.tied):
        return (
            f"you are not independent of {', '.join(tied)}, who wrote part of {target.what}: "
            "one of you created the other's account or token, or this token's creator did; "
            "a person independent of them must review it"
        )
    if actor.role == "admin":
        return None
    if target.locale is None and actor.locales:
        scope = ", ".join(actor.locales)
        return f"you review translations into {scope}, not source text"
    if target.locale is not None and target.locale not in actor.locales:
        return f"you are not scoped to review translations into {target.locale}"
    return None


def check_review(actor: Principal, action: ReviewAction, target: ReviewTarget) -> None:
    """Raise Forbidden with the rule's reason unless `actor` may `action` `target`."""
    reason = review_refusal(actor, action, target)
    if reason is not None:
        raise Forbidden(reason)
