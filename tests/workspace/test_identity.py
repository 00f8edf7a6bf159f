"""Accounts are people, and a token its creator has seen cannot review their work
(security probe 2026-12-07, D3: one admin published alone by creating a second admin
token). The probe's steps, over the workspace and the API of the real app."""

from __future__ import annotations

import copy
import hashlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from litestar.testing import TestClient

from api.core.access import Principal
from api.core.errors import Unauthorized
from api.store.accounts import authenticate, principal_named
from api.store.schema import SCHEMA_VERSION, migrate, open_database
from api.store.verify import proof_failures
from tests.conftest import ROOT, SLUG
from tests.workspace.people import sign_in

Client = TestClient[Any]
HEAD = f"/v1/manage/articles/{SLUG}"
ROOT_ALONE = "Root alone: this therapy is proven safe for everyone."


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def draft_in_review(client: Client, secret: str, text: str = ROOT_ALONE) -> tuple[int, str]:
    """The probe's step 1: `introduction/p3` changed and the draft submitted; its id and
    ETag."""
    head = client.get(HEAD, headers=bearer(secret))
    assert head.status_code == 200, head.text
    article = copy.deepcopy(head.json()["article"])
    section = next(s for s in article["sections"] if s["id"] == "introduction")
    next(b for b in section["blocks"] if b["id"] == "p3")["text"] = text
    created = client.post(
        f"{HEAD}/drafts",
        json={"article": article, "message": "Root's change"},
        headers={**bearer(secret), "If-Match": head.headers["etag"]},
    )
    assert created.status_code == 201, created.text
    draft = created.json()["id"]
    submitted = client.post(
        f"/v1/manage/drafts/{draft}/submit",
        headers={**bearer(secret), "If-Match": created.headers["etag"]},
    )
    assert submitted.status_code == 200, submitted.text
    return draft, submitted.headers["etag"]


def publish(client: Client, secret: str, draft: int, etag: str) -> Any:
    return client.post(
        f"/v1/manage/drafts/{draft}/publish", headers={**bearer(secret), "If-Match": etag}
    )


def create_in_workspace(client: Client, csrf: str, **form: str) -> Any:
    return client.post("/workspace/admin/tokens", data={"_csrf_token": csrf, **form})


def secret_of(page: Any) -> str:
    assert page.status_code == 201, page.text
    found = re.search(r'<code id="secret-value">(vt_\d+_[\w-]+)</code>', page.text)
    assert found is not None
    return found.group(1)


def vetted(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_the_probes_second_admin_token_cannot_publish_roots_draft(
    ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    draft, etag = draft_in_review(ws, tokens["admin"])
    alone = publish(ws, tokens["admin"], draft, etag)
    assert alone.status_code == 403
    assert "you wrote part of this draft" in alone.json()["detail"]
    csrf = sign_in(ws, tokens["admin"])

    alt2 = secret_of(create_in_workspace(ws, csrf, name="root.alt2", role="admin", locales=""))
    refused = publish(ws, alt2, draft, etag)

    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"] == (
        "this token (root.alt2) was created by root, who wrote part of this draft: a token "
        "its creator has seen cannot review their work; a second person must review it with "
        "their own token"
    )
    assert ROOT_ALONE not in ws.get(f"/v1/articles/{SLUG}/sections/introduction").text
    # Nor as a second token of root's own, made in the workspace: it is root's.
    own = secret_of(create_in_workspace(ws, csrf, name="root.laptop", person="root", role="admin"))
    mine = publish(ws, own, draft, etag)
    assert mine.status_code == 403 and "you wrote part of this draft" in mine.json()["detail"]
    # The audit log names the person and the token.
    audit = ws.get("/v1/manage/audit", headers=bearer(tokens["admin"])).json()["entries"]
    made = next(e for e in audit if e["target"] == "tokens/root.laptop")
    assert (made["action"], made["actor"], made["detail"]) == (
        "token.create",
        "root",
        "admin  person root",
    )
    # A real second admin, created by the operator, publishes it; the version names both.
    created = vetted("token", "create", "--name", "root2", "--role", "admin", "--db", str(db_path))
    assert created.returncode == 0, created.stderr
    published = publish(ws, created.stdout.strip(), draft, etag)
    assert published.status_code == 200, published.text
    version = ws.get(f"/v1/articles/{SLUG}/versions").json()[-1]
    assert (version["authors"], version["reviewer"]) == (["root"], "root2")


def test_a_token_made_at_the_command_line_for_root_is_roots(
    ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    """The probe's "via the CLI" path: another token of an existing person is theirs."""
    draft, etag = draft_in_review(ws, tokens["admin"])
    created = vetted(
        "token", "create", "--name", "root.alt2", "--person", "root", "--db", str(db_path)
    )
    assert created.returncode == 0, created.stderr
    assert "of person 'root'" in created.stderr
    refused = publish(ws, created.stdout.strip(), draft, etag)
    assert refused.status_code == 403
    assert "you wrote part of this draft" in refused.json()["detail"]


def test_an_admin_cannot_make_a_token_for_another_person(
    ws: Client, tokens: dict[str, str]
) -> None:
    csrf = sign_in(ws, tokens["admin"])
    page = create_in_workspace(ws, csrf, name="ben.alt", person="ben", role="reviewer")
    assert page.status_code == 403
    assert "you may create tokens for new people and for yourself, not for ben" in page.text
    assert "secret-value" not in page.text


def test_accounts_an_admin_creates_cannot_review_each_other_or_the_admin(
    ws: Client, tokens: dict[str, str]
) -> None:
    """Two new people made by one admin (an editor and a reviewer): the admin holds both
    secrets, so neither they nor the admin can publish the other's work."""
    csrf = sign_in(ws, tokens["admin"])
    sock_editor = secret_of(create_in_workspace(ws, csrf, name="s1", role="editor", locales=""))
    sock_reviewer = secret_of(create_in_workspace(ws, csrf, name="s2", role="reviewer", locales=""))
    draft, etag = draft_in_review(ws, sock_editor)

    by_sock = publish(ws, sock_reviewer, draft, etag)
    by_root = publish(ws, tokens["admin"], draft, etag)

    assert by_sock.status_code == by_root.status_code == 403
    assert (
        "you are not independent of s1, who wrote part of this draft" in (by_sock.json()["detail"])
    )
    assert "you are not independent of s1" in by_root.json()["detail"]
    # A reviewer the operator made is independent of them: the second person.
    assert publish(ws, tokens["reviewer"], draft, etag).status_code == 200


def test_a_person_an_admin_created_reviews_once_they_hold_a_token_the_admin_never_saw(
    ws: Client, tokens: dict[str, str], db_path: Path
) -> None:
    csrf = sign_in(ws, tokens["admin"])
    nuria = secret_of(create_in_workspace(ws, csrf, name="nuria", role="reviewer", locales=""))
    draft, etag = draft_in_review(ws, tokens["admin"])
    refused = publish(ws, nuria, draft, etag)
    assert refused.status_code == 403
    assert "was created by root, who wrote part of this draft" in refused.json()["detail"]
    made = vetted(
        "token", "create", "--name", "nuria.own", "--person", "nuria", "--db", str(db_path)
    )
    assert made.returncode == 0, made.stderr
    published = publish(ws, made.stdout.strip(), draft, etag)
    assert published.status_code == 200, published.text
    version = ws.get(f"/v1/articles/{SLUG}/versions").json()[-1]
    assert version["reviewer"] == "nuria"  # the person, not the token


def _old_database(path: Path) -> dict[str, str]:
    """A database of schema 9 (before people) as the probe left it: root, root.alt2 made
    by root in the workspace, ana revoked. Returns the secrets."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(sqlite_utils.Database(conn), up_to=9)
    secrets = {}
    for token_id, (name, role, actor, revoked) in enumerate(
        [
            ("root", "admin", "operator", None),
            ("root.alt2", "admin", "root", None),
            ("ana", "editor", "operator", "2026-12-07T10:00:00Z"),
            ("lucia", "translator", "operator", None),
        ],
        start=1,
    ):
        secret = f"secret-of-{name}-0123456789abcdef".replace(".", "-")
        locales = "es" if name == "lucia" else ""
        conn.execute(
            "INSERT INTO tokens (id, name, role, locales, secret_hash, created_at, revoked_at) "
            "VALUES (?, ?, ?, ?, ?, '2026-12-01T00:00:00Z', ?)",
            [token_id, name, role, locales, hashlib.sha256(secret.encode()).hexdigest(), revoked],
        )
        conn.execute(
            "INSERT INTO audit (at, actor, role, action, target, detail) VALUES "
            "('2026-12-01T00:00:00Z', ?, 'admin', 'token.create', ?, ?)",
            [actor, f"tokens/{name}", f"{role} {locales}"],
        )
        if revoked:
            conn.execute(
                "INSERT INTO audit (at, actor, role, action, target) VALUES "
                "(?, 'operator', 'admin', 'token.revoke', ?)",
                [revoked, f"tokens/{name}"],
            )
        secrets[name] = f"vt_{token_id}_{secret}"
    conn.close()
    return secrets


def test_migrating_an_old_database_keeps_tokens_working_and_who_made_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    secrets = _old_database(path)

    db = open_database(path)

    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute(
        "SELECT name, role, locales, created_by FROM people ORDER BY id"
    ).fetchall() == [
        ("root", "admin", "", "operator"),
        ("root.alt2", "admin", "", "root"),
        ("ana", "editor", "", "operator"),
        ("lucia", "translator", "es", "operator"),
    ]
    assert authenticate(db, f"Bearer {secrets['lucia']}") == Principal(
        name="lucia", role="translator", locales=("es",), token="lucia", token_created_by="operator"
    )
    alt2 = authenticate(db, f"Bearer {secrets['root.alt2']}")
    assert alt2.token_created_by == "root" and "root" in alt2.tied
    with pytest.raises(Unauthorized):
        authenticate(db, f"Bearer {secrets['ana']}")
    assert principal_named(db, "root").name == "root"
    # What the migration made is what the audit log explains: a backup of it restores.
    assert proof_failures(db.conn) == []
    db.conn.close()
