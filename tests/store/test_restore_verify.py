"""A restore proves what a backup's rows can prove before it is accepted, and says what it
changes (security probe 2026-12-07, D6): an edited stored document is refused, naming it;
an account whose role the audit log cannot explain is refused; what a restore changes
(accounts, versions, the audit history) is listed for the operator."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from litestar.testing import TestClient

from api.core.errors import BackupRejected
from api.store.accounts import create_token, principal_named, revoke_token
from api.store.backup import backup_database, restore_database
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import ROOT, SLUG
from tests.store.test_backup import dump, publish_change

TAMPERED = "TAMPERED: stop all other hair loss treatments now."
KEY = f"section/{SLUG}/1/en/introduction"


def vetted(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def tamper_document(path: Path) -> str:
    """The probe's step 2: the document's body with p1 replaced, its gzip made to match,
    brotli dropped, the ETag kept. Returns that ETag."""
    conn = sqlite3.connect(path)
    with conn:
        etag, body = conn.execute(
            "SELECT b.etag, b.body FROM documents d JOIN blobs b ON b.etag = d.etag "
            "WHERE d.key = ?",
            [KEY],
        ).fetchone()
        document = json.loads(body)
        first = document["section"]["blocks"][0]
        assert first["id"] == "p1"
        first["text"] = TAMPERED
        new = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        conn.execute(
            "UPDATE blobs SET body = ?, gzip = ?, br = NULL WHERE etag = ?",
            [new, gzip.compress(new), etag],
        )
    conn.close()
    return str(etag)


def test_a_backup_with_an_edited_document_is_refused_naming_it(
    db_path: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "bk9.db"
    backup_database(db_path, backup)
    edited = tmp_path / "ev9.db"
    edited.write_bytes(backup.read_bytes())
    etag = tamper_document(edited)
    before = dump(db_path)

    result = vetted("restore", str(edited), "--db", str(db_path))

    assert result.returncode == 1, result.stderr
    assert KEY in result.stderr and etag in result.stderr
    assert "its bytes do not hash to its ETag" in result.stderr
    assert dump(db_path) == before
    with TestClient(create_app(db_path)) as client:
        served = client.get(f"/v1/articles/{SLUG}/sections/introduction")
        assert served.status_code == 200 and TAMPERED not in served.text
    # The untouched backup restores.
    assert vetted("restore", str(backup), "--db", str(db_path)).returncode == 0


def test_a_compressed_form_that_is_not_the_body_is_refused(db_path: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    backup_database(db_path, backup)
    conn = sqlite3.connect(backup)
    with conn:
        etag, body = conn.execute(
            "SELECT b.etag, b.body FROM documents d JOIN blobs b ON b.etag = d.etag "
            "WHERE d.key = ?",
            [KEY],
        ).fetchone()
        other = body.replace(b"revolutionary", b"proven safe")
        conn.execute("UPDATE blobs SET gzip = ? WHERE etag = ?", [gzip.compress(other), etag])
    conn.close()
    with pytest.raises(BackupRejected, match=re.escape(KEY) + ".*its gzip form is not its bytes"):
        restore_database(backup, db_path)


def test_a_version_that_does_not_hash_to_its_content_hash_is_refused(
    db_path: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "b.db"
    backup_database(db_path, backup)
    conn = sqlite3.connect(backup)
    with conn:
        conn.execute(
            "UPDATE versions SET body = replace(body, 'revolutionary', 'proven') WHERE slug = ?",
            [SLUG],
        )
    conn.close()
    with pytest.raises(BackupRejected, match=f"article {SLUG} version 1 does not hash"):
        restore_database(backup, db_path)


def _with_accounts(db_path: Path) -> None:
    db = open_database(db_path)
    create_token(db, name="root", role="admin", locales=[])
    create_token(db, name="lucia", role="translator", locales=["es"])
    db.conn.close()


def test_a_role_the_audit_log_cannot_explain_is_refused(db_path: Path, tmp_path: Path) -> None:
    """The probe's `UPDATE tokens SET role='admin' WHERE name='lucia'`."""
    _with_accounts(db_path)
    backup = tmp_path / "ev9.db"
    backup_database(db_path, backup)
    conn = sqlite3.connect(backup)
    with conn:
        conn.execute("UPDATE tokens SET role='admin' WHERE name='lucia'")
    conn.close()
    before = dump(db_path)

    result = vetted("restore", str(backup), "--db", str(db_path))

    assert result.returncode == 1
    assert "'lucia' is admin for es, but the audit log says it was created translator for es" in (
        result.stderr
    )
    assert dump(db_path) == before


def test_a_role_change_explained_by_an_added_audit_entry_is_shown(
    db_path: Path, tmp_path: Path
) -> None:
    """Appending an audit entry is allowed by its triggers, so a forger can make the
    backup explain itself: the comparison with the live database still shows it."""
    _with_accounts(db_path)
    backup = tmp_path / "ev9.db"
    backup_database(db_path, backup)
    conn = sqlite3.connect(backup)
    with conn:
        conn.execute("UPDATE people SET role='admin', locales='' WHERE name='lucia'")
        conn.execute(
            "INSERT INTO audit (at, actor, role, action, target, detail) VALUES "
            "('2026-12-07T00:00:00Z', 'operator', 'admin', 'person.create', 'people/lucia', "
            "'admin ')"
        )
    conn.close()
    before = dump(db_path)

    check = vetted("restore", "--check", str(backup), "--db", str(db_path))

    assert check.returncode == 0, check.stderr
    becomes = (
        "person 'lucia': was translator for es, created by operator; "
        "becomes admin, created by operator"
    )
    assert f"would change: {becomes}" in check.stderr
    assert "the backup has 1 entries this database never had: person.create people/lucia" in (
        check.stderr
    )
    assert "was not changed" in check.stderr
    assert dump(db_path) == before
    result = vetted("restore", str(backup), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert f"changed: {becomes}" in result.stderr


def test_a_restore_lists_what_it_undoes(db_path: Path, tmp_path: Path) -> None:
    _with_accounts(db_path)
    backup = tmp_path / "b.db"
    backup_database(db_path, backup)
    db = open_database(db_path)
    publish_change(db, "Changed after the backup.")
    revoke_token(db, "lucia")
    create_token(db, name="ben", role="reviewer", locales=[])
    db.conn.close()

    report = restore_database(backup, db_path, check_only=True)

    assert not report.restored
    assert report.changes[:4] == (
        "person 'ben': removed (was reviewer, created by operator)",
        "token 'ben': removed (was active, of ben, created by operator)",
        "token 'lucia': was revoked, of lucia, created by operator; "
        "becomes active, of lucia, created by operator",
        f"article {SLUG}: readers get version 1 instead of 2 (1 stored instead of 2)",
    )
    assert re.fullmatch(
        r"audit log: the backup is this database's history up to entry \d+; "
        r"the 7 later entries are undone",
        report.changes[4],
    )


def test_a_token_with_another_secret_is_refused(db_path: Path, tmp_path: Path) -> None:
    _with_accounts(db_path)
    backup = tmp_path / "b.db"
    backup_database(db_path, backup)
    conn = sqlite3.connect(backup)
    with conn:
        conn.execute(
            # Another first digit, whatever the first digit was: a fixed 'a' left one
            # hash in sixteen unchanged.
            "UPDATE tokens SET secret_hash = "
            "CASE substr(secret_hash, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' END "
            "|| substr(secret_hash, 2) WHERE name='root'"
        )
        assert conn.total_changes == 1
    conn.close()
    with pytest.raises(BackupRejected, match="token 'root' has another secret"):
        restore_database(backup, db_path)


def test_a_token_the_audit_log_never_created_is_refused(db_path: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    backup_database(db_path, backup)
    conn = sqlite3.connect(backup)
    with conn:
        conn.execute(
            "INSERT INTO people (name, role, locales, created_by, created_at) "
            "VALUES ('mallory', 'admin', '', 'operator', '2026-12-07T00:00:00Z')"
        )
        conn.execute(
            "INSERT INTO tokens (name, role, locales, secret_hash, created_at, person, "
            "created_by) VALUES ('mallory', 'admin', '', 'x', '2026-12-07T00:00:00Z', "
            "'mallory', 'operator')"
        )
    conn.close()
    with pytest.raises(BackupRejected) as refused:
        restore_database(backup, db_path)
    assert "person 'mallory' (admin) was never created according to the audit log" in str(
        refused.value
    )
    assert "token 'mallory' (admin) was never created" in str(refused.value)


def test_a_token_made_to_look_created_by_the_operator_is_refused(
    db_path: Path, tmp_path: Path
) -> None:
    """Who created a token decides whose work it may review (D3): it is proven too."""
    _with_accounts(db_path)
    backup = tmp_path / "b.db"
    db = open_database(db_path)
    admin = principal_named(db, "root")
    create_token(db, name="root.alt2", role="admin", actor=admin)
    db.conn.close()
    backup_database(db_path, backup)
    conn = sqlite3.connect(backup)
    with conn:
        conn.execute("UPDATE tokens SET created_by = 'operator' WHERE name = 'root.alt2'")
        conn.execute("UPDATE people SET created_by = 'operator' WHERE name = 'root.alt2'")
    conn.close()
    with pytest.raises(BackupRejected) as refused:
        restore_database(backup, db_path)
    assert "person 'root.alt2' was created by operator, but the audit log says by root" in str(
        refused.value
    )
