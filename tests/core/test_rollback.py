"""What a rollback brings back of the treatment records: the article's own as the target
version had them (removed ones back, added ones gone), every other article's as now."""

from __future__ import annotations

from msgspec.structs import replace

from api.core.changes import FieldChange
from api.core.content import parse_treatments
from api.core.model import TreatmentCatalog
from api.core.rollback import restored_treatments, undone_changes
from tests.conftest import CONTENT, SLUG

SHIPPED = parse_treatments((CONTENT / "treatments.yaml").read_bytes(), "treatments.yaml")


def _ids(catalog: TreatmentCatalog) -> list[str]:
    return [t.id for t in catalog.treatments]


def test_the_articles_records_come_back_as_the_target_had_them() -> None:
    records = list(SHIPPED.treatments)
    target = TreatmentCatalog(treatments=tuple(records))
    changed = replace(records[1], name=records[1].name + " (renamed)")
    added = replace(records[0], id="added-since")
    # Since the target: record 1 changed, record 2 removed, one added.
    now = TreatmentCatalog(treatments=(records[0], changed, *records[3:], added))
    restored = restored_treatments(SLUG, target, now)
    assert restored == target, "byte for byte, in the target's order"


def test_other_articles_records_stay_as_they_are_now() -> None:
    records = list(SHIPPED.treatments)
    theirs = replace(records[2], article="another-article")
    target = TreatmentCatalog(treatments=(records[0], theirs, records[3]))
    theirs_now = replace(theirs, name=theirs.name + " (corrected)")
    new_theirs = replace(records[4], id="new-there", article="another-article")
    gone = replace(records[5], id="gone-there", article="another-article")
    target = TreatmentCatalog(treatments=(*target.treatments, gone))
    now = TreatmentCatalog(treatments=(records[0], theirs_now, new_theirs, records[3]))
    restored = restored_treatments(SLUG, target, now)
    assert _ids(restored) == [records[0].id, theirs.id, "new-there", records[3].id]
    assert restored.treatments[1] == theirs_now, "another article's correction stands"


def test_undone_changes_name_the_safety_of_what_they_touch() -> None:
    changes = [
        FieldChange(field="block:intro/p1", change="changed"),
        FieldChange(field="block:risks/p2", change="changed"),
        FieldChange(field="treatment:minoxidil", change="changed"),
    ]
    assert undone_changes(changes, frozenset({"block:intro/p1"}), frozenset()) == (
        ("block:intro/p1",),
        False,
    )
    assert undone_changes(changes, frozenset({"block:risks/p2"}), frozenset({"block:risks/p2"}))[1]
    assert undone_changes(changes, frozenset({"treatment:minoxidil"}), frozenset())[1]
    assert undone_changes(changes, frozenset(), frozenset({"block:risks/p2"})) == ((), False)
