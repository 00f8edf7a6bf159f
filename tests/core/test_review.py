"""The one permission rule as tables: role, then scope, then the review rule's
independence (authorship and ties), admins included; one reason for each refusal."""

from __future__ import annotations

import re

import pytest

from api.core.access import Action, Principal, Target, may
from api.core.errors import Forbidden

ANA = Principal(name="ana", role="editor")
BEN = Principal(name="ben", role="reviewer")
MARTA = Principal(name="marta", role="reviewer", locales=("es",))
ROOT = Principal(name="root", role="admin")
LUCIA = Principal(name="lucia", role="translator", locales=("es",))
# A Spanish reviewer whose token root created: tied to root's work, and scoped.
PILAR = Principal(
    name="pilar", role="reviewer", locales=("es",), token="pilar", token_created_by="root"
)

SOURCE_BY_ANA = Target.source({"ana"})
SOURCE_BY_ANA_AND_ROOT = Target.source({"ana", "root"})
SPANISH_BY_LUCIA = Target.translation("es", {"lucia"})
SPANISH_BY_ROOT = Target.translation("es", {"root"})
FRENCH_BY_LUCIA = Target.translation("fr", {"lucia"})


@pytest.mark.parametrize(
    ("actor", "target", "reason"),
    [
        (BEN, SOURCE_BY_ANA, None),
        (ROOT, SOURCE_BY_ANA, None),
        (ROOT, SOURCE_BY_ANA_AND_ROOT, "you wrote part of this draft"),  # admins not exempt
        (BEN, Target.source({"ben"}), "you wrote part of this draft"),
        (ANA, SOURCE_BY_ANA, "an editor does not review: only a reviewer may publish this draft"),
        (ANA, Target.source({"ben"}), "an editor does not review"),
        (MARTA, SOURCE_BY_ANA, "you review translations into es, not source text"),
        (MARTA, SPANISH_BY_LUCIA, None),
        (MARTA, FRENCH_BY_LUCIA, "you are not scoped to review translations into fr"),
        (BEN, SPANISH_BY_LUCIA, "you are not scoped to review translations into es"),
        (ROOT, SPANISH_BY_LUCIA, None),
        (ROOT, SPANISH_BY_ROOT, "you wrote part of these es entries"),
        (LUCIA, SPANISH_BY_ROOT, "a translator does not review"),
        # Tied and scoped: the scope is the one reason (it holds for every source draft).
        (PILAR, Target.source({"root"}), "you review translations into es, not source text"),
        (PILAR, SPANISH_BY_ROOT, "this token (pilar) was created by root"),
    ],
)
def test_the_review_rule(actor: Principal, target: Target, reason: str | None) -> None:
    action: Action = "draft.review" if target.locale is None else "catalog.review"
    decision = may(actor, action, target)
    if reason is None:
        assert decision.allowed and decision.reason is None
        decision.enforce()
    else:
        assert not decision and decision.reason is not None and decision.reason.startswith(reason)
        with pytest.raises(Forbidden, match=re.escape(reason)):
            decision.enforce()


@pytest.mark.parametrize(
    ("actor", "action", "target", "reason"),
    [
        (ANA, "draft.write", None, None),
        (BEN, "draft.write", None, "role 'reviewer' may not draft.write"),
        (MARTA, "article.rollback", None, "you review translations into es, not source text"),
        (LUCIA, "article.rollback", None, "role 'translator' may not article.rollback"),
        (ANA, "article.review", None, "an editor does not review: only a reviewer may confirm"),
        (LUCIA, "catalog.upload", Target.translation("es"), None),
        (
            LUCIA,
            "catalog.upload",
            Target.translation("fr"),
            "you are not scoped to translate into fr",
        ),
        (LUCIA, "catalog.upload", None, None),  # some locale: the role alone
        (BEN, "catalog.review", None, None),
        (MARTA, "draft.read", None, None),  # a scoped reviewer reads drafts
        (ROOT, "token.manage", None, None),
        (ANA, "audit.read", None, "role 'editor' may not audit.read"),
    ],
)
def test_may_without_authors(
    actor: Principal, action: Action, target: Target | None, reason: str | None
) -> None:
    decision = may(actor, action, target)
    assert decision.reason == reason or (
        reason is not None and decision.reason is not None and decision.reason.startswith(reason)
    )
