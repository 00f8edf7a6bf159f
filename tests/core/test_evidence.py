"""Every claim of a treatment record carries the article's exact words, checked against
the cited block: a record cannot say more, less or other than the reviewed text."""

from __future__ import annotations

import msgspec
import pytest
import yaml

from api.core.content import check_references, parse_article, parse_treatments
from api.core.errors import ValidationFailed
from api.core.evidence import claims, stale_claims
from api.core.messages import block_fields
from api.core.model import Article, Paragraph, Treatment, TreatmentCatalog, walk_sections
from tests.conftest import ARTICLE_FILE, CONTENT

TREATMENTS_FILE = CONTENT / "treatments.yaml"


def _article() -> Article:
    return parse_article(ARTICLE_FILE.read_bytes(), "article.yaml")


def _records() -> TreatmentCatalog:
    return parse_treatments(TREATMENTS_FILE.read_bytes(), "treatments.yaml")


def _blocks_in_the_file() -> dict[str, str]:
    """The article's block texts read straight from the YAML, not through our model."""
    data = yaml.safe_load(ARTICLE_FILE.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    pending = list(data["sections"])
    while pending:
        section = pending.pop(0)
        for block in section.get("blocks", []):
            parts = [block.get(k) for k in ("text", "question", "answer") if block.get(k)]
            out[f"{section['id']}/{block['id']}"] = "\n".join(parts)
        pending.extend(section.get("sections", []))
    return out


def _expected_claims(record: dict[str, object]) -> set[str]:
    """The claims a record makes, read from its raw YAML: each needs evidence."""
    out = {"kind"}
    out |= {f"forms/{f['form']}" for f in record.get("forms", [])}  # type: ignore[attr-defined]
    out |= {f"audience/{a['audience']}" for a in record.get("audience", [])}  # type: ignore[attr-defined]
    out |= {f"regulatory/{n}" for n, _ in enumerate(record.get("regulatory", []))}  # type: ignore[arg-type]
    out |= {f"cautions/{n}" for n, _ in enumerate(record.get("cautions", []))}  # type: ignore[arg-type]
    out |= {f"requirements/{n}" for n, _ in enumerate(record.get("requirements", []))}  # type: ignore[arg-type]
    if record.get("suitable_for"):
        out.add("suitable_for")
    return out


def test_every_treatment_claim_has_evidence_quoted_from_its_block() -> None:
    blocks = _blocks_in_the_file()
    raw = {r["id"]: r for r in yaml.safe_load(TREATMENTS_FILE.read_text())["treatments"]}
    records = _records()
    assert len(records.treatments) == 8
    for record in records.treatments:
        found = claims(record)
        assert {c.field for c in found} == _expected_claims(raw[record.id]), record.id
        for claim in found:
            assert claim.block in blocks, (record.id, claim.field, claim.block)
            assert claim.quote in blocks[claim.block], (record.id, claim.field)
            assert all(part in claim.quote for part in claim.within), (record.id, claim.field)
            assert claim.block.startswith(record.section) or record.id == "stem-cell-therapy"
    assert stale_claims([_article()], records) == ()


@pytest.mark.parametrize(
    ("record", "field", "expected"),
    [
        ("stem-cell-therapy", "suitable_for", "typically include individuals"),
        ("stem-cell-therapy", "forms/topical", "topical application via microneedling"),
        ("stem-cell-therapy", "regulatory/0", "so the full extent of potential risks isn’t yet"),
        ("minoxidil", "forms/oral", "may be recommended for those unresponsive to the topical"),
        ("dutasteride", "regulatory/2", "dutasteride prescription products"),
        ("spironolactone", "cautions/0", "generally not recommended for men due to potential"),
        ("lllt", "requirements/0", "Regular use is required for noticeable results"),
    ],
)
def test_the_records_say_what_the_text_says(record: str, field: str, expected: str) -> None:
    (found,) = [
        c for t in _records().treatments if t.id == record for c in claims(t) if c.field == field
    ]
    assert expected in found.quote


def test_no_record_states_an_audience_the_text_does_not() -> None:
    by_id = {t.id: t for t in _records().treatments}
    assert by_id["finasteride"].audience == ()
    (women,) = by_id["spironolactone"].audience
    assert women.audience == "women"
    (caution,) = by_id["spironolactone"].cautions
    assert (caution.audience, caution.reason) == (("men",), "potential feminizing effects")
    assert by_id["dutasteride"].regulatory[-1].status == "prescription"


def _edit(record_id: str, change: dict[str, object]) -> TreatmentCatalog:
    records = _records()
    return TreatmentCatalog(
        treatments=tuple(
            msgspec.structs.replace(t, **change) if t.id == record_id else t
            for t in records.treatments
        )
    )


def _record(record_id: str) -> Treatment:
    return next(t for t in _records().treatments if t.id == record_id)


def _refused(records: TreatmentCatalog) -> str:
    with pytest.raises(ValidationFailed) as caught:
        check_references([_article()], records)
    return caught.value.detail


def test_a_quote_that_is_not_verbatim_is_refused_naming_record_field_and_block() -> None:
    stem = _record("stem-cell-therapy")
    assert stem.suitable_for is not None
    dropped = msgspec.structs.replace(
        stem.suitable_for, text=stem.suitable_for.text.replace("typically ", "")
    )
    detail = _refused(_edit("stem-cell-therapy", {"suitable_for": dropped}))
    assert "'stem-cell-therapy' suitable_for (block candidates/p1)" in detail
    assert "not word for word" in detail


@pytest.mark.parametrize(
    ("record", "change", "named"),
    [
        (
            "minoxidil",
            lambda t: {
                "forms": (
                    t.forms[0],
                    msgspec.structs.replace(t.forms[1], condition="recommended for everyone"),
                )
            },
            "'minoxidil' forms/oral (block alternatives/minoxidil/p2)",
        ),
        (
            "dutasteride",
            lambda t: {
                "kind": msgspec.structs.replace(
                    t.kind,
                    evidence=msgspec.structs.replace(t.kind.evidence, block="alternatives/p9"),
                )
            },
            "'dutasteride' kind (block alternatives/p9): cites no block",
        ),
        (
            "spironolactone",
            lambda t: {"cautions": (msgspec.structs.replace(t.cautions[0], reason="it is risky"),)},
            "'spironolactone' cautions/0 (block alternatives/spironolactone/p2)",
        ),
        (
            "lllt",
            lambda t: {"name": "Laser therapy"},
            "'lllt' name (block alternatives/lllt)",
        ),
    ],
)
def test_unsupported_claims_are_refused(record: str, change: object, named: str) -> None:
    assert callable(change)
    assert named in _refused(_edit(record, change(_record(record))))


def test_an_article_change_that_breaks_a_quote_makes_the_claim_stale() -> None:
    article = _article()
    target = "alternatives/spironolactone"

    def soften(section: object) -> object:
        assert isinstance(section, type(article.sections[0]))
        if section.id != target:
            return msgspec.structs.replace(
                section, sections=tuple(soften(s) for s in section.sections)
            )
        blocks = tuple(
            msgspec.structs.replace(b, text=b.text.replace("generally not", "not"))
            if isinstance(b, Paragraph) and b.id == "p2"
            else b
            for b in section.blocks
        )
        return msgspec.structs.replace(section, blocks=blocks)

    changed = msgspec.structs.replace(article, sections=tuple(soften(s) for s in article.sections))
    assert any(
        "not recommended for men" in text
        for s in walk_sections(changed.sections)
        for b in s.blocks
        for _, text in block_fields(b)
    )
    stale = stale_claims([changed], _records())
    assert [(s.treatment, s.field, s.block) for s in stale] == [
        ("spironolactone", "cautions/0", "alternatives/spironolactone/p2")
    ]
    check_references([changed], _records(), evidence=False)  # structure still holds
