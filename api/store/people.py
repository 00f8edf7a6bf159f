"""People and who can act as whom: the facts the review rule needs about a token.

A person has a role, a locale scope and one or more tokens. Whoever creates a token sees
its secret once, so they can act with it; whoever creates a person's account creates their
first token. The store keeps who created each person and each token (`created_by`: a
person's name, or `operator` for the command line), and from that works out, for a token
used to review, the people whose work it may not review (`Principal.tied`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlite_utils

from api.core.access import Principal, Role, role_allows, stored_principal

__all__ = [
    "OPERATOR_NAME",
    "RESERVED_NAMES",
    "TOKEN_COLUMNS",
    "display_names",
    "token_principal",
]

OPERATOR_NAME = "operator"
"""Who the command line acts as: whoever runs the service, trusted with the file itself."""
RESERVED_NAMES = frozenset({OPERATOR_NAME, "import"})
"""Names the records use for the operator and the importer: no person may take them."""

TOKEN_COLUMNS = "t.name, t.created_by, p.name, p.role, p.locales"
"""What `token_principal` needs of a token `t` joined to its person `p`."""


def _edges(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(creator, person) for every account and every token a person created."""
    rows = db.execute(
        "SELECT created_by, name FROM people UNION SELECT created_by, person FROM tokens"
    ).fetchall()
    return [(c, p) for c, p in rows if c and p and c != OPERATOR_NAME and c != p]


def _closure(start: Iterable[str], step: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(seen)
    while todo:
        for nxt in step.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def tied_people(db: sqlite_utils.Database, person: str, token_creator: str) -> frozenset[str]:
    """The people whose work `person`, using a token `token_creator` made, may not review
    (besides their own): the token's creator and anyone who could act as them (who
    created their account or one of their tokens, and so on up), and everyone any of
    those, or `person`, created an account or a token for (and so on down). The operator
    is trusted and ties no one."""
    up: dict[str, set[str]] = defaultdict(set)
    down: dict[str, set[str]] = defaultdict(set)
    for creator, created in _edges(db):
        up[created].add(creator)
        down[creator].add(created)
    holders = {person}
    if token_creator and token_creator != OPERATOR_NAME:
        holders |= _closure([token_creator], up)
    return frozenset(_closure(holders, down) - {person})


def token_principal(
    db: sqlite_utils.Database, token: str, token_creator: str, person: str, role: Role, locales: str
) -> Principal:
    """The caller using `token` (the columns of `TOKEN_COLUMNS`), with the people they are
    tied to when their role reviews."""
    tied = (
        tied_people(db, person, token_creator)
        if role_allows(role, "draft.review")
        else frozenset[str]()
    )
    return stored_principal(
        person, role, locales or "", token=token, token_created_by=token_creator, tied=tied
    )


def display_names(db: sqlite_utils.Database, names: Iterable[str]) -> dict[str, str]:
    """How each person is shown to readers: their display name where their account sets
    one, else their name as stored (the importer and the operator keep theirs)."""
    wanted = sorted(set(names))
    marks = ", ".join("?" for _ in wanted)
    shown = {
        name: display
        for name, display in db.execute(
            f"SELECT name, display_name FROM people WHERE name IN ({marks})", wanted
        ).fetchall()
        if display
    }
    return {name: shown.get(name, name) for name in wanted}
