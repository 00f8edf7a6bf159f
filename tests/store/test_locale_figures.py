"""The locale metadata is spliced from one row of figures per article and locale: the bytes
are those msgspec writes for the whole list, a database from before keeps its clients'
bytes and cursor through the migration, and a publish writes its own article's figures
only."""

from __future__ import annotations

from pathlib import Path

import msgspec
import sqlite_utils
from msgspec.structs import replace

from api.core.locales import LocaleInfo, describe_locale
from api.sources import ContentSet, read_content
from api.store.documents import put_bytes, strong_etag
from api.store.figures import locales_body
from api.store.importer import import_content
from api.store.rendering import render_documents
from api.store.schema import _v24_locale_figures, open_database, transaction
from api.store.sync import bundle_body, changes_since, current_cursor
from api.store.translations import rendered_locales
from api.store.versions import load_article
from tests.conftest import SLUG, publish_files
from tests.editing import publish_change

COPY = "copy-of-the-article"
SENTENCE = "Not everyone experiences the same degree of transformation."


def _two_articles(path: Path, content: ContentSet) -> sqlite_utils.Database:
    db = open_database(path)
    copy = replace(content.articles[0], slug=COPY)
    import_content(db, replace(content, articles=(*content.articles, copy)))
    return db


def test_the_spliced_metadata_is_what_msgspec_encodes(tmp_path: Path, content: ContentSet) -> None:
    db = _two_articles(tmp_path / "v.db", content)
    body = locales_body(db)
    infos = msgspec.json.decode(body, type=list[LocaleInfo])
    assert [info.code for info in infos] == rendered_locales(db)
    assert all(list(info.completeness) == sorted([SLUG, COPY]) for info in infos)
    assert all(list(info.safety_coverage) == sorted([SLUG, COPY]) for info in infos)
    # The bytes of the list as rendering it whole wrote them (`describe_locale`, encoded).
    whole = [
        describe_locale(info.code, dict(info.completeness), dict(info.safety_coverage))
        for info in infos
    ]
    assert body == msgspec.json.encode(whole)
    # Not stored whole: nothing holds the document's bytes.
    assert db.execute("SELECT count(*) FROM documents WHERE key = 'locales'").fetchone()[0] == 0


def test_a_publish_writes_its_own_articles_figures_alone(
    tmp_path: Path, content: ContentSet
) -> None:
    db = _two_articles(tmp_path / "v.db", content)
    other = {
        locale: bytes(row)
        for locale, row in db.execute(
            "SELECT locale, completeness FROM locale_figures WHERE slug = ?", [COPY]
        )
    }
    # The other article's row: made impossible to render again, so a rewrite would show.
    with transaction(db):
        db.execute(
            "UPDATE locale_figures SET completeness = ? WHERE slug = ? AND locale = 'es'",
            [msgspec.json.encode(COPY) + b":0.125", COPY],
        )
    article = load_article(db, SLUG, 1)
    publish_change(db, replace(article, title="A title not yet translated"))
    infos = {i.code: i for i in msgspec.json.decode(locales_body(db), type=list[LocaleInfo])}
    assert infos["es"].completeness[COPY] == 0.125
    assert infos["es"].completeness[SLUG] < 1.0
    assert {
        locale: bytes(row)
        for locale, row in db.execute(
            "SELECT locale, completeness FROM locale_figures WHERE slug = ? AND locale != 'es'",
            [COPY],
        )
    } == {locale: body for locale, body in other.items() if locale != "es"}


def test_a_database_from_before_keeps_its_bytes_and_cursor(tree: Path) -> None:
    """The migration moves the stored document into rows: the same bytes are served, and
    clients are told of no change; the next change is told as before."""
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    body = locales_body(db)
    # The database as the release before rows left it: the document stored whole, the
    # ledger holding its ETag, no rows.
    with transaction(db):
        put_bytes(db, "locales", body)
        db.execute("UPDATE sync_items SET etag = ? WHERE key = 'locales'", [strong_etag(body)])
        db.execute("DROP TABLE locale_figures")
        db.execute("DROP TABLE figures_version")
        _v24_locale_figures(db)
    assert locales_body(db) == body
    assert db.execute("SELECT count(*) FROM documents WHERE key = 'locales'").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM blobs WHERE body = ?", [body]).fetchone()[0] == 0
    since = current_cursor(db)
    with transaction(db):
        assert render_documents(db) == 0
    assert current_cursor(db) == since  # nothing changed: no new cursor, locales neither
    article = tree / "content" / "articles" / f"{SLUG}.yaml"
    article.write_text(article.read_text().replace(SENTENCE, "Results differ."))
    publish_files(db, tree)
    changes = msgspec.json.decode(changes_since(db, since, "es"))
    assert changes["locales"] == msgspec.json.decode(locales_body(db))
    assert msgspec.json.decode(bundle_body(db, "es") or b"")["locales"] == changes["locales"]


def test_metadata_the_migration_cannot_read_are_made_again_by_the_next_publish(
    tmp_path: Path, content: ContentSet
) -> None:
    db = _two_articles(tmp_path / "v.db", content)
    body = locales_body(db)
    # Stored by a release whose metadata had no safety coverage: not read into rows.
    with transaction(db):
        put_bytes(db, "locales", b'[{"code":"es","completeness":{"' + COPY.encode() + b'":1.0}}]')
        db.execute("DROP TABLE locale_figures")
        db.execute("DROP TABLE figures_version")
        _v24_locale_figures(db)
    assert db.execute("SELECT count(*) FROM locale_figures").fetchone()[0] == 0
    publish_change(db, replace(load_article(db, SLUG, 1), title="A title not yet translated"))
    infos = msgspec.json.decode(locales_body(db), type=list[LocaleInfo])
    before = msgspec.json.decode(body, type=list[LocaleInfo])
    assert [i.code for i in infos] == [i.code for i in before]
    for now, then in zip(infos, before, strict=True):
        assert now.completeness[COPY] == then.completeness[COPY]
        assert now.safety_coverage[COPY] == then.safety_coverage[COPY]
    assert infos[[i.code for i in infos].index("es")].completeness[SLUG] < 1.0
