"""Whatever the doors accept publishes, approves, renders and exports: generated drafts and
catalogs, full of hostile text and numbers, go through the real validators; whatever they
accept goes through the real store on a real SQLite file, in every shipped locale, and
its export is accepted again."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sqlite_utils
from babel.messages.pofile import read_po, write_po
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from api.core.access import Principal
from api.core.catalog import parse_catalog
from api.core.content import check_article
from api.core.errors import ImportRejected, NothingChanged, ValidationFailed
from api.core.messages import known_contexts
from api.core.model import Article
from api.core.negotiation import canonical_locale
from api.sources import read_content, write_tree
from api.store.catalogs import approve_catalog, pending_review, stage_catalog
from api.store.documents import article_key, get_document
from api.store.exporting import export_catalog, export_tree, published_content
from api.store.schema import open_database
from api.store.versions import latest_version, load_article
from tests.conftest import SLUG
from tests.editing import publish_change

# Out of the fast loop (`make test-fast`): every Hypothesis example publishes four locales.
pytestmark = pytest.mark.slow

SHIPPED = ("en", "es", "fr", "ar")
EXAMPLES = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    # No shrinking: a failure shows the example as generated, and CI stays within seconds.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Pieces that have broken something once: markup, entities, braces, controls, bidi
# overrides, invisible, private-use and noncharacters, decomposed accents, RTL letters.
HOSTILE = [
    "a",
    " ",
    "Hola",
    "<b>",
    "&amp;",
    "<",
    "{",
    "}",
    "{range}",
    "{{",
    "%s",
    "\\",
    '"',
    "#",
    "\x00",
    "\x1b",
    "\n",
    "\u202e",
    "\u200b",
    "\u200d",
    "\u200f",
    "\ue000",
    "\uffff",
    "\U000e0041",
    "e\u0301",
    "é",
    "\u0627\u0644",
    "\ufe0f",
    "\u00a0",
]
# Pieces the policy allows, alone (markup needs both brackets).
ALLOWED = ["a", " ", "Hola", "<", ">", "&", "#", '"', "\\", "e\u0301", "é", "\u0627\u0644"]
ALLOWED += ["\u200d", "\u200c", "\u200f", "\ufe0f", "\u00a0"]
TEXT = st.one_of(
    st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=8).map("".join),
    st.lists(st.sampled_from(ALLOWED), min_size=1, max_size=8).map("".join),
    st.text(min_size=1, max_size=30),
)
# Where formatting broke before the bounds (about 1e25 and up), and the bounds themselves.
EDGES = st.sampled_from([0, 0.5, 10**12, 1e12, 10**12 + 1, 1e25, 10**25, 1e300, -1])
FIGURE = st.one_of(
    EDGES,
    EDGES,
    st.integers(min_value=-10, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
)


@contextmanager
def database(template: Path) -> Iterator[sqlite_utils.Database]:
    """A fresh copy of the imported real content, per example."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vetted.db"
        shutil.copyfile(template, path)
        db = open_database(path)
        try:
            yield db
        finally:
            db.conn.close()


def assert_served_and_exported(db: sqlite_utils.Database) -> None:
    """Every shipped locale has its rendered article, and the export is accepted back."""
    head = latest_version(db, SLUG)
    assert head is not None
    for locale in SHIPPED:
        assert get_document(db, article_key(SLUG, head.number, locale)) is not None, locale
    export = export_tree(db)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_tree(root, export.files)
        read_content(root / "content", root / "locales")


def _draft(base: Article, data: st.DataObject) -> dict[str, Any]:
    """The published article with one generated change (several at once would nearly
    always hit a refusal, and what is accepted would rarely be tested)."""
    article: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(base))
    section = article["sections"][0]
    change = data.draw(
        st.sampled_from(["title", "paragraph", "fact", "fact", "locale", "audience"])
    )
    if change == "title":
        article["title"] = data.draw(TEXT)
    elif change == "paragraph":
        section["blocks"][0]["text"] = data.draw(TEXT)
    elif change == "fact":
        high = data.draw(FIGURE)
        low = data.draw(st.one_of(st.just(0), FIGURE))
        unit = data.draw(st.sampled_from(["minute", "month", "year"]))
        section["blocks"].append(
            {"type": "fact", "id": "generated", "kind": "duration", "unit": unit}
            | {"min": low, "max": high}
        )
    elif change == "locale":
        article["locale"] = data.draw(st.sampled_from(["en", "en-US", "es", "zzz", "und", "x"]))
    else:
        article["audience"] = [data.draw(TEXT)]
    return article


@EXAMPLES
@given(data=st.data())
def test_every_draft_the_door_accepts_publishes_renders_and_exports(
    imported_db: Path, data: st.DataObject
) -> None:
    with database(imported_db) as db:
        head = latest_version(db, SLUG)
        assert head is not None
        proposed = _draft(load_article(db, SLUG, head.number), data)
        try:
            # The door of every path: JSON and YAML decode into the model, then check_article.
            article = check_article(msgspec.convert(proposed, Article))
        except (msgspec.ValidationError, ValidationFailed):
            event("draft refused at the door")
            return
        event("draft accepted")
        with suppress(NothingChanged):
            publish_change(db, article)
        assert_served_and_exported(db)


def _catalog(db: sqlite_utils.Database, data: st.DataObject) -> bytes:
    """The exported Spanish catalog with one generated change."""
    catalog = read_po(io.BytesIO(export_catalog(db, "es", published_content(db))))
    messages = [m for m in catalog if m.id]
    change = data.draw(st.sampled_from(["text", "text", "phrase", "phrase", "header", "twice"]))
    if change == "text":
        data.draw(st.sampled_from(messages)).string = data.draw(TEXT)
    elif change == "phrase":
        phrase = data.draw(st.sampled_from([m for m in messages if m.context == "fact/per"]))
        pieces = ["{range}", "{range}", "{", "}", "{{", "}}", "{0}", "{range!r}", " por plan"]
        phrase.string = "".join(data.draw(st.lists(st.sampled_from(pieces), min_size=1)))
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    text = out.getvalue().decode()
    if change == "header":
        charset = data.draw(st.sampled_from(["utf-8", "utf8", "ISO-8859-1", "x-bogus-42"]))
        text = text.replace("charset=utf-8", f"charset={charset}")
        comment = data.draw(TEXT).replace("\n", " ")
        text = text.replace('msgid ""', f'# {comment}\nmsgid ""', 1)
    elif change == "twice":
        first = text.index("\n\n") + 2
        text += "\n" + text[first : text.index("\n\n", first) + 1]
    return text.encode()


@EXAMPLES
@given(data=st.data())
def test_every_catalog_the_door_accepts_approves_renders_and_exports(
    imported_db: Path, data: st.DataObject
) -> None:
    with database(imported_db) as db:
        body = _catalog(db, data)
        code = data.draw(st.sampled_from(["es"] * 6 + ["es-ES", "zzz", "und", "articles"]))
        content = published_content(db)
        try:
            locale = canonical_locale(code)
            parsed = parse_catalog(
                body,
                f"{locale}.po",
                locale,
                known_contexts(list(content.articles), content.treatments),
            )
        except (ValueError, ValidationFailed, ImportRejected):
            event("catalog refused at the door")
            return
        translator = Principal(name="tr", role="translator", locales=(locale,))
        reviewer = Principal(name="rv", role="reviewer", locales=(locale,))
        try:
            stage_catalog(db, translator, parsed)
        except NothingChanged:
            event("catalog refused at the door: nothing changed")
            return
        event("catalog accepted")
        approve_catalog(db, reviewer, locale, pending_review(db, locale).etag)
        assert_served_and_exported(db)
        assert get_document(db, article_key(SLUG, 1, locale)) is not None


@pytest.mark.parametrize("code", ["es", "fr", "ar"])
def test_a_shipped_catalog_as_exported_is_accepted_again(imported_db: Path, code: str) -> None:
    """The generated catalogs start from the export: it must pass the door unchanged."""
    with database(imported_db) as db:
        content = published_content(db)
        parsed = parse_catalog(
            export_catalog(db, code, content),
            f"{code}.po",
            code,
            known_contexts(list(content.articles), content.treatments),
        )
        assert parsed.entries


def test_the_same_sentence_in_nfd_is_no_change_and_keeps_its_translation(
    imported_db: Path,
) -> None:
    with database(imported_db) as db:
        head = latest_version(db, SLUG)
        assert head is not None
        article = load_article(db, SLUG, head.number)
        composed = msgspec.structs.replace(article, title="Café therapy")
        publish_change(db, check_article(composed))
        decomposed = msgspec.structs.replace(article, title="Cafe\u0301 therapy")
        with pytest.raises(NothingChanged):
            publish_change(db, check_article(decomposed))
        # The title is stored in NFC: a translation keyed to either form is served.
        content = published_content(db)
        catalog = read_po(io.BytesIO(export_catalog(db, "es", content)))
        title = next(m for m in catalog if m.context == f"{SLUG}/title")
        catalog.delete(title.id, context=title.context)
        catalog.add("Cafe\u0301 therapy", "Terapia café", context=f"{SLUG}/title")
        out = io.BytesIO()
        write_po(out, catalog, width=0)
        po = out.getvalue()
        parsed = parse_catalog(
            po, "es.po", "es", known_contexts(list(content.articles), content.treatments)
        )
        stage_catalog(db, Principal(name="tr", role="translator", locales=("es",)), parsed)
        reviewer = Principal(name="rv", role="reviewer", locales=("es",))
        approve_catalog(db, reviewer, "es", pending_review(db, "es").etag)
        number = latest_version(db, SLUG)
        assert number is not None
        document = get_document(db, article_key(SLUG, number.number, "es"))
        assert document is not None
        assert "Terapia café" in document.body.decode()
