"""Opening the database and migrating its schema, idempotently."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlite_utils

__all__ = [
    "SCHEMA_VERSION",
    "migrate",
    "no_other_readers_journal",
    "open_database",
    "remove_database",
    "snapshot",
    "transaction",
]


def open_database(path: str | Path, *, busy_timeout: float = 30) -> sqlite_utils.Database:
    """Open (creating if needed) a database in WAL mode with its schema up to date; a
    write waits up to `busy_timeout` seconds for another's lock, then fails "locked"."""
    conn = sqlite3.connect(
        str(path), check_same_thread=False, isolation_level=None, timeout=busy_timeout
    )
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    # FULL syncs the WAL at every commit: an answered publish survives a power cut too
    # (NORMAL only survives a process crash). Writes are rare; reads do not pay for it.
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    migrate(db)
    return db


def remove_database(db: sqlite_utils.Database, path: str | Path) -> None:
    """Close `db` and delete its files (the database, its WAL and shared memory): for a
    database this process created and then stored nothing in (an import found an invalid
    file), so a rejected import leaves no database behind."""
    db.conn.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _v1(db: sqlite_utils.Database) -> None:
    db.table("versions").create(
        {
            "slug": str,
            "number": int,
            "content_hash": str,
            "body": str,
            "status": str,
            "author": str,
            "message": str,
            "created_at": str,
            "published_at": str,
            "reviewer": str,
            "comment": str,
        },
        pk=("slug", "number"),
        not_null={"slug", "number", "content_hash", "body", "status"},
    )
    db.table("treatment_sets").create(
        {"number": int, "content_hash": str, "body": str, "created_at": str}, pk="number"
    )
    db.table("translations").create(
        {
            "locale": str,
            "context": str,
            "source": str,
            "text": str,
            "fuzzy": int,
            "status": str,
            "author": str,
            "updated_at": str,
        },
        pk=("locale", "context", "source", "status"),
    )
    db.table("documents").create(
        {"key": str, "etag": str, "body": bytes, "gzip": bytes, "br": bytes}, pk="key"
    )
    db.table("publications").create({"slug": str, "number": int, "published_at": str}, pk="slug")


def _v2(db: sqlite_utils.Database) -> None:
    """Editorial workflow, accounts, audit log, catalog headers and file sync state."""
    db.table("drafts").create(
        {
            "id": int,
            "slug": str,
            "base_version": int,
            "status": str,
            "author": str,
            "revision": int,
            "content_hash": str,
            "comment": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    db.table("draft_revisions").create(
        {
            "draft_id": int,
            "revision": int,
            "body": str,
            "content_hash": str,
            "author": str,
            "message": str,
            "created_at": str,
        },
        pk=("draft_id", "revision"),
    )
    db.table("tokens").create(
        {
            "id": int,
            "name": str,
            "role": str,
            "locales": str,
            "secret_hash": str,
            "created_at": str,
            "revoked_at": str,
        },
        pk="id",
    )
    db.table("tokens").create_index(["name"], unique=True)
    db.table("audit").create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "role": str,
            "action": str,
            "target": str,
            "before_hash": str,
            "after_hash": str,
            "detail": str,
        },
        pk="id",
    )
    db.table("audit").create_index(["actor"])
    db.table("audit").create_index(["target"])
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER audit_no_{event.lower()} BEFORE {event} ON audit "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
    db.table("catalog_headers").create({"locale": str, "header": str}, pk="locale")
    db.table("file_sync").create({"key": str, "file_hash": str, "db_hash": str}, pk="key")
    db.table("translations").add_column("previous", str)
    db.table("translations").add_column("comments", str)


def _v3_sync(db: sqlite_utils.Database) -> None:
    """The sync ledger behind bundles and delta sync."""
    db.table("sync_items").create(
        {
            "key": str,
            "kind": str,
            "item": str,
            "locale": str,
            "doc_key": str,
            "etag": str,
            "seq": int,
        },
        pk="key",
        not_null={"kind", "item", "seq"},
    )
    db.table("sync_items").create_index(["seq"])


def _v4_search(db: sqlite_utils.Database) -> None:
    """Full-text search: which article version each locale's FTS5 index holds. The
    per-locale FTS5 tables themselves are created by `api.store.search` when a locale is
    first indexed, since locales arrive with catalogs; the next import fills them."""
    # first_rowid..last_rowid are the article's rows in the FTS5 table, so re-indexing one
    # article deletes by rowid instead of scanning the whole index for its slug.
    db.table("search_articles").create(
        {
            "locale": str,
            "slug": str,
            "version": int,
            "digest": str,
            "first_rowid": int,
            "last_rowid": int,
        },
        pk=("locale", "slug"),
        not_null={"locale", "slug", "version", "digest"},
    )


def _v5_vetting(db: sqlite_utils.Database) -> None:
    """Everyone who wrote a version; what a draft's author read."""
    db.table("versions").add_column("authors", str)
    db.execute("UPDATE versions SET authors = json_array(author) WHERE authors IS NULL")
    db.table("versions").add_column("treatments", int)
    db.execute("UPDATE versions SET treatments = (SELECT max(number) FROM treatment_sets)")
    db.table("drafts").add_column("treatments_base", int, not_null_default=0)
    db.table("draft_revisions").add_column("treatments", str)


def _v6_refusals(db: sqlite_utils.Database) -> None:
    """Refused management requests (401, 403, 409, 412, 428), bounded: see
    `api.store.refusals`."""
    db.table("refusals").create(
        {
            "id": int,
            "at": str,
            "minute": str,
            "actor": str,
            "role": str,
            "method": str,
            "path": str,
            "operation": str,
            "status": int,
            "problem": str,
            "detail": str,
            "repeats": int,
        },
        pk="id",
        not_null={"at", "minute", "method", "path", "status", "problem", "repeats"},
    )
    db.table("refusals").create_index(["minute", "status"])
    db.table("refusals").create_index(["actor"])


def _v7_signoff(db: sqlite_utils.Database) -> None:
    """The per-locale medical sign-off: who approved (or removed) which translation of
    which source text, when. Append-only, like the audit log."""
    db.table("catalog_signoffs").create(
        {
            "id": int,
            "locale": str,
            "context": str,
            "source_hash": str,
            "translation_hash": str,
            "decision": str,
            "uploaded_by": str,
            "reviewer": str,
            "at": str,
            "pending_etag": str,
        },
        pk="id",
        not_null={"locale", "context", "source_hash", "decision", "reviewer", "at"},
    )
    db.table("catalog_signoffs").create_index(["locale", "id"])
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER catalog_signoffs_no_{event.lower()} BEFORE {event} "
            "ON catalog_signoffs BEGIN SELECT RAISE(ABORT, 'the sign-off is append-only'); END"
        )


def _v8_blobs(db: sqlite_utils.Database) -> None:
    """Rendered bytes stored once per content (`blobs`, keyed by their strong ETag) and
    each document key pointing at its bytes, so identical documents share one copy and
    one compression. Existing documents move over in this migration's transaction."""
    db.table("blobs").create(
        {"etag": str, "body": bytes, "gzip": bytes, "br": bytes},
        pk="etag",
        not_null={"etag", "body"},
    )
    db.execute(
        "INSERT OR IGNORE INTO blobs (etag, body, gzip, br) "
        "SELECT etag, body, gzip, br FROM documents"
    )
    db.execute("ALTER TABLE documents RENAME TO documents_v7")
    db.table("documents").create(
        {"key": str, "etag": str},
        pk="key",
        not_null={"etag"},
        foreign_keys=[("etag", "blobs", "etag")],
    )
    db.execute("INSERT INTO documents (key, etag) SELECT key, etag FROM documents_v7")
    db.execute("DROP TABLE documents_v7")
    # Finding whether a blob is still referenced (before deleting it) must not scan.
    db.table("documents").create_index(["etag"])


def _v9_sessions(db: sqlite_utils.Database) -> None:
    """Workspace sessions: a token sign-in exchanged for a cookie. Only a hash of the
    session id is kept; the token's name ties the session to a token that must stay
    unrevoked (see `api.store.sessions`)."""
    db.table("sessions").create(
        {
            "id_hash": str,
            "token_name": str,
            "csrf": str,
            "created_at": int,
            "seen_at": int,
        },
        pk="id_hash",
        not_null={"token_name", "csrf", "created_at", "seen_at"},
    )
    db.table("sessions").create_index(["token_name"])


def _v10_people(db: sqlite_utils.Database) -> None:
    """Accounts are people: a person has a role, a locale scope and one or more tokens, and
    the review rule compares people. Who created each person and each token is kept, since
    whoever created a token has seen its secret (see `api.store.accounts`). Each existing
    token becomes a person of the same name, created by whoever the audit log says created
    the token (the operator when it says nothing); the audit log names the token used."""
    db.table("people").create(
        {
            "id": int,
            "name": str,
            "role": str,
            "locales": str,
            "created_by": str,
            "created_at": str,
            "display_name": str,
        },
        pk="id",
        not_null={"name", "role", "locales", "created_by", "created_at"},
    )
    db.table("people").create_index(["name"], unique=True)
    db.table("people").create_index(["created_by"])
    creator = (
        "coalesce((SELECT a.actor FROM audit a WHERE a.action = 'token.create' "
        "AND a.target = 'tokens/' || tokens.name ORDER BY a.id LIMIT 1), 'operator')"
    )
    db.execute(
        "INSERT INTO people (name, role, locales, created_by, created_at) "
        f"SELECT name, role, coalesce(locales, ''), {creator}, created_at "
        "FROM tokens ORDER BY id"
    )
    db.table("tokens").add_column("person", str)
    db.table("tokens").add_column("created_by", str)
    db.execute(f"UPDATE tokens SET person = name, created_by = {creator}")
    db.table("tokens").create_index(["person"])
    db.table("audit").add_column("token", str)


def _v11_kept_forms(db: sqlite_utils.Database) -> None:
    """Forms sent when their session had ended, kept for the person who was signed in on
    that browser until they sign in again (see `api.store.kept_forms`). Only a hash of the
    browser's id is kept."""
    db.table("kept_forms").create(
        {
            "browser_hash": str,
            "person": str,
            "signed_in_at": int,
            "path": str,
            "fields": str,
            "kept_at": int,
        },
        pk=("browser_hash", "person"),
        not_null={"browser_hash", "person", "signed_in_at"},
    )
    db.table("kept_forms").create_index(["signed_in_at"])


def _v12_rollbacks(db: sqlite_utils.Database) -> None:
    """A rollback draft names the version it brings back, so its review can list the
    published changes it undoes (see `api.store.rollback`)."""
    db.table("drafts").add_column("rollback_to", int)


def _v13_reviews(db: sqlite_utils.Database) -> None:
    """Medical reviews of a published version that found it still accurate (no new version):
    who, when, with what note. Append-only, like the audit log. And the reason a draft's
    revision gives for removing a safety mark, and the credentials a reviewer is shown with."""
    db.table("article_reviews").create(
        {"id": int, "slug": str, "number": int, "reviewer": str, "at": str, "note": str},
        pk="id",
        not_null={"slug", "number", "reviewer", "at"},
    )
    db.table("article_reviews").create_index(["slug", "number"])
    # Why a revision removes a safety mark (see api.core.properties.check_safety_reason).
    db.table("draft_revisions").add_column("safety_reason", str)
    db.table("people").add_column("credentials", str)
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER article_reviews_no_{event.lower()} BEFORE {event} "
            "ON article_reviews BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END"
        )


def _v14_webhooks(db: sqlite_utils.Database) -> None:
    """Webhooks (see `api.store.webhooks`): the partners' endpoints, the outbox of events
    written in the transaction of the change each announces, one delivery per event and
    endpoint, every attempt, and the lease that lets one sender per database send."""
    db.execute(
        "CREATE TABLE webhook_endpoints (id INTEGER PRIMARY KEY, url TEXT NOT NULL, "
        "events TEXT NOT NULL, description TEXT, secret TEXT NOT NULL, previous_secret TEXT, "
        "previous_until REAL, enabled INTEGER NOT NULL, disabled_reason TEXT, "
        "revision INTEGER NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, "
        "updated_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE webhook_events (id INTEGER PRIMARY KEY, msg_id TEXT NOT NULL UNIQUE, "
        "type TEXT NOT NULL, payload BLOB NOT NULL, cursor INTEGER NOT NULL, "
        "created_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE webhook_deliveries (id INTEGER PRIMARY KEY, "
        "event_id INTEGER NOT NULL REFERENCES webhook_events (id), "
        "endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE, "
        "state TEXT NOT NULL, failures INTEGER NOT NULL, attempts INTEGER NOT NULL, "
        "next_at REAL, next_trigger TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, "
        "last_status INTEGER, last_error TEXT)"
    )
    db.execute("CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at)")
    db.execute("CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id)")
    db.execute("CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id)")
    db.execute(
        "CREATE TABLE webhook_attempts (id INTEGER PRIMARY KEY, "
        "delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE, "
        "at TEXT NOT NULL, trigger TEXT NOT NULL, status INTEGER, error TEXT, "
        "duration_ms INTEGER NOT NULL, response TEXT)"
    )
    db.execute("CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id)")
    db.execute(
        "CREATE TABLE webhook_lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, "
        "expires REAL NOT NULL)"
    )


def _v15_lifecycle(db: sqlite_utils.Database) -> None:
    """Scheduled changes (a reviewed draft published at `due_at`, an approved withdrawal
    carried out at `due_at`) and withdrawals of published articles and treatment records,
    each requested by one person and approved by another (see `api.store.schedules` and
    `api.store.withdrawals`)."""
    db.table("withdrawals").create(
        {
            "id": int,
            "kind": str,
            "item": str,
            "reason": str,
            "notice": str,
            "status": str,
            "requested_by": str,
            "requested_at": str,
            "approved_by": str,
            "approved_at": str,
            "withdraw_at": str,
            "done_at": str,
            "through_version": int,
            "record_hash": str,
            "comment": str,
        },
        pk="id",
        not_null={"kind", "item", "reason", "notice", "status", "requested_by", "requested_at"},
    )
    db.table("withdrawals").create_index(["kind", "item", "status"])
    db.table("schedules").create(
        {
            "id": int,
            "kind": str,
            "target": str,
            "draft_id": int,
            "withdrawal_id": int,
            "due_at": str,
            "state": str,
            "approved_by": str,
            "etag": str,
            "created_at": str,
            "done_at": str,
            "detail": str,
        },
        pk="id",
        not_null={"kind", "target", "due_at", "state", "approved_by", "created_at"},
    )
    # What every read compares its clock with: the earliest pending change, by index.
    db.table("schedules").create_index(["state", "due_at"])


def _v16_summaries(db: sqlite_utils.Database) -> None:
    """What the author says a draft does when sending it to review: the queue and the
    history show it (else the first revision's message)."""
    db.table("drafts").add_column("summary", str)


def _v17_preview_links(db: sqlite_utils.Database) -> None:
    """Preview links: a draft revision shown to someone without an account, until the
    link expires or is revoked. Only a hash of the link's secret is kept."""
    db.table("preview_links").create(
        {
            "id": int,
            "draft_id": int,
            "draft_etag": str,
            "locale": str,
            "recipient": str,
            "secret_hash": str,
            "created_by": str,
            "created_at": str,
            "expires_at": str,
            "revoked_by": str,
            "revoked_at": str,
        },
        pk="id",
        not_null={
            "draft_id",
            "draft_etag",
            "locale",
            "recipient",
            "secret_hash",
            "created_by",
            "created_at",
            "expires_at",
        },
        foreign_keys=[("draft_id", "drafts", "id")],
    )
    db.table("preview_links").create_index(["secret_hash"], unique=True)
    db.table("preview_links").create_index(["draft_id"])


def _v18_catalog_rejections(db: sqlite_utils.Database) -> None:
    """Pending translations a reviewer sent back, one entry or a whole upload (`context`
    NULL), with the reviewer's reason: what the uploader reads on their locale's page.
    Append-only, like the audit log that also records them."""
    db.table("catalog_rejections").create(
        {
            "id": int,
            "locale": str,
            "context": str,
            "source": str,
            "text": str,
            "uploaded_by": str,
            "reviewer": str,
            "comment": str,
            "at": str,
        },
        pk="id",
        not_null={"locale", "reviewer", "comment", "at"},
    )
    db.table("catalog_rejections").create_index(["locale", "id"])
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER catalog_rejections_no_{event.lower()} BEFORE {event} "
            "ON catalog_rejections BEGIN SELECT RAISE(ABORT, 'rejections are append-only'); END"
        )


def _v19_version_logs(db: sqlite_utils.Database) -> None:
    """What the repository's history log says of each version it published (why each block
    changed, on which references), kept so that an export writes the log back whole (see
    `api.store.history`)."""
    db.table("version_logs").create(
        {"slug": str, "number": int, "entry": str},
        pk=("slug", "number"),
        not_null={"slug", "number", "entry"},
    )


def _v20_spliced_bundles(db: sqlite_utils.Database) -> None:
    """Bundles are no longer stored at publish time (they grew with the catalogue): they
    are spliced from the stored article and treatment documents when asked for
    (`api.store.sync.bundle_body`). The stored ones, and their bytes, go."""
    db.execute("DELETE FROM documents WHERE key LIKE 'bundle/%'")
    db.execute("DELETE FROM blobs WHERE etag NOT IN (SELECT etag FROM documents)")
    # A bundle reads one kind of item in one locale, in id order.
    db.table("sync_items").create_index(["kind", "locale", "item"], if_not_exists=True)


def _v21_article_lists(db: sqlite_utils.Database) -> None:
    """The article lists as rows, one per article and locale and one per word of its title,
    so a page of `GET /v1/articles` or the workspace's list, filtered or searched, reads a
    page of rows, not the whole list (`api.store.listing`)."""
    from api.store.listing import create_list_tables  # it imports no schema

    create_list_tables(db)


def _v22_sync_patches(db: sqlite_utils.Database) -> None:
    """Deltas at the granularity of the change (`api.store.sync`): a JSON Patch from each
    article's or record's previous document to its new one, made when it changes, and a
    `sync/<item>` document holding the bytes clients hold (so that the bytes a patch starts
    from are still there when the next rendering replaces them)."""
    db.table("sync_patches").create(
        {"key": str, "seq": int, "base_seq": int, "ops": bytes, "sha256": str},
        pk=("key", "seq"),
        not_null={"key", "seq", "base_seq", "ops", "sha256"},
        if_not_exists=True,
    )
    db.execute(
        "INSERT OR REPLACE INTO documents (key, etag) SELECT 'sync/' || s.key, s.etag "
        "FROM sync_items s JOIN blobs b ON b.etag = s.etag "
        "WHERE s.kind IN ('article', 'treatment')"
    )


def _v23_spliced_lists(db: sqlite_utils.Database) -> None:
    """The article lists and the sitemap are no longer stored documents (rewritten whole at
    every publish, they grew with the catalogue): they are spliced from one row per
    article when asked for (`api.store.listing`). The sitemap's rows come from the stored
    sitemap (the lists' rows exist since `_v21_article_lists`); the stored documents and
    their bytes go."""
    from api.store.listing import create_sitemap_table  # it imports no schema

    create_sitemap_table(db)
    db.execute("DELETE FROM documents WHERE key LIKE 'articles/%' OR key = 'sitemap'")
    db.execute("DELETE FROM blobs WHERE etag NOT IN (SELECT etag FROM documents)")


def _v24_locale_figures(db: sqlite_utils.Database) -> None:
    """The locale metadata is no longer a stored document (rewritten whole at every publish
    and approval, it grew with the catalogue): it is spliced from one row per article and
    locale when asked for (`api.store.figures`). The rows come from the stored document,
    which goes with its bytes; the sync ledger's item moves to the figures' version
    without a change for clients (their bytes are the same)."""
    from api.store.figures import create_figures_tables, figures_token  # no schema import
    from api.store.translations import rendered_locales

    create_figures_tables(db)
    stored = db.execute("SELECT etag FROM documents WHERE key = 'locales'").fetchone()
    if stored is None:
        return
    db.execute("DELETE FROM documents WHERE key = 'locales'")
    db.execute(
        "DELETE FROM blobs WHERE etag = ? AND NOT EXISTS (SELECT 1 FROM documents WHERE etag = ?)",
        [stored[0], stored[0]],
    )
    db.execute(
        "UPDATE sync_items SET etag = ? WHERE key = 'locales' AND etag = ?",
        [figures_token(db, rendered_locales(db)), stored[0]],
    )


def _v25_no_webhook_lease(db: sqlite_utils.Database) -> None:
    """The webhook sender's lease is a file lock beside the database
    (`api.store.sender_lease`), no longer a row renewed by a commit every few seconds:
    that commit emptied every reader cache keyed on `PRAGMA data_version` while nothing
    happened."""
    db.execute("DROP TABLE IF EXISTS webhook_lease")


_MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1,
    _v2,
    _v3_sync,
    _v4_search,
    _v5_vetting,
    _v6_refusals,
    _v7_signoff,
    _v8_blobs,
    _v9_sessions,
    _v10_people,
    _v11_kept_forms,
    _v12_rollbacks,
    _v13_reviews,
    _v14_webhooks,
    _v15_lifecycle,
    _v16_summaries,
    _v17_preview_links,
    _v18_catalog_rejections,
    _v19_version_logs,
    _v20_spliced_bundles,
    _v21_article_lists,
    _v22_sync_patches,
    _v23_spliced_lists,
    _v24_locale_figures,
    _v25_no_webhook_lease,
]
SCHEMA_VERSION = len(_MIGRATIONS)


def migrate(db: sqlite_utils.Database, up_to: int = SCHEMA_VERSION) -> int:
    """Apply the migrations this database has not seen yet (up to schema `up_to`); return
    the schema version."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(_MIGRATIONS[current:up_to], start=current + 1):
        with transaction(db):
            if db.execute("PRAGMA user_version").fetchone()[0] < number:
                step(db)
                db.execute(f"PRAGMA user_version = {number}")
    return SCHEMA_VERSION


_SAVEPOINTS = itertools.count(1)


@contextmanager
def no_other_readers_journal(db: sqlite_utils.Database) -> Iterator[bool]:
    """For a large write into a database no other connection has read: the rollback
    journal instead of the WAL, in WAL mode again afterwards. Yields whether it switched.

    In WAL mode every page a transaction writes goes to the WAL, and the checkpoint then
    copies it into the database: a 1,000-article seed (1.2 GB) is written twice, and its
    commit waits for both. With the rollback journal, pages new to the file are written
    once and need no journal. SQLite leaves WAL mode only while no other connection has
    read the database; when one has (a server already running), nothing changes. Nobody
    loses a read either way: the database had nothing to read."""
    timeout = db.execute("PRAGMA busy_timeout").fetchone()[0]
    db.execute("PRAGMA busy_timeout = 0")  # another connection: stay in WAL mode, at once
    try:
        switched = db.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    except sqlite3.OperationalError:
        switched = False
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    try:
        yield switched
    finally:
        # A reader that opened meanwhile may hold a lock: open_database switches back.
        if switched:
            with suppress(sqlite3.OperationalError):
                db.execute("PRAGMA journal_mode=WAL")


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction: everything inside commits together or not at all.

    Inside another transaction it is a savepoint of it, so a write made of other writes
    (an import creating drafts) still commits once, or not at all."""
    if db.conn.in_transaction:
        name = f"nested_{next(_SAVEPOINTS)}"
        db.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            db.execute(f"ROLLBACK TO {name}")
            db.execute(f"RELEASE {name}")
            raise
        db.execute(f"RELEASE {name}")
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@contextmanager
def snapshot(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One read transaction: every query inside sees the same committed state, whatever
    other connections commit meanwhile."""
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.execute("COMMIT")
