"""The review rule as a table: role, authorship and scope, admins included."""

from __future__ import annotations

import pytest

from api.core.access import Principal
from api.core.errors import Forbidden
from api.core.review import ReviewTarget, check_review, review_refusal

ANA = Principal(name="ana", role="editor")
BEN = Principal(name="ben", role="reviewer")
MARTA = Principal(name="marta", role="reviewer", locales=("es",))
ROOT = Principal(name="root", role="admin")
LUCIA = Principal(name="lucia", role="translator", locales=("es",))

SOURCE_BY_ANA = ReviewTarget.source({"ana"})
SOURCE_BY_ANA_AND_ROOT = ReviewTarget.source({"ana", "root"})
SPANISH_BY_LUCIA = ReviewTarget.translation("es", {"lucia"})
SPANISH_BY_ROOT = ReviewTarget.translation("es", {"root"})
FRENCH_BY_LUCIA = ReviewTarget.translation("fr", {"lucia"})


@pytest.mark.parametrize(
    ("actor", "target", "reason"),
    [
        (BEN, SOURCE_BY_ANA, None),
        (ROOT, SOURCE_BY_ANA, None),
        (ROOT, SOURCE_BY_ANA_AND_ROOT, "you wrote part of this draft"),  # admins not exempt
        (BEN, ReviewTarget.source({"ben"}), "you wrote part of this draft"),
        (ANA, SOURCE_BY_ANA, "an editor does not review"),
        (ANA, ReviewTarget.source({"ben"}), "an editor does not review"),
        (MARTA, SOURCE_BY_ANA, "you review translations into es, not source text"),
        (MARTA, SPANISH_BY_LUCIA, None),
        (MARTA, FRENCH_BY_LUCIA, "not scoped to review translations into fr"),
        (BEN, SPANISH_BY_LUCIA, "not scoped to review translations into es"),
        (ROOT, SPANISH_BY_LUCIA, None),
        (ROOT, SPANISH_BY_ROOT, "you wrote part of this catalog"),
        (LUCIA, SPANISH_BY_ROOT, "a translator does not review"),
    ],
)
def test_the_review_rule(actor: Principal, target: ReviewTarget, reason: str | None) -> None:
    action = "publish" if target.locale is None else "approve"
    refusal = review_refusal(actor, action, target)
    if reason is None:
        assert refusal is None
        check_review(actor, action, target)
    else:
        assert refusal is not None and reason in refusal
        with pytest.raises(Forbidden, match=reason):
            check_review(actor, action, target)
