"""`vetted review`: the review dates of every article, the sweep, a confirmation that a
version is still accurate, and a reviewer's credentials, from the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
from litestar.testing import TestClient

from api.core.access import Principal
from api.store.accounts import create_token
from api.store.schema import open_database
from api.store.versions import load_article
from api.web.app import create_app
from tests.conftest import SLUG
from tests.editing import publish_change
from tests.test_cli import run


def test_review_commands(tmp_path: Path, db_path: Path) -> None:
    db = open_database(db_path)
    create_token(db, name="root", role="admin", locales=[])
    create_token(db, name="dr-reyes", role="reviewer", locales=[])
    create_token(db, name="ben", role="reviewer", locales=[])
    article = load_article(db, SLUG, 1)
    publish_change(
        db,
        msgspec.structs.replace(article, title="Renamed"),
        author=Principal(name="root", role="admin"),
        reviewer=Principal(name="dr-reyes", role="reviewer"),
    )
    db.execute("UPDATE versions SET published_at = '2025-02-01T10:00:00Z' WHERE number = 2")
    db.conn.commit()
    db.conn.close()
    local = tmp_path / "v.db"
    shutil.copyfile(db_path, local)
    status = run("review", "status", "--db", str(local), "--on", "2026-12-07", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert status.stdout.split("\t")[:3] == [SLUG, "v2", "overdue"]
    swept = run("review", "sweep", "--db", str(local), "--on", "2026-12-07", cwd=tmp_path)
    assert f"review status changed for 1 article(s): {SLUG}" in swept.stderr
    # An admin reviews, but never what they wrote.
    refused = run("review", "confirm", SLUG, "--reviewer", "root", "--db", str(local), cwd=tmp_path)
    assert refused.returncode == 1 and "wrote part of version 2" in refused.stderr
    done = run(
        "review",
        "confirm",
        SLUG,
        "--reviewer",
        "ben",
        "--note",
        "sources re-read",
        "--db",
        str(local),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "reviewed by ben: next review due" in done.stderr
    credentials = run(
        "review", "credentials", "ben", "MD, dermatology", "--db", str(local), cwd=tmp_path
    )
    assert credentials.returncode == 0, credentials.stderr
    with TestClient(create_app(local)) as client:
        review = client.get(f"/v1/articles/{SLUG}").json()["review"]
        page = client.get(f"/v1/articles/{SLUG}/jsonld").json()
    assert review["review_status"] == "current"
    assert review["reviewed_by"] == {
        "name": "ben",
        "role": "reviewer",
        "credentials": "MD, dermatology",
    }
    assert page["reviewedBy"] == {
        "@type": "Person",
        "name": "ben",
        "jobTitle": "reviewer",
        "hasCredential": {"@type": "EducationalOccupationalCredential", "name": "MD, dermatology"},
    }
    hostile = run("review", "credentials", "ben", "<b>MD</b>", "--db", str(local), cwd=tmp_path)
    assert hostile.returncode == 1 and "credentials" in hostile.stderr
