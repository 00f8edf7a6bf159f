"""The review rule's independence: nothing reaches readers unless a second person approved
exactly that content. Asked through `api.core.access.may` (the role and the scope come
first there), by every write path: HTTP, the workspace, the CLI and the import.

A reviewer may approve content when they wrote none of it (no revision of the draft, not an
upload of the catalog) and are independent of everyone who did. Admins are not exempt.

Names are people's, never tokens': a person may hold several tokens. Independence is about
secrets: whoever created a token has seen it and can act with it, so a token created by an
author, or by someone who created an author's account or token, cannot review that
author's work (`Principal.tied`, worked out by the store).
"""

from __future__ import annotations

from collections.abc import Set
from typing import Protocol

__all__ = ["Reviewer", "independence_refusal"]


class Reviewer(Protocol):
    """What the rule reads of a person (an `api.core.access.Principal`)."""

    @property
    def name(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def token_created_by(self) -> str: ...
    @property
    def tied(self) -> frozenset[str]: ...


def independence_refusal(actor: Reviewer, authors: Set[str], what: str) -> str | None:
    """Why `actor` is not the independent second person for `what`, written by `authors`;
    None if they are."""
    if actor.name in authors:
        return f"you wrote part of {what}: a second person must review it"
    if actor.token_created_by in authors:
        return (
            f"this token ({actor.token}) was created by {actor.token_created_by}, who wrote "
            f"part of {what}: a token its creator has seen cannot review their work; "
            "a second person must review it with their own token"
        )
    if tied := sorted(authors & actor.tied):
        return (
            f"you are not independent of {', '.join(tied)}, who wrote part of {what}: "
            "one of you created the other's account or token, or this token's creator did; "
            "a person independent of them must review it"
        )
    return None
