"""Online backup and restore on real files, while a writer publishes and the app serves."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils
from litestar.testing import TestClient
from msgspec.structs import replace

from api.core.access import Principal
from api.core.errors import BackupRejected, Conflict, NotFound
from api.store.audit import list_audit
from api.store.backup import backup_database, restore_database
from api.store.documents import compressed
from api.store.drafts import create_draft, get_draft, publish_draft, submit_draft
from api.store.figures import locales_body
from api.store.listing import article_list_body, sitemap_body
from api.store.schema import SCHEMA_VERSION, migrate, open_database, transaction
from api.store.translations import rendered_locales
from api.store.versions import latest_version, load_article
from api.web.app import create_app
from tests.conftest import SLUG
from tests.editing import head_etag
from tests.invariants import assert_consistent

EDITOR = Principal(name="ed", role="editor")
REVIEWER = Principal(name="rev", role="reviewer")
LOCALES = ("en", "es", "fr", "ar")
SECTIONS = ("what-is-stem-cell-therapy", "process/treatment-procedure", "alternatives/minoxidil")


def publish_change(db: sqlite_utils.Database, text: str) -> int:
    """Publish a new version of the article whose first paragraph is `text`."""
    head = latest_version(db, SLUG)
    assert head is not None
    article = load_article(db, SLUG, head.number)
    first = article.sections[0]
    section = replace(first, blocks=(replace(first.blocks[0], text=text), *first.blocks[1:]))
    draft = create_draft(
        db,
        EDITOR,
        replace(article, sections=(section, *article.sections[1:])),
        text,
        head_etag(db, SLUG),
    )
    submit_draft(db, EDITOR, draft.id, draft.etag)
    return publish_draft(db, REVIEWER, draft.id, get_draft(db, draft.id)[0].etag).number


def dump(path: Path) -> list[str]:
    """Every row of every table, as SQL."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def fetch_all(client: TestClient) -> dict[str, tuple[str, bytes]]:  # type: ignore[type-arg]
    """ETag and body of the documents a reader would fetch, in every locale."""
    urls = ["/v1/locales"]
    for locale in LOCALES:
        urls += [f"/v1/articles?locale={locale}", f"/v1/articles/{SLUG}?locale={locale}"]
        urls += [f"/v1/articles/{SLUG}/sections/{s}?locale={locale}" for s in SECTIONS]
        urls += [f"/v1/treatments?locale={locale}", f"/v1/treatments/minoxidil?locale={locale}"]
    out: dict[str, tuple[str, bytes]] = {}
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        out[url] = (response.headers["etag"], response.content)
    return out


def test_backup_while_a_writer_publishes_is_a_consistent_snapshot(
    db_path: Path, tmp_path: Path
) -> None:
    published = threading.Event()
    stop = threading.Event()
    numbers: list[int] = []

    def writer() -> None:
        db = open_database(db_path)
        try:
            while not stop.is_set():
                numbers.append(publish_change(db, f"Changed {len(numbers)}."))
                published.set()
        finally:
            db.conn.close()

    steps: list[tuple[int, int]] = []

    def progress(what: str, done: int, total: int) -> None:
        if not steps:
            # Hold the first step until the writer commits, so the copy surely spans a write.
            published.clear()
            assert published.wait(30)
        steps.append((done, total))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert published.wait(30)
        info = backup_database(db_path, tmp_path / "b.db", progress=progress, pages_per_step=16)
    finally:
        stop.set()
        thread.join(60)
    assert len(steps) > 5 and steps[-1][0] == steps[-1][1] == info.pages
    backup = open_database(tmp_path / "b.db")
    assert_consistent(backup)
    version = latest_version(backup, SLUG)
    assert version is not None and 2 <= version.number < numbers[-1]
    assert (tmp_path / "b.db-journal").exists() is False
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_restore_while_serving_brings_back_identical_etags_and_bodies(
    db_path: Path, tmp_path: Path
) -> None:
    with TestClient(create_app(db_path)) as client:
        before = fetch_all(client)
        backup_database(db_path, tmp_path / "b.db")
        db = open_database(db_path)
        publish_change(db, "Changed after the backup.")
        changed = fetch_all(client)
        assert changed[f"/v1/articles/{SLUG}?locale=es"] != before[f"/v1/articles/{SLUG}?locale=es"]
        assert client.get(f"/v1/articles/{SLUG}?version=2").status_code == 200

        report = restore_database(tmp_path / "b.db", db_path)

        assert not report.replaced_file
        assert fetch_all(client) == before  # the running app switched over
        assert client.get(f"/v1/articles/{SLUG}?version=2").status_code == 404
    with TestClient(create_app(db_path)) as fresh:
        assert fetch_all(fresh) == before
    assert_consistent(db)
    assert list_audit(db, limit=1).entries[0].action == "database.restore"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.conn.close()


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a database\n" * 500)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _damaged(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, page * 12, page):
        data[offset + 8 : offset + 200] = b"\xa5" * 192
    path.write_bytes(bytes(data))


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


def _foreign(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (text)")
    conn.close()


def _missing(path: Path) -> None:
    path.unlink()


def _audit_unlocked(path: Path) -> None:
    """The finding: the append-only triggers dropped, one that wipes the log put in."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
        "CREATE TRIGGER audit_wipe AFTER INSERT ON audit BEGIN DELETE FROM audit; END;"
    )
    conn.close()


def _trigger_rewritten(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TRIGGER audit_no_delete;"
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit WHEN 0 "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    )
    conn.close()


def _index_dropped(path: Path) -> None:
    conn = sqlite3.connect(path)
    name = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL LIMIT 1"
    ).fetchone()[0]
    conn.execute(f"DROP INDEX {name}")
    conn.close()


def _search_index_changed(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TABLE search_es; CREATE VIRTUAL TABLE search_es USING fts5(slug, body);"
    )
    conn.close()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_garbage, "not a readable SQLite database (file is not a database)"),
        (_empty, "is SQLite but holds no Vetted database"),
        (_truncated, "not a readable SQLite database (database disk image is malformed)"),
        (_damaged, "failed the integrity check"),
        (_newer, f"schema version {SCHEMA_VERSION + 1} is newer than this program's"),
        (_foreign, "is SQLite but holds no Vetted database"),
        (_missing, "b.db: no such file"),
        (
            _audit_unlocked,
            "trigger audit_no_delete is missing; trigger audit_no_update is missing; "
            "trigger audit_wipe is not ours",
        ),
        (_trigger_rewritten, "trigger audit_no_delete differs"),
        (_index_dropped, "is missing"),
        (_search_index_changed, "table search_es differs"),
    ],
)
def test_an_unusable_backup_is_refused_and_the_database_is_unchanged(
    db_path: Path, tmp_path: Path, spoil: Callable[[Path], None], message: str
) -> None:
    backup = tmp_path / "b.db"
    backup_database(db_path, backup)
    db = open_database(db_path)
    publish_change(db, "Changed after the backup.")
    db.conn.close()
    spoil(backup)
    before = dump(db_path)

    with pytest.raises(BackupRejected, match="^" + re.escape(str(backup))) as info:
        restore_database(backup, db_path)

    assert message in str(info.value)
    assert dump(db_path) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_restore_replaces_an_unreadable_database_file_and_its_wal(
    db_path: Path, tmp_path: Path
) -> None:
    backup_database(db_path, tmp_path / "b.db")
    expected = dump(tmp_path / "b.db")
    db_path.write_bytes(b"garbage" * 1000)
    db_path.with_name(db_path.name + "-wal").write_bytes(b"stale" * 100)

    report = restore_database(tmp_path / "b.db", db_path)

    assert report.replaced_file
    added = set(dump(db_path)) - set(expected)
    assert len(added) == 1 and "database.restore" in added.pop()
    assert set(expected) <= set(dump(db_path))
    assert_consistent(open_database(db_path))


def _as_schema_7(current: Path, target: Path) -> None:
    """The content of `current` in a database made by schema 7, whose documents held their
    own bytes (search index aside: its tables are made per locale by the indexer)."""
    old = sqlite_utils.Database(sqlite3.connect(target, isolation_level=None))
    migrate(old, up_to=7)
    old.execute("ATTACH DATABASE ? AS cur", [str(current)])
    tables = old.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' "
        "AND name NOT IN ('documents', 'search_articles') AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    with transaction(old):
        for (name,) in tables:
            # Only the columns schema 7 had (later schemas add some).
            columns = ", ".join(f"[{c.name}]" for c in old[name].columns)
            old.execute(f"INSERT INTO main.[{name}] SELECT {columns} FROM cur.[{name}]")
        old.execute(
            "INSERT INTO main.documents (key, etag, body, gzip, br) "
            "SELECT d.key, b.etag, b.body, b.gzip, b.br FROM cur.documents d "
            "JOIN cur.blobs b ON b.etag = d.etag"
        )
        # Schema 7 stored the lists, the sitemap and the locale metadata whole (now spliced
        # from rows), and the sync ledger held the metadata's ETag.
        spliced = open_database(current)
        for key, body in [
            *(
                (f"articles/{code}", article_list_body(spliced, code))
                for code in rendered_locales(spliced)
            ),
            ("sitemap", sitemap_body(spliced)),
            ("locales", locales_body(spliced)),
        ]:
            document = compressed(body)
            old.execute(
                "INSERT INTO main.documents (key, etag, body, gzip, br) VALUES (?, ?, ?, ?, ?)",
                [key, document.etag, document.body, document.gzip, document.br],
            )
            if key == "locales":
                old.execute(
                    "UPDATE main.sync_items SET etag = ? WHERE key = 'locales'", [document.etag]
                )
        spliced.conn.close()
    old.execute("DETACH DATABASE cur")
    old.conn.close()


def test_a_backup_from_before_blobs_restores_with_the_same_etags_and_bodies(
    db_path: Path, tmp_path: Path
) -> None:
    with TestClient(create_app(db_path)) as client:
        before = fetch_all(client)
        _as_schema_7(db_path, tmp_path / "old.db")
        db = open_database(db_path)
        documents = db.execute("SELECT count(*) FROM documents").fetchone()[0]
        publish_change(db, "Changed after the backup.")

        report = restore_database(tmp_path / "old.db", db_path)

        assert report.backup.schema_version == 7
        assert fetch_all(client) == before
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [c.name for c in sqlite_utils.Database(db.conn)["documents"].columns] == ["key", "etag"]
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == documents
    assert db.execute(
        "SELECT count(*) FROM blobs WHERE etag NOT IN (SELECT etag FROM documents)"
    ).fetchone() == (0,)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # The migrated schema is exactly what this code creates: a backup of it is accepted.
    assert backup_database(db_path, tmp_path / "new.db").schema_version == SCHEMA_VERSION
    db.conn.close()


def test_restore_creates_a_missing_database(db_path: Path, tmp_path: Path) -> None:
    backup_database(db_path, tmp_path / "b.db")
    report = restore_database(tmp_path / "b.db", tmp_path / "new.db")
    assert not report.replaced_file
    db = open_database(tmp_path / "new.db")
    assert_consistent(db)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_backup_never_overwrites_unless_forced(db_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "b.db"
    target.write_bytes(b"precious")
    with pytest.raises(Conflict, match="pass --force"):
        backup_database(db_path, target)
    assert target.read_bytes() == b"precious"
    info = backup_database(db_path, target, force=True)
    assert info.articles == 1 and info.schema_version == SCHEMA_VERSION
    assert dump(target) == dump(db_path)
    with pytest.raises(Conflict, match="is the database itself"):
        backup_database(db_path, db_path, force=True)


def test_a_failed_backup_leaves_no_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"garbage" * 1000)
    with pytest.raises(BackupRejected, match="nothing was written"):
        backup_database(broken, tmp_path / "b.db")
    with pytest.raises(NotFound):
        backup_database(tmp_path / "absent.db", tmp_path / "b.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.db"]


def test_restore_adapts_a_backup_with_another_page_size(db_path: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    backup_database(db_path, backup)
    conn = sqlite3.connect(backup, isolation_level=None)
    conn.execute("PRAGMA page_size = 8192")
    conn.execute("VACUUM")
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 8192
    conn.close()
    expected = set(dump(backup))
    db = open_database(db_path)
    publish_change(db, "Changed after the backup.")

    restore_database(backup, db_path)

    assert expected <= set(dump(db_path))
    assert db.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert_consistent(db)


def test_a_database_replicated_by_litestream_backs_up_and_restores(
    db_path: Path, tmp_path: Path
) -> None:
    """Litestream adds two bookkeeping tables to the database it replicates: `vetted
    backup` of it, and `vetted restore` of that backup, still work; a table of the same
    name made otherwise (it could hide a trigger beside it) is still refused."""
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER)")
        conn.execute("CREATE TABLE _litestream_lock (id INTEGER)")
    backup = tmp_path / "replicated.db"
    backup_database(db_path, backup)
    restore_database(backup, db_path)
    with sqlite3.connect(backup) as conn:
        conn.execute("DROP TABLE _litestream_lock")
        conn.execute("CREATE TABLE _litestream_lock (id INTEGER, note TEXT)")
    with pytest.raises(BackupRejected, match="table _litestream_lock differs"):
        restore_database(backup, db_path)
