"""Per-locale search indexes on a real database built from the real content and catalogs."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import sqlite_utils

from api.core.errors import InvalidParameter
from api.core.search import SearchHit, match_expression
from api.sources import ContentSet, read_content
from api.store.importer import import_content
from api.store.schema import open_database
from api.store.search import index_table, indexed_locales, search_sections
from tests.conftest import LOCALES, SLUG, locale_catalog, publish_files
from tests.editing import roll_back

SENTENCE = "Not everyone experiences the same degree of transformation."


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, content: ContentSet) -> sqlite_utils.Database:
    """One database for the read-only tests of this module: building it is the slow part."""
    database = open_database(tmp_path_factory.mktemp("search") / "vetted.db")
    import_content(database, content)
    return database


def find(db: sqlite_utils.Database, locale: str, query: str, limit: int = 10) -> list[SearchHit]:
    return list(search_sections(db, locale, match_expression(query), limit))


def plain(text: str) -> str:
    """Lower case without Latin accents, to compare a highlighted word with the query."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_every_locale_is_indexed(db: sqlite_utils.Database) -> None:
    assert indexed_locales(db) == ["ar", "en", "es", "es-MX", "fr", "fr-CA"]


def test_spanish_ignores_accents(db: sqlite_utils.Database) -> None:
    hits = find(db, "es", "celulas")
    assert len(hits) == 10
    for hit in hits:
        words = {hit.snippet[s.start : s.end] for s in hit.highlights}
        assert words and {plain(w) for w in words} == {"celulas"}
        assert "células" in words or "Células" in words
        assert hit.locale == "es" and not hit.fallback


def test_english(db: sqlite_utils.Database) -> None:
    top = find(db, "en", "minoxidil")[0]
    assert (top.slug, top.version, top.section_id) == (SLUG, 1, "alternatives/minoxidil")
    assert top.heading == "Minoxidil" and top.block_id in {"p1", "p2"}
    assert "minoxidil" in top.snippet.lower()


def _ar_translation(context: str) -> str:
    message = locale_catalog(LOCALES, "ar").get(_SOURCES[context], context=f"{SLUG}/{context}")
    assert message is not None and isinstance(message.string, str) and message.string
    return message.string


_SOURCES = {
    "understanding-stem-cells/p6": "Clinics may isolate stem cells from body fat using "
    "liposuction, where a small sample of fat is taken from the abdomen or other spots. Bone "
    "marrow extraction is another method, but it tends to be more invasive.",
    "understanding-stem-cells/p3": "MSCs show a capacity to repair or replace damaged cells, "
    "which makes them ideal for conditions linked to tissue deterioration, such as hair loss.",
    "faq/q1/answer": "Stem cell therapy for hair loss shows promise in regenerating hair "
    "follicles, enhancing scalp health, and stimulating hair growth. However, it remains "
    "experimental, with results varying by individual. Clinical evidence is growing, but more "
    "research is needed for widespread validation.",
}
DAMMA = "\u064f"


@pytest.mark.parametrize(
    ("query", "section", "block"),
    [
        ("الجذعية", "what-is-stem-cell-therapy", None),  # "stem (cells)", everywhere
        ("شفط الدهون", "understanding-stem-cells", "p6"),  # "liposuction"
        ("تظهر", "understanding-stem-cells", "p3"),  # the text has a damma: تُظهر
        ("تُظهر", "understanding-stem-cells", "p3"),  # and so may the query
        ("يظهر", "faq", "q1"),  # the text has يُظهر
    ],
)
def test_arabic_words_from_the_catalog_are_found(
    db: sqlite_utils.Database, query: str, section: str, block: str | None
) -> None:
    hits = find(db, "ar", query)
    assert section in [h.section_id for h in hits]
    hit = next(h for h in hits if h.section_id == section)
    assert hit.locale == "ar" and not hit.fallback
    if block:
        assert hit.block_id == block
        source = _ar_translation(f"{section}/{block}" + ("/answer" if block == "q1" else ""))
        assert query.replace(DAMMA, "") in source.replace(DAMMA, "")
        first = hit.snippet[hit.highlights[0].start : hit.highlights[0].end]
        assert first == query.replace(DAMMA, "").split()[0]


def test_untranslated_blocks_are_indexed_in_english_with_fallback(
    db: sqlite_utils.Database,
) -> None:
    (hit,) = find(db, "ar", "exosomes")
    assert (hit.section_id, hit.block_id, hit.locale, hit.fallback) == (
        "understanding-stem-cells",
        "p7",
        "en",
        True,
    )
    assert find(db, "es", "exosomes") == []  # Spanish readers get "exosomas"
    assert find(db, "es", "exosomas")


@pytest.mark.parametrize(
    ("locale", "term", "expected"),
    [
        ("en", "injections", "process/treatment-procedure"),
        ("es", "inyecciones", "process/treatment-procedure"),
        ("en", "scalp", "process/post-treatment-care"),
        ("en", "dutasteride", "alternatives/dutasteride"),
        ("es", "finasterida", "alternatives/finasteride"),
    ],
)
def test_the_section_that_talks_most_about_a_term_ranks_first(
    db: sqlite_utils.Database, locale: str, term: str, expected: str
) -> None:
    counts = {
        section: len(re.findall(term, f"{heading or ''} {body}", re.IGNORECASE))
        for section, heading, body in db.execute(
            f"SELECT section, heading, body FROM {index_table(locale)}"
        )
    }
    assert max(counts, key=lambda s: counts[s]) == expected
    hits = find(db, locale, term, limit=50)
    assert hits[0].section_id == expected
    assert len(hits) == sum(1 for n in counts.values() if n)


def test_limit_bounds_results(db: sqlite_utils.Database) -> None:
    assert len(find(db, "en", "hair", limit=3)) == 3
    assert len(find(db, "en", "hair", limit=50)) > 10


def test_last_word_matches_as_prefix(db: sqlite_utils.Database) -> None:
    assert find(db, "en", "finas")[0].section_id == "alternatives/finasteride"
    assert "alternatives/finasteride" in [h.section_id for h in find(db, "en", "hair finas")]
    assert find(db, "en", "finas zzz") == []


HOSTILE = [
    '"',
    '""',
    'stem "cells',
    "stem*",
    "*",
    "(hair",
    "hair)",
    "((((",
    "NEAR(",
    "NEAR(stem cells, 2)",
    "stem AND",
    "OR hair",
    "NOT",
    "hair -loss",
    "^hair",
    "body:hair",
    "{body heading}: hair",
    "'; DROP TABLE documents;--",
    "\x00",
    "x" * 200,
    "🙂 hair",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_give_results_or_invalid_parameter(
    db: sqlite_utils.Database, query: str
) -> None:
    try:
        hits = find(db, "en", query)
    except InvalidParameter as exc:
        assert exc.parameter == "q"
    else:
        assert all(h.slug == SLUG for h in hits)
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] > 0


@pytest.mark.parametrize("expression", ["NEAR(", '"unbalanced', "a AND", "nocolumn: x"])
def test_fts_syntax_errors_become_invalid_parameter(
    db: sqlite_utils.Database, expression: str
) -> None:
    with pytest.raises(InvalidParameter) as caught:
        search_sections(db, "en", expression, 10)
    assert caught.value.parameter == "q"


def test_locale_without_index_has_no_results(db: sqlite_utils.Database) -> None:
    assert search_sections(db, "de", match_expression("hair"), 10) == ()


@pytest.mark.parametrize("locale", ["es-MX", "zh-Hant-TW", "en"])
def test_index_names_follow_locale_codes(locale: str) -> None:
    assert re.fullmatch(r"search_[a-z0-9_]+", index_table(locale))


@pytest.mark.parametrize("locale", ["es; DROP", "e$", "", "x" * 40])
def test_index_names_refuse_anything_else(locale: str) -> None:
    with pytest.raises(ValueError):
        index_table(locale)


def test_republishing_changed_text_updates_the_index(tree: Path) -> None:
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    assert [h.block_id for h in find(db, "en", "transformation")] == ["p5"]
    assert find(db, "es", "transformacion")
    assert find(db, "en", "quintessential") == []
    article = tree / "content" / "articles" / f"{SLUG}.yaml"
    article.write_text(article.read_text().replace(SENTENCE, "Results are quintessential."))
    publish_files(db, tree)
    assert find(db, "en", "transformation") == []
    (hit,) = find(db, "en", "quintessential")
    assert (hit.version, hit.section_id, hit.block_id) == (2, "safety-and-efficacy", "p5")
    # The Spanish translation no longer matches the source, so Spanish readers get (and
    # find) the English sentence instead of the old Spanish one.
    assert find(db, "es", "transformacion") == []
    (es,) = find(db, "es", "quintessential")
    assert (es.locale, es.fallback, es.version) == ("en", True, 2)
    # A rollback through the editorial workflow is a publication too.
    roll_back(db, SLUG, 1)
    assert find(db, "en", "quintessential") == []
    assert [(h.version, h.block_id) for h in find(db, "en", "transformation")] == [(3, "p5")]
    assert find(db, "es", "transformacion")[0].locale == "es"


def test_reimport_without_change_leaves_the_index_alone(tree: Path) -> None:
    db = open_database(tree / "v.db")
    content = read_content(tree / "content", tree / "locales")
    import_content(db, content)
    before = db.execute(f"SELECT rowid FROM {index_table('en')}").fetchall()
    assert import_content(db, content).documents_written == 0
    assert db.execute(f"SELECT rowid FROM {index_table('en')}").fetchall() == before


def test_treatment_records_are_indexed_per_locale(db: sqlite_utils.Database) -> None:
    """Issue 25 point 6 (workspace walk finding 7): a record's claims are searchable, in
    every locale, so "FDA-approved" finds the records as well as the sentences."""
    from api.store.search import search_records

    hits = search_records(db, "en", match_expression("fda-approved"), 20)
    ids = {hit.id for hit in hits}
    assert "minoxidil" in ids
    for hit in hits:
        assert hit.locale == "en"
        words = {plain(hit.snippet[s.start : s.end]) for s in hit.highlights}
        assert any("fda" in word and "approved" in word for word in words), hit
    spanish = search_records(db, "es", match_expression("minoxidil"), 20)
    assert [hit.id for hit in spanish][:1] == ["minoxidil"]
    assert spanish[0].locale == "es"
    assert search_records(db, "xx", match_expression("minoxidil"), 20) == ()


def test_records_index_is_not_rewritten_when_unchanged(db: sqlite_utils.Database) -> None:
    """Rendering again writes nothing to a records index whose records did not change."""
    import msgspec

    from api.core.output import TreatmentOut
    from api.store.documents import get_document
    from api.store.search import index_records

    stored = get_document(db, "treatments/en")
    assert stored is not None
    records = msgspec.json.decode(stored.body, type=list[TreatmentOut])
    assert index_records(db, "en", records) is False
    assert index_records(db, "en", records[1:]) is True
    assert index_records(db, "en", records) is True
