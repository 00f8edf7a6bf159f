"""TR-5: a regulatory statement names the forms its status is recorded for, in its quote.

Version 1's minoxidil record (`fda-approved` for topical and oral, quoting only "FDA-approved
for androgenetic alopecia in both men and women") is the finding's own example: kept verbatim
as the content of record, so the rule holds for what a change writes or alters."""

from __future__ import annotations

from pathlib import Path

from msgspec.structs import replace

from api.core.content import parse_treatments
from api.core.evidence import unnamed_forms
from api.core.model import TreatmentCatalog
from tests.conftest import SHIPPED_CONTENT, VERSION_1_RECORDS


def _records(path: Path) -> TreatmentCatalog:
    return parse_treatments(path.read_bytes(), str(path))


def test_version_1s_minoxidil_statement_is_the_finding() -> None:
    v1 = _records(VERSION_1_RECORDS)
    problems = unnamed_forms(None, v1)
    assert ("minoxidil", "regulatory/0") in {(p.treatment, p.field) for p in problems}
    assert any("topical form" in p.problem for p in problems)


def test_statements_already_published_are_not_refused_again() -> None:
    v1 = _records(VERSION_1_RECORDS)
    assert unnamed_forms(v1, v1) == []


def test_version_2_names_every_form_it_records() -> None:
    v1 = _records(VERSION_1_RECORDS)
    v2 = _records(SHIPPED_CONTENT / "treatments.yaml")
    assert unnamed_forms(v1, v2) == []


def test_an_altered_statement_must_name_its_forms() -> None:
    v2 = _records(SHIPPED_CONTENT / "treatments.yaml")
    (i, minoxidil) = next((i, t) for i, t in enumerate(v2.treatments) if t.id == "minoxidil")
    topical = minoxidil.regulatory[0]
    assert topical.forms == ("topical",)
    widened = replace(topical, forms=("topical", "oral"))
    changed = replace(minoxidil, regulatory=(widened, *minoxidil.regulatory[1:]))
    treatments = list(v2.treatments)
    treatments[i] = changed
    new = replace(v2, treatments=tuple(treatments))
    (problem,) = unnamed_forms(v2, new)
    assert (problem.treatment, problem.field) == ("minoxidil", "regulatory/0")
    assert "oral form" in problem.problem
