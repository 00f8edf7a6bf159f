"""Importing content: versions, idempotence, WAL, migration, and all-or-nothing failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.core.errors import ImportRejected
from api.sources import ContentReader, catalog_path, read_content
from api.store.importer import import_content
from api.store.schema import SCHEMA_VERSION, migrate, open_database
from api.store.versions import latest_version, load_article, published_versions
from tests.conftest import EDITOR, REVIEWER, SLUG, publish_files

SENTENCE = "Not everyone experiences the same degree of transformation."


def test_first_import_creates_version_one(tree: Path) -> None:
    db = open_database(tree / "v.db")
    report = import_content(db, read_content(tree / "content", tree / "locales"))
    assert report.new_versions == {SLUG: 1}
    row = latest_version(db, SLUG)
    assert row is not None and row.status == "published" and row.content_hash.startswith("sha256:")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _wal_bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_a_seed_is_written_once_through_the_rollback_journal_then_wal_again(tree: Path) -> None:
    db = open_database(tree / "v.db")
    assert _wal_bytes(tree / "v.db") > 0  # the schema went through the WAL
    import_content(db, read_content(tree / "content", tree / "locales"))
    # Through the WAL, every page would be in it as well as in the database.
    assert _wal_bytes(tree / "v.db") == 0
    assert not (tree / "v.db-journal").exists()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    # Later writes go through the WAL again.
    article_file = tree / "content" / "articles" / f"{SLUG}.yaml"
    article_file.write_text(article_file.read_text().replace(SENTENCE, "Results differ."))
    assert publish_files(db, tree).drafts
    assert _wal_bytes(tree / "v.db") > 0


def test_a_seed_beside_a_connection_that_read_stays_in_wal_mode(tree: Path) -> None:
    db = open_database(tree / "v.db")
    reader = open_database(tree / "v.db")
    assert reader.execute("SELECT count(*) FROM versions").fetchone()[0] == 0
    report = import_content(db, read_content(tree / "content", tree / "locales"))
    assert report.new_versions == {SLUG: 1}
    assert _wal_bytes(tree / "v.db") > 0
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    assert reader.execute("SELECT count(*) FROM versions").fetchone()[0] == 1


def test_reimport_without_change_creates_no_version(tree: Path) -> None:
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    report = import_content(db, read_content(tree / "content", tree / "locales"))
    assert report.new_versions == {}
    assert report.documents_written == 0
    assert [v.number for v in published_versions(db, SLUG)] == [1]


def test_changing_one_sentence_publishes_version_two_only_through_review(tree: Path) -> None:
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    article_file = tree / "content" / "articles" / f"{SLUG}.yaml"
    article_file.write_text(article_file.read_text().replace(SENTENCE, "Results differ."))
    report = publish_files(db, tree)
    assert report.new_versions == {} and list(report.drafts) == [SLUG]
    _, two = published_versions(db, SLUG)
    assert (two.author, two.reviewer) == (EDITOR.name, REVIEWER.name)
    assert SENTENCE in str(load_article(db, SLUG, 1))
    assert "Results differ." in str(load_article(db, SLUG, 2))


def test_invalid_file_stores_nothing(tree: Path) -> None:
    db = open_database(tree / "v.db")
    article_file = tree / "content" / "articles" / f"{SLUG}.yaml"
    article_file.write_text(article_file.read_text().replace("type: faq", "type: poll", 1))
    with pytest.raises(ImportRejected) as caught:
        import_content(db, read_content(tree / "content", tree / "locales"))
    error = caught.value.errors[0]
    assert error.file == f"content/articles/{SLUG}.yaml" and error.line
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 0


def test_a_bad_catalog_read_after_others_were_stored_stores_nothing(tree: Path) -> None:
    db = open_database(tree / "v.db")
    # Catalogs are read in folder order: ar and es are stored before fr is found invalid.
    fr = catalog_path(tree / "locales", "fr", SLUG)
    fr.write_text(
        fr.read_text(encoding="utf-8") + '\nmsgctxt "no/such/block"\nmsgid "a"\nmsgstr "b"\n'
    )
    told: list[str] = []
    with pytest.raises(ImportRejected) as caught:
        import_content(db, ContentReader(tree / "content", tree / "locales"), progress=told.append)
    assert [e.file for e in caught.value.errors] == [f"locales/fr/LC_MESSAGES/{SLUG}.po"]
    assert told == []  # nothing was said to be stored
    for table in ("versions", "treatment_sets", "translations", "documents", "audit"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_failure_half_way_rolls_everything_back(tree: Path) -> None:
    db = open_database(tree / "v.db")
    content = read_content(tree / "content", tree / "locales")

    def explode(message: str) -> None:
        if message.startswith("rendered"):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        import_content(db, content, progress=explode)
    for table in ("versions", "treatment_sets", "translations", "documents", "publications"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migration_is_idempotent(tmp_path: Path) -> None:
    db = open_database(tmp_path / "m.db")
    assert migrate(db) == SCHEMA_VERSION
    assert migrate(open_database(tmp_path / "m.db")) == SCHEMA_VERSION
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
