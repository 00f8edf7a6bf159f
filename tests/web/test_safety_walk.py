"""A French and an Arabic reader walk every section and every treatment record of the shipped
content (version 2, the latest) and never meet a translated benefit or
reassurance beside an English risk, hedge or condition: within one section, and within one
record, either everything is in the reader's language, or the English text they meet states
no risk, hedge, status or condition (medical review SM-2, RV-1, RV-2)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import SLUG

Client = TestClient[Any]
# Words that make an English sentence a risk, a hedge, a regulatory status or a condition.
RISK = re.compile(
    r"\b(may|might|could|risks?|side effects?|not (?:FDA-)?approved|approved|cleared|"
    r"off-label|experimental|pregnan\w*|warning|do not|must not|should|avoid\w*|"
    r"typically|generally|vary|varies|infection|anesthesia|numbed|liposuction|invasive|"
    r"repeat|additional sessions|budget|cost|prescription|only|unless|not recommended|"
    r"tends? to|rare|uncommon|required|suitable|candidates?)\b",
    re.IGNORECASE,
)
READERS = ("fr", "ar", "fr-CA", "ar-EG")


def _texts(section: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(where, text, locale) of everything a reader meets in one section (not its children)."""
    if section["heading"]:
        yield "heading", section["heading"]["text"], section["heading"]["locale"]
    for block in section["blocks"]:
        for field in ("text", "question", "answer", "display", "name"):
            if field in block:
                yield f"{block['id']}/{field}", block[field], block["locale"]


def _sections(sections: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for section in sections:
        yield section
        yield from _sections(section["sections"])


def _record_texts(record: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    def each(where: str, value: Any) -> Iterator[tuple[str, str, str]]:
        if isinstance(value, dict) and {"text", "locale"} <= value.keys():
            yield where, value["text"], value["locale"]
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from each(f"{where}/{key}", item)
        elif isinstance(value, list):
            for n, item in enumerate(value):
                yield from each(f"{where}/{n}", item)

    yield from each(record["id"], record)


def _mixed(items: list[tuple[str, str, str]], reader: str) -> list[str]:
    """English risk/hedge/condition text met beside text in the reader's language."""
    language = reader.split("-")[0]
    translated = [i for i in items if i[2].split("-")[0] == language]
    english = [i for i in items if i[2] == "en"]
    if not translated:
        return []
    return [f"{where}: {text[:90]}" for where, text, _ in english if RISK.search(text)]


@pytest.mark.parametrize("reader", READERS)
def test_no_section_pairs_a_translated_benefit_with_an_english_risk(
    shipped_client: Client, reader: str
) -> None:
    """The latest version (version 1 is kept byte for byte as it was served: the review's
    RV-1 is what version 2 corrects)."""
    article = shipped_client.get(f"/v1/articles/{SLUG}?locale={reader}")
    assert article.status_code == 200
    assert article.json()["version"] == 2
    walked = 0
    problems = []
    for section in _sections(article.json()["sections"]):
        walked += 1
        mixed = _mixed(list(_texts(section)), reader)
        problems += [f"{section['id']}: {m}" for m in mixed]
    assert walked >= 20
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("reader", READERS)
def test_no_record_pairs_a_translated_claim_with_an_english_condition(
    shipped_client: Client, reader: str
) -> None:
    records = shipped_client.get(f"/v1/treatments?locale={reader}").json()
    assert len(records) == 8
    problems = []
    for record in records:
        problems += [f"{record['id']}: {m}" for m in _mixed(list(_record_texts(record)), reader)]
    assert problems == [], "\n".join(problems)


def test_the_walk_finds_the_mix_it_guards_against(shipped_client: Client) -> None:
    """The check is not vacuous: an English hedge beside French text is found."""
    items = [
        ("p1", "La douleur disparaît en quelques jours.", "fr"),
        ("p4", "Signs of initial growth may appear in 3–6 months.", "en"),
    ]
    assert _mixed(items, "fr") == ["p4: Signs of initial growth may appear in 3–6 months."]
    assert _mixed([items[1]], "fr") == []
