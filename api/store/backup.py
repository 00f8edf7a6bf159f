"""Online backup and restore of the database through SQLite's backup API.

A backup is a consistent snapshot taken while the server serves and writes; a restore
copies a validated backup into the live database in one write transaction, so every
reader, in every server process, goes from the old content to the restored content at
once and never sees a mixture.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import sqlite_utils

from api.core.errors import BackupRejected, Conflict, NotFound
from api.store.accounts import OPERATOR
from api.store.audit import record
from api.store.schema import SCHEMA_VERSION, migrate, open_database, transaction
from api.store.search import create_index_table, create_records_table
from api.store.verify import differences, proof_failures, secret_changes

__all__ = [
    "STEP_PAGES",
    "BackupInfo",
    "Progress",
    "RestoreReport",
    "backup_database",
    "restore_database",
]

# Pages copied per step of the backup API (4 MiB at the default page size); progress is
# reported between steps. The snapshot and the restore's write lock span all steps.
STEP_PAGES = 1024

Progress = Callable[[str, int, int], None]
"""Called between steps with (what is being copied, pages done, pages in all)."""


class BackupInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a backup file holds, as checked."""

    path: str
    pages: int
    page_size: int
    schema_version: int
    articles: int


class RestoreReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a restore did."""

    backup: BackupInfo
    replaced_file: bool
    """True when the database was unreadable and its file was replaced instead of written
    through SQLite: processes that still have the old file open must be restarted."""
    changes: tuple[str, ...] = ()
    """What the restore changes in the live database (accounts, versions, audit history),
    one sentence each; empty when there was no readable database to compare with."""
    restored: bool = True
    """False for a check (`check_only`): the backup was verified, nothing was changed."""


def _read_only(path: Path) -> sqlite3.Connection:
    # A URI, so the file is never created and never written through this connection.
    return sqlite3.connect(
        path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None, timeout=30
    )


def _steps(progress: Progress | None, what: str) -> Callable[[int, int, int], None] | None:
    if progress is None:
        return None
    report = progress

    def step(_status: int, remaining: int, total: int) -> None:
        report(what, total - remaining, total)

    return step


def _inspect(conn: sqlite3.Connection, path: Path) -> BackupInfo:
    """Check a database the way a restore needs it: readable, intact, a known schema."""
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check(4)").fetchall()]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupRejected(f"{path}: not a readable SQLite database ({exc})") from exc
    if problems != ["ok"]:
        raise BackupRejected(f"{path}: failed the integrity check: {'; '.join(problems)}")
    if version < 1:
        raise BackupRejected(f"{path}: is SQLite but holds no Vetted database")
    if version > SCHEMA_VERSION:
        raise BackupRejected(
            f"{path}: schema version {version} is newer than this program's "
            f"({SCHEMA_VERSION}); restore it with the version of vetted that wrote it"
        )
    unexpected = _schema_differences(conn, version)
    if unexpected:
        raise BackupRejected(
            f"{path}: its schema is not what schema version {version} creates "
            f"({'; '.join(unexpected[:5])}): a changed trigger, table or index could "
            "unlock the audit log or change what readers get"
        )
    articles = conn.execute("SELECT count(*) FROM publications").fetchone()[0]
    return BackupInfo(
        path=str(path),
        pages=pages,
        page_size=page_size,
        schema_version=version,
        articles=articles,
    )


_OBJECTS = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
LITESTREAM_TABLES = {
    ("table", "_litestream_seq"): (
        "_litestream_seq",
        "CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER)",
    ),
    ("table", "_litestream_lock"): (
        "_litestream_lock",
        "CREATE TABLE _litestream_lock (id INTEGER)",
    ),
}
"""The bookkeeping tables Litestream adds to a database it replicates (docs/operators/
topology.md), exactly as it makes them: no trigger, no index, nothing readers get, so a
backup of a replicated database, or a database restored from its replica, is ours."""


def _schema_differences(conn: sqlite3.Connection, version: int) -> list[str]:
    """Every schema object (table, index, trigger, view) the file has that a database made
    by this code at `version` would not have, or lacks, or has with other SQL; search index
    tables (of article text and of treatment records) are made by the code that makes them,
    for the locales the file indexes."""
    found = {(row[0], row[1]): (row[2], row[3]) for row in conn.execute(_OBJECTS)}
    fresh = sqlite_utils.Database(sqlite3.connect(":memory:", isolation_level=None))
    try:
        migrate(fresh, up_to=version)
        for kind, name in found:
            sql = found[(kind, name)][1] or ""
            if kind == "table" and "VIRTUAL TABLE" in sql:
                make = (
                    create_records_table
                    if name.startswith("records_search_")
                    else create_index_table
                    if name.startswith("search_")
                    else None
                )
                if make is None:
                    continue
                try:
                    make(fresh, name)
                except (sqlite3.DatabaseError, ValueError):
                    continue  # not a name our code makes: reported below
        expected = {(row[0], row[1]): (row[2], row[3]) for row in fresh.execute(_OBJECTS)}
        expected.update((key, LITESTREAM_TABLES[key]) for key in found if key in LITESTREAM_TABLES)
    finally:
        fresh.conn.close()
    return [
        f"{kind} {name} "
        + (
            "is missing"
            if key not in found
            else "is not ours"
            if key not in expected
            else "differs"
        )
        for key in sorted({*found, *expected})
        if found.get(key) != expected.get(key)
        for kind, name in [key]
    ]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _scratch(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` (same file system, so it can be renamed into place),
    removed with its journal whatever happens."""
    scratch = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield scratch
    finally:
        for leftover in (scratch, scratch.with_name(scratch.name + "-journal")):
            leftover.unlink(missing_ok=True)


def backup_database(
    db_path: Path,
    target: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
    pages_per_step: int = STEP_PAGES,
) -> BackupInfo:
    """Copy the database at `db_path` to `target` as one self-contained file.

    Safe while other processes read and write: the copy is the snapshot of the moment it
    starts. It is written beside `target` and renamed into place only once it has passed
    the integrity check, so `target` is either the whole backup or untouched.
    """
    if not db_path.is_file():
        raise NotFound(f"no database at {db_path}")
    if target.exists() and not force:
        raise Conflict(f"{target} exists; pass --force to overwrite it")
    if target.exists() and target.samefile(db_path):
        raise Conflict(f"{target} is the database itself")
    if not target.parent.is_dir():
        raise NotFound(f"no folder {target.parent}")
    with _scratch(target) as scratch:
        source = _read_only(db_path)
        copy = sqlite3.connect(scratch, isolation_level=None)
        try:
            # An open read transaction pins one snapshot for every step, so writes that
            # commit meanwhile neither restart the copy nor leak half into it.
            source.execute("BEGIN")
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            source.backup(copy, pages=pages_per_step, progress=_steps(progress, "backup"))
            source.execute("COMMIT")
            # The copy inherits WAL mode; a rollback journal keeps it one file at rest.
            copy.execute("PRAGMA journal_mode=DELETE")
            info = _inspect(copy, target)
        except sqlite3.DatabaseError as exc:
            raise BackupRejected(
                f"cannot back up {db_path} ({exc}); nothing was written to {target}"
            ) from exc
        except BackupRejected as exc:
            raise BackupRejected(
                f"the copy of {db_path} is unusable, so nothing was written ({exc}); "
                "the database itself may be damaged"
            ) from exc
        finally:
            copy.close()
            source.close()
        _fsync(scratch)
        if force:
            scratch.replace(target)
        else:
            try:
                # A hard link never overwrites: a file that appeared meanwhile is kept.
                os.link(scratch, target)
            except FileExistsError as exc:
                raise Conflict(f"{target} exists; pass --force to overwrite it") from exc
        _fsync(target.parent)
    return info


def _stage(
    backup: Path,
    staging: Path,
    live: Path | None,
    live_page_size: int | None,
    progress: Progress | None,
) -> tuple[BackupInfo, list[str]]:
    """Validate the backup and copy it to `staging`, migrated to this program's schema,
    with the restore in its audit log, so the switch itself is a single copy. Returns what
    the backup is and what restoring it changes in the readable database at `live`.

    Refused (BackupRejected) when its rows disprove themselves (see `api.store.verify`)."""
    source = _read_only(backup)
    try:
        try:
            source.execute("BEGIN")
        except sqlite3.DatabaseError as exc:
            raise BackupRejected(f"{backup}: cannot be read ({exc})") from exc
        info = _inspect(source, backup)
        copy = sqlite3.connect(staging, isolation_level=None)
        try:
            source.backup(copy, pages=STEP_PAGES, progress=_steps(progress, "stage"))
        finally:
            copy.close()
        source.execute("COMMIT")
    finally:
        source.close()
    db = sqlite_utils.Database(sqlite3.connect(staging, isolation_level=None))
    try:
        # A copy of a WAL-mode file is in WAL mode too; the scratch file stays one file.
        db.execute("PRAGMA journal_mode=DELETE")
        migrate(db)
        failures = proof_failures(db.conn)
        changes: list[str] = []
        if live is not None:
            reference = _read_only(live)
            try:
                failures += secret_changes(db.conn, reference)
                changes = differences(db.conn, reference)
            except sqlite3.DatabaseError as exc:  # a live database of an older schema
                changes = [f"not compared with {live.name} ({exc})"]
            finally:
                reference.close()
        if failures:
            raise BackupRejected(
                f"{backup}: its content does not prove itself, so it was not restored: "
                + "; ".join(failures)
            )
        with transaction(db):
            record(
                db,
                OPERATOR,
                "database.restore",
                "database",
                detail=f"restored from {backup.name} (schema version {info.schema_version}, "
                f"{info.articles} article(s))",
            )
        if live_page_size is not None and live_page_size != info.page_size:
            # A database in WAL mode only accepts a copy with its own page size.
            db.execute(f"PRAGMA page_size = {int(live_page_size)}")
            db.execute("VACUUM")
    finally:
        db.conn.close()
    return info, changes


def _live_page_size(db_path: Path) -> int | None:
    """The page size of a readable database at `db_path`, None when there is none."""
    if not db_path.exists():
        return None
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=30)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        size: int = conn.execute("PRAGMA page_size").fetchone()[0]
        return size
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()


def restore_database(
    backup: Path, db_path: Path, *, progress: Progress | None = None, check_only: bool = False
) -> RestoreReport:
    """Replace the content of the database at `db_path` with the backup at `backup`.

    The backup is validated first (SQLite, integrity, a schema no newer than this
    program's, and what its rows prove: see `api.store.verify`); if it fails, the database
    is not touched. `check_only`: validate and compare, and change nothing. The restore
    then writes the whole database in one transaction through SQLite, so it is safe while
    servers run: their readers see the old content until the commit and the restored
    content after, and their writers wait for it. Only a database that SQLite cannot read
    at all has its file (and its -wal and -shm files) replaced instead.
    """
    if not backup.is_file():
        raise BackupRejected(f"{backup}: no such file")
    if db_path.exists() and backup.samefile(db_path):
        raise BackupRejected(f"{backup} is the database itself")
    live_page_size = _live_page_size(db_path)
    readable = live_page_size is not None or not db_path.exists()
    with _scratch(db_path) as staging:
        compare_with = db_path if live_page_size is not None else None
        info, changes = _stage(backup, staging, compare_with, live_page_size, progress)
        if check_only:
            return RestoreReport(
                backup=info, replaced_file=False, changes=tuple(changes), restored=False
            )
        if readable:
            source = sqlite3.connect(staging, isolation_level=None)
            live = sqlite3.connect(db_path, isolation_level=None, timeout=30)
            try:
                source.backup(live, pages=STEP_PAGES, progress=_steps(progress, "restore"))
            finally:
                live.close()
                source.close()
        else:
            _fsync(staging)
            # A stale -wal would be replayed onto the new file: remove it (and its index)
            # before the new file takes the name.
            for side in ("-wal", "-shm"):
                db_path.with_name(db_path.name + side).unlink(missing_ok=True)
            staging.replace(db_path)
            _fsync(db_path.parent)
    db = open_database(db_path)  # WAL mode for a new file; the schema is already current
    try:
        # Fold the restored pages into the main file now, without waiting for readers.
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        db.conn.close()
    return RestoreReport(backup=info, replaced_file=not readable, changes=tuple(changes))
