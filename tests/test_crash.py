"""Crash safety with real processes: `vetted import` and `vetted serve` killed with SIGKILL in
the middle of their writes, and readers running through a publish.

The corpus is the real article copied CORPUS times with its catalogs: an import of it takes
about 1.5 s (about 0.3 s an article, mostly rendering), long enough to kill it at several
points. A publish costs about 0.3 s whatever the corpus size (it renders the published
article in every locale; the others only for the lists), so instead of a bigger corpus the
server test waits until the publish holds the database's write lock and kills it then.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils
from msgspec.structs import replace

from api.core.access import Principal
from api.sources import read_content
from api.store.accounts import create_token
from api.store.drafts import create_draft, get_draft, publish_draft, submit_draft
from api.store.importer import import_content
from api.store.schema import open_database, transaction
from api.store.versions import latest_version, load_article
from bench.corpus import SOURCE_SLUG, copy_slug, write_corpus
from bench.servers import free_port
from tests.conftest import ROOT, VERSION_1_TREE
from tests.editing import head_etag
from tests.invariants import assert_consistent, integrity

# Out of the fast loop (`make test-fast`): real processes killed with SIGKILL.
pytestmark = pytest.mark.process

CORPUS = 4
LOCALES = ("en", "es", "fr", "ar")
SECTIONS = ("what-is-stem-cell-therapy", "process/treatment-procedure", "alternatives/minoxidil")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
VETTED = (sys.executable, "-m", "api.cli")
EDITOR = Principal(name="ed", role="editor")
REVIEWER = Principal(name="rev", role="reviewer")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(VERSION_1_TREE, tmp_path_factory.mktemp("corpus"), CORPUS)


@pytest.fixture(scope="module")
def imported(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus imported, with an editor and a reviewer token; copy it before writing."""
    path = tmp_path_factory.mktemp("imported") / "vetted.db"
    db = open_database(path)
    import_content(db, read_content(corpus / "content", corpus / "locales"))
    secrets = {}
    with transaction(db):
        for role in ("editor", "reviewer"):
            secrets[role] = create_token(db, name=role, role=role, locales=[])[1]
    db.conn.close()
    (path.parent / "tokens.json").write_text(json.dumps(secrets))
    return path


def _count(db: sqlite_utils.Database, table: str) -> int:
    count: int = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return count


def _rendered(db: sqlite_utils.Database) -> int:
    count: int = db.execute(
        "SELECT count(*) FROM documents WHERE key NOT LIKE 'sync/%'"
    ).fetchone()[0]
    return count


# --- vetted import, killed ---------------------------------------------------------------

CONTENT_TABLES = ("versions", "publications", "documents", "translations", "treatment_sets")


def _import_state(path: Path) -> str:
    """'none' or 'all' (anything else fails): the import is there whole or not at all."""
    db = open_database(path)
    try:
        assert integrity(db) == ["ok"]
        if all(_count(db, t) == 0 for t in (*CONTENT_TABLES, "audit", "file_sync")):
            return "none"
        slugs = [SOURCE_SLUG, *(copy_slug(n) for n in range(1, CORPUS))]
        numbers = dict(db.execute("SELECT slug, number FROM publications").fetchall())
        assert numbers == dict.fromkeys(slugs, 1)
        assert_consistent(db)
        return "all"
    finally:
        db.conn.close()


# Progress lines after which each run is killed, one after the other on the same file:
# while storing articles, catalogs, documents, and after the last document (the shared
# documents and the commit are all that is left: either outcome is correct there).
KILL_AFTER = [("article ", 1), ("catalog ", 2), ("rendered ", 2), ("rendered ", CORPUS)]


def test_killed_import_leaves_all_or_nothing_and_a_rerun_completes(
    corpus: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "vetted.db"
    command = [*VETTED, "import", "--db", str(db_path)]
    states = []
    for prefix, occurrence in KILL_AFTER:
        process = subprocess.Popen(command, cwd=corpus, env=ENV, stderr=subprocess.PIPE, text=True)
        assert process.stderr is not None
        seen, lines = 0, []
        for line in process.stderr:
            lines.append(line)
            seen += line.startswith(prefix)
            if seen == occurrence:
                process.send_signal(signal.SIGKILL)
                break
        process.wait(timeout=60)
        states.append((prefix, occurrence, process.returncode, _import_state(db_path)))
        assert process.returncode == -signal.SIGKILL or "imported into" in "".join(lines)
    # Killed while still storing articles, catalogs or documents: nothing is there.
    assert [s[3] for s in states[:3]] == ["none"] * 3, states
    assert states[0][2] == -signal.SIGKILL

    rerun = subprocess.run(command, cwd=corpus, env=ENV, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert _import_state(db_path) == "all"
    written = int(rerun.stderr.rsplit("documents written: ", 1)[1])
    db = open_database(db_path)
    # The rendered documents; each synced item's `sync/` pin (the bytes a kiosk's next
    # patch starts from) points at one of them and is not counted as written.
    rendered = _rendered(db)
    expected = written if states[-1][3] == "none" else rendered
    assert rendered == expected > CORPUS * len(LOCALES)
    assert _count(db, "documents") > rendered


# --- vetted serve, killed in a publish ---------------------------------------------------


@contextmanager
def serving(
    db_path: Path, cwd: Path, workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`vetted serve` on a free port, stopped (if still alive) on the way out."""
    port = free_port()
    server = subprocess.Popen(
        [*VETTED, "serve", "--db", str(db_path), "--port", str(port), "--workers", str(workers)],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "server exited"
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.05)
        yield base, server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _submitted_draft(base: str, tokens: dict[str, str], slug: str, text: str) -> tuple[int, str]:
    """Through the management API: a draft changing the first paragraph, in review."""
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    read = httpx.get(f"{base}/v1/manage/articles/{slug}", headers=editor)
    article = read.json()["article"]
    article["sections"][0]["blocks"][0]["text"] = text
    created = httpx.post(
        f"{base}/v1/manage/articles/{slug}/drafts",
        json={"article": article, "message": text},
        headers={**editor, "If-Match": read.headers["etag"]},
    )
    assert created.status_code == 201, created.text
    draft_id = created.json()["id"]
    submitted = httpx.post(
        f"{base}/v1/manage/drafts/{draft_id}/submit",
        headers={**editor, "If-Match": created.headers["etag"]},
    )
    assert submitted.status_code == 200, submitted.text
    return draft_id, submitted.headers["etag"]


def _publish(base: str, tokens: dict[str, str], draft_id: int, etag: str) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/manage/drafts/{draft_id}/publish",
        headers={"Authorization": f"Bearer {tokens['reviewer']}", "If-Match": etag},
        timeout=60,
    )


def _publish_into(answer: list[httpx.Response | Exception], *args: Any) -> None:
    """Publish, keeping the answer or the broken connection of a killed server."""
    try:
        answer.append(_publish(*args))
    except httpx.TransportError as exc:
        answer.append(exc)


def _write_locked(db_path: Path) -> bool:
    """True while another connection holds the database's write lock (a transaction)."""
    probe = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    finally:
        probe.close()


def test_server_killed_in_a_publish_restarts_at_the_old_or_the_new_version(
    imported: Path, corpus: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "vetted.db"
    shutil.copy(imported, db_path)
    tokens = json.loads((imported.parent / "tokens.json").read_text())
    slug = SOURCE_SLUG
    outcomes = []
    for attempt, delay in enumerate((0.0, 0.1, None)):
        with serving(db_path, corpus) as (base, server):
            db = open_database(db_path)
            old = latest_version(db, slug)
            assert old is not None
            for locale in LOCALES:  # the restarted server serves what the database says
                served = httpx.get(f"{base}/v1/articles/{slug}", params={"locale": locale})
                assert served.json()["version"] == old.number
            draft_id, etag = _submitted_draft(base, tokens, slug, f"Attempt {attempt}.")
            answer: list[httpx.Response | Exception] = []
            thread = threading.Thread(
                target=_publish_into, args=(answer, base, tokens, draft_id, etag)
            )
            thread.start()
            in_transaction = False
            if delay is None:
                thread.join(60)  # the last attempt is killed after the answer
            else:
                while thread.is_alive() and not (in_transaction := _write_locked(db_path)):
                    time.sleep(0.002)
                time.sleep(delay)
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
            thread.join(60)
            db.conn.close()

        db = open_database(db_path)
        assert_consistent(db)
        head = latest_version(db, slug)
        assert head is not None and head.number in (old.number, old.number + 1)
        published = head.number == old.number + 1
        acknowledged = isinstance(answer[0], httpx.Response) and answer[0].status_code == 200
        assert published or not acknowledged  # an answered publish is never lost
        status = db.execute("SELECT status FROM drafts WHERE id = ?", [draft_id]).fetchone()[0]
        assert (status == "published") == published
        audited = db.execute(
            "SELECT count(*) FROM audit WHERE action = 'article.publish' AND detail LIKE ?",
            [f"version {old.number + 1} from draft {draft_id} by %"],
        ).fetchone()[0]
        assert audited == int(published)
        db.conn.close()
        outcomes.append((delay, in_transaction, published, acknowledged))
    # Killed while the publish held the write lock: at least once it had to roll back.
    assert any(locked and not published for _, locked, published, _ in outcomes), outcomes
    assert outcomes[-1][2:] == (True, True), outcomes

    with serving(db_path, corpus) as (base, _):
        head_number = [o[2] for o in outcomes].count(True) + 1
        for locale in LOCALES:
            served = httpx.get(f"{base}/v1/articles/{slug}", params={"locale": locale})
            assert served.json()["version"] == head_number


# --- readers during a publish ------------------------------------------------------------


def _snapshot(client: httpx.Client, slug: str, locale: str) -> list[int]:
    """One reader's look at an article: the article, its sections, the list, and the
    sections pinned to the version the article said. Returns the versions seen in order."""
    params = {"locale": locale}
    article = client.get(f"/v1/articles/{slug}", params=params)
    assert article.status_code == 200, article.text
    body: dict[str, Any] = article.json()
    versions = [body["version"]]
    for section in SECTIONS:
        latest = client.get(f"/v1/articles/{slug}/sections/{section}", params=params)
        assert latest.status_code == 200, latest.text
        versions.append(latest.json()["version"])
        pinned = client.get(
            f"/v1/articles/{slug}/sections/{section}",
            params={**params, "version": body["version"]},
        )
        assert pinned.status_code == 200, pinned.text
        assert pinned.json()["content_hash"] == body["content_hash"]
    listing = client.get("/v1/articles", params=params)
    assert listing.status_code == 200, listing.text
    versions.append(next(e["version"] for e in listing.json() if e["slug"] == slug))
    return versions


def test_readers_during_a_publish_see_the_old_or_the_new_version_never_a_mix(
    imported: Path, corpus: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "vetted.db"
    shutil.copy(imported, db_path)
    tokens = json.loads((imported.parent / "tokens.json").read_text())
    slug = SOURCE_SLUG
    stop = threading.Event()
    publishing = threading.Event()
    seen: list[list[tuple[bool, list[int]]]] = [[], []]
    failures: list[BaseException] = []

    def read(base: str, out: list[tuple[bool, list[int]]]) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            n = 0
            while not stop.is_set():
                try:
                    during = publishing.is_set()
                    out.append((during, _snapshot(client, slug, LOCALES[n % len(LOCALES)])))
                except BaseException as exc:
                    failures.append(exc)
                    return
                n += 1

    with serving(db_path, corpus, workers=2) as (base, _):
        first = httpx.get(f"{base}/v1/articles/{slug}").json()["version"]
        readers = [threading.Thread(target=read, args=(base, out)) for out in seen]
        for thread in readers:
            thread.start()
        try:
            for n in range(2):
                draft_id, etag = _submitted_draft(base, tokens, slug, f"Reader test {n}.")
                publishing.set()
                answer = _publish(base, tokens, draft_id, etag)
                publishing.clear()
                assert answer.status_code == 200, answer.text
                # Let every reader finish a whole snapshot begun after the commit.
                marks = [len(out) for out in seen]
                deadline = time.monotonic() + 30
                while any(len(out) < m + 2 for out, m in zip(seen, marks, strict=True)):
                    assert not failures and time.monotonic() < deadline, failures
                    time.sleep(0.01)
        finally:
            stop.set()
            for thread in readers:
                thread.join(60)
    assert not failures, failures
    allowed = {first, first + 1, first + 2}
    for snapshots in seen:
        order = [v for _, versions in snapshots for v in versions]
        assert set(order) <= allowed
        assert order == sorted(order), "a reader saw an older version after a newer one"
        assert order[-1] == first + 2
    assert sum(during for snapshots in seen for during, _ in snapshots) >= 2


# --- vetted export, interrupted ----------------------------------------------------------


def test_an_export_that_never_wrote_its_files_does_not_make_import_revert(tree: Path) -> None:
    """Export must remember "files and database agree" only once the files are written;
    otherwise the next import takes the stale files for an edit and reverts a publish."""
    run = [*VETTED, "import", "--db", "v.db"]
    assert subprocess.run(run, cwd=tree, env=ENV, capture_output=True).returncode == 0
    db = open_database(tree / "v.db")
    head = latest_version(db, SOURCE_SLUG)
    assert head is not None
    article = load_article(db, SOURCE_SLUG, head.number)
    draft = create_draft(
        db,
        EDITOR,
        replace(article, title="Changed through the API"),
        "t",
        head_etag(db, SOURCE_SLUG),
    )
    submit_draft(db, EDITOR, draft.id, draft.etag)
    publish_draft(db, REVIEWER, draft.id, get_draft(db, draft.id)[0].etag)
    (tree / "blocked").write_text("a file where the export wants a folder")

    export = [*VETTED, "export", "--db", "v.db", "--root", "blocked"]
    assert subprocess.run(export, cwd=tree, env=ENV, capture_output=True).returncode != 0
    again = subprocess.run(run, cwd=tree, env=ENV, capture_output=True, text=True)

    assert again.returncode == 1, again.stderr
    assert "is version 1; the database has published up to version 2: nothing stored" in (
        again.stderr
    )
    assert [
        r[0] for r in db.execute("SELECT number FROM versions WHERE slug = ?", [SOURCE_SLUG])
    ] == [1, 2]
