"""Safety first: no section reaches a reader with its benefits in their language and its
warnings in another, and translators and clients can see what comes first."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from litestar.testing import TestClient

from api.core.catalog import CatalogEntry
from api.core.messages import article_messages, treatment_messages
from api.core.negotiation import locale_chain
from api.sources import catalog_path, read_content
from api.store.importer import import_content
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG

Client = TestClient[Any]
ARTICLE = f"/v1/articles/{SLUG}"
SHIPPED = ("es", "fr", "ar")


def sections(body: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    pending = list(body["sections"])
    while pending:
        section = pending.pop(0)
        out.append(section)
        pending.extend(section["sections"])
    return out


def texts(section: dict[str, Any]) -> list[dict[str, Any]]:
    """Every localized text of a section itself (heading and blocks), not its children."""
    heading = [section["heading"]] if section["heading"] else []
    return [*heading, *section["blocks"]]


def mixed_sections(body: dict[str, Any], locale: str) -> list[str]:
    """Sections serving some text in a locale before the one of their safety text."""
    chain = locale_chain(locale)
    out = []
    for section in sections(body):
        safety = {b["locale"] for b in section["blocks"] if b.get("safety")}
        if not safety:
            continue
        rank = max(chain.index(tag) for tag in safety)
        if len(safety) > 1 or any(chain.index(t["locale"]) < rank for t in texts(section)):
            out.append(section["id"])
    return out


@pytest.mark.parametrize("locale", [*SHIPPED, "es-MX", "fr-CA"])
def test_no_section_serves_its_warnings_in_another_language_than_the_rest(
    client: Client, locale: str
) -> None:
    body = client.get(ARTICLE, params={"locale": locale}).json()
    assert mixed_sections(body, locale) == []
    with_safety = [s for s in sections(body) if any(b.get("safety") for b in s["blocks"])]
    assert len(with_safety) >= 10
    for section in with_safety:
        safety_locales = {b["locale"] for b in section["blocks"] if b.get("safety")}
        reader_best = next(tag for tag in locale_chain(locale) if tag in SHIPPED)
        if section["fallback_reason"] is None:
            assert safety_locales <= {reader_best}, section["id"]
        else:
            assert section["fallback_reason"] == "safety-text-untranslated"
            assert all(t["locale"] != reader_best for t in texts(section)), section["id"]
    for record in client.get("/v1/treatments", params={"locale": locale}).json():
        statements = {r["statement"]["locale"] for r in record.get("regulatory", [])}
        names = {record["name"]["locale"]}
        assert len(statements | names) == 1 or record.get("fallback_reason"), record["id"]


def _without(tree: Path, locale: str, context: str, source_start: str) -> Client:
    domain = "shared" if context.startswith("treatment/") else SLUG
    po_path = catalog_path(tree / "locales", locale, domain)
    po = read_po(io.BytesIO(po_path.read_bytes()))
    (message,) = [m for m in po if m.context == context]
    assert message.string and str(message.id).startswith(source_start)
    po.delete(message.id, context=context)
    out = io.BytesIO()
    write_po(out, po, width=0)
    po_path.write_bytes(out.getvalue())
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    db.conn.close()
    return TestClient(create_app(tree / "v.db"))


def test_a_french_catalog_without_one_safety_translation_exercises_the_rule(
    tree: Path,
) -> None:
    """The shipped catalogs now translate every safety-bearing message, so the walk above
    would pass without the rule: a French catalog lacking one shows the rule at work."""
    context = f"{SLUG}/safety-and-efficacy/p5"
    with _without(tree, "fr", context, "Not everyone experiences") as client:
        body = client.get(ARTICLE, params={"locale": "fr"}).json()
        held_back = [s for s in sections(body) if s["fallback_reason"]]
        assert [s["id"] for s in held_back] == ["safety-and-efficacy"]
        assert all(t["locale"] == "en" for s in held_back for t in texts(s))
        others = [t["locale"] for s in sections(body) if not s["fallback_reason"] for t in texts(s)]
        assert "fr" in others


def test_one_missing_safety_translation_sends_the_whole_section_to_the_fallback(
    tree: Path,
) -> None:
    context = f"{SLUG}/safety-and-efficacy/p5"
    with _without(tree, "es", context, "Not everyone experiences") as client:
        body = client.get(ARTICLE, params={"locale": "es"}).json()
        locales = client.get("/v1/locales").json()
    by_id = {s["id"]: s for s in sections(body)}
    held = by_id["safety-and-efficacy"]
    assert held["fallback_reason"] == "safety-text-untranslated"
    assert held["heading"]["locale"] == "en" and held["heading"]["fallback"]
    assert [(b["locale"], b["fallback"]) for b in held["blocks"]] == [("en", True)] * 7
    neighbours = [by_id["benefits"], by_id["candidates"]]
    assert all(s["fallback_reason"] is None for s in neighbours)
    assert all(t["locale"] == "es" for s in neighbours for t in texts(s))
    es = next(entry for entry in locales if entry["code"] == "es")
    assert es["completeness"][SLUG] < 1.0
    assert es["safety_coverage"][SLUG] < 1.0


def test_a_record_without_its_regulatory_translation_falls_back_whole(tree: Path) -> None:
    context = "treatment/dutasteride/regulatory/0"
    with _without(tree, "es", context, "not FDA-approved") as client:
        record = client.get("/v1/treatments/dutasteride", params={"locale": "es"}).json()
        other = client.get("/v1/treatments/finasteride", params={"locale": "es"}).json()
    assert record["fallback_reason"] == "safety-text-untranslated"
    assert record["name"] == {"text": "Dutasteride", "locale": "en", "fallback": True}
    assert {r["statement"]["locale"] for r in record["regulatory"]} == {"en"}
    assert "fallback_reason" not in other and other["name"]["locale"] == "es"


@pytest.mark.parametrize(
    ("context", "start"),
    [
        ("treatment/minoxidil/forms/oral/condition", "may be recommended"),
        ("treatment/stem-cell-therapy/suitable_for", "Candidates for stem cell"),
    ],
)
def test_a_record_without_its_condition_translated_falls_back_whole(
    tree: Path, context: str, start: str
) -> None:
    """SM-1, the review's probe: the French catalog without the oral condition (or the
    candidacy statement) served the FDA statement in French beside the restriction in
    English. Now the whole record comes in English, and the article's safety coverage says
    one gated message is missing."""
    treatment = context.split("/")[1]
    with _without(tree, "fr", context, start) as client:
        record = client.get(f"/v1/treatments/{treatment}", params={"locale": "fr"}).json()
        article = client.get(ARTICLE, params={"locale": "fr"}).json()
    assert record["fallback_reason"] == "safety-text-untranslated"
    statements = [r["statement"] for r in record["regulatory"]]
    assert statements and all(s["locale"] == "en" and s["fallback"] for s in statements)
    details = [d[k] for d in record["form_details"] for k in ("qualifier", "condition") if k in d]
    assert details and {d["locale"] for d in details} == {"en"}
    coverage = article["safety_coverage"]
    assert coverage["translated"] == coverage["total"] - 1


def test_locales_report_safety_coverage_beside_completeness(client: Client, tree: Path) -> None:
    content = read_content(tree / "content", tree / "locales")
    (article,) = content.articles
    safety = [m for m in article_messages(article) if m.safety]
    assert len(safety) >= 20
    # The records' gated fields count too: the rule holds records back on them (SM-1).
    records = [m for m in treatment_messages(content.treatments) if m.safety]
    assert {"treatment/minoxidil/forms/oral/condition", "treatment/lllt/requirements/0"} <= {
        m.context for m in records
    }
    safety += records
    by_locale: dict[str, list[CatalogEntry]] = {}
    for catalog in content.catalogs:  # one per article and locale, and the shared one
        by_locale.setdefault(catalog.locale, []).extend(catalog.entries)
    reported = {e["code"]: e for e in client.get("/v1/locales").json()}
    assert reported["en"]["safety_coverage"][SLUG] == 1.0
    for locale in SHIPPED:
        translated = {(e.context, e.source) for e in by_locale[locale] if e.text and not e.fuzzy}
        done = sum(1 for m in safety if (m.context, m.source) in translated)
        assert reported[locale]["safety_coverage"][SLUG] == round(done / len(safety), 4)
    assert reported["es"]["safety_coverage"][SLUG] == 1.0
    body = client.get(ARTICLE, params={"locale": "ar"}).json()
    assert body["safety_coverage"]["ratio"] == reported["ar"]["safety_coverage"][SLUG]
