"""nginx over the static export (deploy/nginx-export.conf), with no database behind it:
the replay test's table of delivery requests sent to the app and to nginx gets the same
status, headers (the request id and transport headers aside) and bytes; what the export
cannot answer the same way (search, delta sync, versions, diffs, management) reaches the
app through the config, and everything else is answered from the export alone. The
export is written by `vetted serve --export-dir` itself, after every commit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import msgspec
import pytest

from api.actions.lifecycle import approve_withdrawal, request_withdrawal
from api.core.access import Principal
from api.core.lifecycle import WithdrawalKind
from api.store.schema import open_database
from api.store.versions import latest_version, load_article
from bench.nginx import EXPORT_CONFIG, HEADERS_MORE, export_site, nginx_running
from bench.scaleout import publish_to_nodes
from bench.servers import Server, free_port, running, vetted_command
from tests.conftest import SLUG
from tests.editing import publish_change
from tests.web.test_replay import ETAG, ETAG_GZIP, GZIP, IDENTITY, REQUESTS

NGINX_MISSING = shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists()
pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(
        (NGINX_MISSING or not HEADERS_MORE.exists()) and not os.environ.get("CI"),
        reason="nginx or its headers-more module is not installed (.ci/run installs both)",
    ),
]

# Set by each server for its own connection, never by the app's code: not compared.
TRANSPORT = {"date", "server", "connection", "keep-alive", "transfer-encoding", "x-request-id"}
# The management API's rate limit counts the test's own requests to the one app.
COUNTED = {"ratelimit-remaining", "ratelimit-reset"}
HEADER_LIMIT = 8192
"""nginx reads request headers up to 8 KiB and refuses a longer one (431 problem+json):
the app reads longer ones. The one place the two differ, on purpose: such a request
never reaches the app."""

# Rows whose answer comes from the app through nginx (the config routes them there), and
# why: everything else in the table is answered from the export alone.
FROM_THE_APP = {
    "/v1/search": "ranked by the database's full-text index",
    "/v1/changes": "computed from the cursor per request",
    "/versions": "computed per request",
    "/diff": "computed per request",
    "/html": "not exported yet: the app answers",
    "/v1/sitemap": "not exported yet: the app answers",
    "/v1/bundles": "spliced by the app since bundles stopped being stored documents",
    "/v1/locales": "spliced by the app from rows since it stopped being a stored document",
    # and "/v1/articles" itself (the whole list of a locale): spliced by the app from one
    # row per article since the lists stopped being stored documents
    "/v1/manage": "the management API",
    "/healthz": "the writer's health",
    "/readyz": "the writer's readiness",
    "/docs": "the API browser",
    "/schema": "the contract",
    "/workspace": "the workspace",
}


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, imported_db: Path
) -> Iterator[tuple[Server, Server, Path, Path]]:
    """The app (`vetted serve --export-dir`) and nginx over what it exported."""
    with _serving(tmp_path_factory.mktemp("nginx-export"), imported_db) as both:
        yield both


@contextmanager
def _serving(folder: Path, imported_db: Path) -> Iterator[tuple[Server, Server, Path, Path]]:
    db, export = folder / "vetted.db", folder / "export"
    shutil.copyfile(imported_db, db)
    app_port, nginx_port = free_port(), free_port()
    command = [*vetted_command(db, app_port, worker_count=1), "--export-dir", str(export)]
    with running(command, app_port, folder / "app.log", ready_path="/readyz") as app:
        _wait_for(lambda: (export / "current" / "nginx.conf").exists(), "the first export")
        log = folder / "access.log"
        site = export_site(app_port, nginx_port, export).replace(
            "server {\n    listen",
            "log_format vetted_source '$request_method $request_uri $upstream_addr';\n"
            f"server {{\n    access_log {log} vetted_source;\n    listen",
            1,
        )
        with nginx_running(folder / "nginx", site, nginx_port, (HEADERS_MORE,)) as nginx:
            yield app, nginx, db, log


def _wait_for(condition: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"no {what} in {seconds} s"
        time.sleep(0.05)


def _answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted(
        (name.lower(), value)
        for name, value in response.headers.multi_items()
        if name.lower() not in TRANSPORT
    )
    return response.status_code, headers, response.content


def _uncounted(
    answer: tuple[int, list[tuple[str, str]], bytes],
) -> tuple[int, list[tuple[str, str]], bytes]:
    status, headers, body = answer
    return status, [(k, v) for k, v in headers if k not in COUNTED], body


def _sources(log: Path) -> list[str]:
    """The upstream of each logged request: "-" when nginx answered from the export."""
    return [line.rsplit(" ", 1)[1] for line in log.read_text().splitlines()]


# Beside the replay table: the Accept-Encoding values the config looks up whole (none,
# browsers', HTTP libraries'), on a document stored in every coding (an article), in gzip
# alone (a section) and in identity alone (a list), and their neighbours read the general
# way; a 304 for each.
SECTION = f"/v1/articles/{SLUG}/sections/introduction?locale=fr"
COMMON_ENCODINGS = [
    "gzip, deflate, br, zstd",
    "gzip, deflate, br",
    "gzip, deflate",
    "gzip",
    "br",
    "identity",
    "GZIP, Deflate, BR",
    "gzip,deflate,br",
    "deflate, br;q=0, gzip",
]
ENCODING_ROWS: list[tuple[str, str, dict[str, str], bool]] = [
    ("GET", path, {"Accept-Encoding": value, **extra}, True)
    for path in (f"/v1/articles/{SLUG}?locale=es", SECTION, "/v1/articles?locale=fr")
    for value in COMMON_ENCODINGS
    for extra in ({}, {"If-None-Match": ETAG})
] + [("GET", f"/v1/articles/{SLUG}?locale=es", {"If-None-Match": ETAG}, True)]


@pytest.mark.parametrize(("method", "path", "headers", "replayed"), REQUESTS + ENCODING_ROWS)
def test_nginx_over_the_export_answers_as_the_app(
    served: tuple[Server, Server, Path, Path],
    method: str,
    path: str,
    headers: dict[str, str],
    replayed: bool,
) -> None:
    app, nginx, _, log = served
    if ETAG in headers.get("If-None-Match", "") or ETAG_GZIP in headers.get("If-None-Match", ""):
        bare = {k: v for k, v in headers.items() if k != "If-None-Match"}
        etag = httpx.get(app.url + path, headers={**bare, **IDENTITY}).headers["etag"]
        etag_gzip = httpx.get(app.url + path, headers={**bare, **GZIP}).headers["etag"]
        headers = {
            **headers,
            "If-None-Match": headers["If-None-Match"]
            .replace(ETAG_GZIP, etag_gzip)
            .replace(ETAG, etag),
        }
    with httpx.Client() as client:
        expected = _answer(client.request(method, app.url + path, headers=headers))
        got = _answer(client.request(method, nginx.url + path, headers=headers))
    if max(len(value) for value in headers.values()) > HEADER_LIMIT:
        assert got[0] == 431 and b"/problems/bad-request" in got[2]
        assert ("x-content-type-options", "nosniff") in got[1]
        return
    if "/v1/manage" in path:
        expected, got = _uncounted(expected), _uncounted(got)
    assert got == expected
    time.sleep(0.02)  # nginx writes its log line after the answer
    source = _sources(log)[-1]
    to_app = any(part in path for part in FROM_THE_APP) or path.split("?")[0] == "/v1/articles"
    if to_app:
        assert source != "-", f"{path} must reach the app"
    elif method in ("GET", "HEAD") and expected[0] in (200, 304):
        assert source == "-" or _sent_to_app_on_purpose(headers), (path, headers)


# Revalidation on every route nginx answers from the export: the ETag sent back as it
# was given (compared whole by the config, no map) and every other form the app reads
# (another coding's tag, weak, in a list, `*`), or does not match (the hex in capitals,
# another document's tag, a stale one): same status, headers and bytes as the app.
REVALIDATED = [
    f"/v1/articles/{SLUG}?locale=es",
    f"/v1/articles/{SLUG}?version=1&locale=fr",
    f"/v1/articles/{SLUG}/jsonld?locale=es",
    SECTION,
    "/v1/treatments/minoxidil?locale=es",
]
MATCHES = [
    ("{etag}", {}),
    ("{etag}", GZIP),
    ("{gzip}", GZIP),
    ("{gzip}", {}),
    ("W/{etag}", {}),
    ('"nope", {gzip}', IDENTITY),
    ("*", GZIP),
    ("{upper}", {}),
    ("{other}", {}),
    ('"0123456789abcdef0123456789abcdef"', {}),
]


@pytest.mark.parametrize("path", REVALIDATED)
@pytest.mark.parametrize(("match", "encoding"), MATCHES)
def test_nginx_revalidates_as_the_app(
    served: tuple[Server, Server, Path, Path],
    path: str,
    match: str,
    encoding: dict[str, str],
) -> None:
    app, nginx, _, log = served
    etag = httpx.get(app.url + path, headers=IDENTITY).headers["etag"]
    gzip = httpx.get(app.url + path, headers=GZIP).headers["etag"]
    other_path = SECTION if path != SECTION else f"/v1/articles/{SLUG}?locale=es"
    other = httpx.get(app.url + other_path, headers=IDENTITY).headers["etag"]
    assert etag != other and etag != etag.upper()
    value = (
        match.replace("{etag}", etag)
        .replace("{gzip}", gzip)
        .replace("{upper}", etag.upper())
        .replace("{other}", other)
    )
    headers = {**encoding, "If-None-Match": value}
    with httpx.Client() as client:
        expected = _answer(client.get(app.url + path, headers=headers))
        got = _answer(client.get(nginx.url + path, headers=headers))
    assert got == expected
    time.sleep(0.02)  # nginx writes its log line after the answer
    assert _sources(log)[-1] == "-", f"{path} {headers} must be answered from the export"


@pytest.mark.parametrize(
    ("path", "given", "kept"),
    [
        (f"/v1/articles/{SLUG}?locale=es", "kiosk-7.request:42", True),
        (f"/v1/articles/{SLUG}?locale=es", "a" * 128, True),
        (f"/v1/articles/{SLUG}?locale=es", "a" * 129, False),
        (f"/v1/articles/{SLUG}?locale=es", "-starts-with-a-dash", False),
        (f"/v1/articles/{SLUG}?locale=es", "has space", False),
        ("/v1/articles/no-such-article", "kiosk-7", True),
        ("/no/such/path", "kiosk-7", True),
    ],
)
def test_nginx_over_the_export_keeps_the_callers_request_id_as_the_app_does(
    served: tuple[Server, Server, Path, Path], path: str, given: str, kept: bool
) -> None:
    """X-Request-ID: the caller's when the app would keep it, else a new one each time."""
    app, nginx, _, _ = served
    for server in (app, nginx):
        ids = [
            httpx.get(server.url + path, headers={**IDENTITY, "X-Request-ID": given}).headers[
                "x-request-id"
            ]
            for _ in range(2)
        ]
        if kept:
            assert ids == [given, given], server.url
        else:
            assert given not in ids and ids[0] != ids[1], server.url
    fresh = {httpx.get(nginx.url + path, headers=IDENTITY).headers["x-request-id"] for _ in "abc"}
    assert len(fresh) == 3


def test_nginx_request_ids_do_not_repeat_across_workers_and_reloads(
    served: tuple[Server, Server, Path, Path],
) -> None:
    """A new X-Request-ID is the time, the connection's serial and its request number:
    the serial is one counter for every worker, and a reload (what each new generation
    brings) keeps counting, so no id comes back while nginx runs."""
    _, nginx, _, _ = served
    path = f"/v1/articles/{SLUG}?locale=es"

    def ids() -> list[str]:
        found = []
        for _ in range(10):  # a connection each
            with httpx.Client() as client:
                found += [client.get(nginx.url + path).headers["x-request-id"] for _ in "ab"]
        return found

    before = ids()
    prefix = nginx.log.parent
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-s", "reload"]
    subprocess.run(command, check=True, capture_output=True)
    time.sleep(1)  # the new workers take the next connections
    after = ids()
    assert len(set(before + after)) == len(before + after) == 40
    parts = [re.fullmatch(r"(\d+\.\d{3})-(\d+)-(\d+)", value) for value in before + after]
    assert all(parts), before + after
    serials = [int(part.group(2)) for part in parts if part]
    assert min(serials[20:]) > max(serials[:20])
    assert [int(part.group(3)) for part in parts if part] == [1, 2] * 20


def test_bundle_requests_go_to_the_app_by_the_config(
    served: tuple[Server, Server, Path, Path],
) -> None:
    """Bundles are spliced by the app per commit (docs/decisions/spliced-bundles.md): the
    config routes every bundle request to it by path, not by a missing map entry, and
    nginx passes the app's bytes, ETag and 304 through."""
    app, nginx, _, log = served
    for encoding in (IDENTITY, GZIP):
        with httpx.Client() as client:
            expected = _answer(client.get(app.url + "/v1/bundles/es", headers=encoding))
            got = _answer(client.get(nginx.url + "/v1/bundles/es", headers=encoding))
        assert got == expected and got[0] == 200
        time.sleep(0.02)  # nginx writes its log line after the answer
        assert _sources(log)[-1] != "-"
        etag = dict(got[1])["etag"]
        again = httpx.get(nginx.url + "/v1/bundles/es", headers={**encoding, "If-None-Match": etag})
        assert again.status_code == 304
    locations = re.findall(r"^\s*location ([^{]*)\{", EXPORT_CONFIG.read_text(), re.M)
    assert [where for where in locations if "bundles" in where] == [
        next(where for where in locations if "search|changes" in where)
    ]


def _sent_to_app_on_purpose(headers: dict[str, str]) -> bool:
    """Rows the config leaves to the app by design: an Accept-Language whose first range
    does not decide the locale (`*`-only answers aside), an Accept-Encoding it does not
    read the app's way."""
    language = headers.get("Accept-Language", "")
    return language.startswith("!!") or headers.get("Accept-Encoding", "").startswith("*")


def test_a_publish_reaches_nginx_over_the_export(
    served: tuple[Server, Server, Path, Path],
) -> None:
    app, nginx, db_path, _ = served
    path = f"/v1/articles/{SLUG}?locale=es"
    before = httpx.get(nginx.url + path, headers=IDENTITY).headers["etag"]
    current = Path(os.readlink(db_path.parent / "export" / "current")).name
    db = open_database(db_path)
    head = latest_version(db, SLUG)
    assert head is not None
    publish_change(db, msgspec.structs.replace(load_article(db, SLUG, head.number), title="New"))
    db.conn.close()
    new = httpx.get(app.url + path, headers=IDENTITY).headers["etag"]
    assert new != before
    _wait_for(
        lambda: Path(os.readlink(db_path.parent / "export" / "current")).name != current,
        "new generation",
    )
    nginx.process.send_signal(1)  # SIGHUP: reload, as `vetted pull-static --then` does
    _wait_for(
        lambda: httpx.get(nginx.url + path, headers=IDENTITY).headers["etag"] == new,
        "new ETag from nginx",
    )


def test_two_reader_nodes_pulling_from_the_bucket_serve_a_publish(
    tmp_path: Path, imported_db: Path
) -> None:
    """The writer exports to a bucket (moto's server on loopback); two nginx nodes, each
    kept current by `vetted pull-static`, both serve the new ETag after a publish (the
    bench row measures how soon)."""
    db = tmp_path / "vetted.db"
    shutil.copyfile(imported_db, db)
    took = publish_to_nodes(tmp_path, db, publishes=1)
    assert len(took) == 1 and took[0] < 60


# A withdrawn article and treatment record: every way a reader asks for them.
WITHDRAWN_ROWS = [
    ("GET", f"/v1/articles/{SLUG}", IDENTITY),
    ("GET", f"/v1/articles/{SLUG}?version=1", IDENTITY),
    ("GET", f"/v1/articles/{SLUG}?version=1&locale=ar", GZIP),
    ("HEAD", f"/v1/articles/{SLUG}?locale=es", IDENTITY),
    ("GET", f"/v1/articles/{SLUG}", {**IDENTITY, "If-None-Match": "*"}),
    ("GET", f"/v1/articles/{SLUG}/sections/introduction?version=1", IDENTITY),
    ("GET", f"/v1/articles/{SLUG}/sections/alternatives/minoxidil", IDENTITY),
    ("GET", f"/v1/articles/{SLUG}/jsonld?locale=es", IDENTITY),
    ("GET", f"/v1/articles/{SLUG}/html", IDENTITY),
    ("GET", f"/v1/articles/{SLUG}/versions", IDENTITY),
    ("GET", "/v1/treatments/minoxidil?locale=es", IDENTITY),
    ("GET", "/v1/treatments/minoxidil", GZIP),
    # Not withdrawn: still 404 (a version never published, an unknown record).
    ("GET", f"/v1/articles/{SLUG}?version=99", IDENTITY),
    ("GET", "/v1/treatments/no-such-treatment", IDENTITY),
]
NOTICE = 'Under a "safety" review: see C:\\notes, $5 refunds; revisión pendiente.'
"""A notice with what an nginx string must escape (quote, backslash, `$`) and non-ASCII."""


def _withdraw(db_path: Path, kind: WithdrawalKind, item: str) -> None:
    """Withdrawn as the management API does it: asked by one person, approved by another."""
    db = open_database(db_path)
    asked = request_withdrawal(
        db, Principal(name="ana", role="editor"), kind, item, "Regulator", NOTICE
    )
    approve_withdrawal(db, Principal(name="ben", role="reviewer"), asked.id, asked.etag)
    db.conn.close()


@pytest.fixture(scope="module")
def withdrawn(
    tmp_path_factory: pytest.TempPathFactory, imported_db: Path
) -> Iterator[tuple[Server, Server, Path, Path, int]]:
    """The app and nginx over its export, the article and a treatment record withdrawn
    after the first export; nginx reloaded once the export holds the withdrawal. Also
    yields what nginx answered for the article before."""
    with _serving(tmp_path_factory.mktemp("nginx-withdrawn"), imported_db) as served:
        app, nginx, db_path, log = served
        before = httpx.get(f"{nginx.url}/v1/articles/{SLUG}", headers=IDENTITY).status_code
        link = db_path.parent / "export" / "current"
        current = Path(os.readlink(link)).name
        _withdraw(db_path, "article", SLUG)
        _withdraw(db_path, "treatment", "minoxidil")
        assert httpx.get(f"{app.url}/v1/treatments/minoxidil").status_code == 410

        def exported() -> bool:
            maps = (link / "nginx.conf").read_text()
            # The generation without the record's documents (the withdrawals are one commit
            # each: the article's went first).
            return Path(os.readlink(link)).name != current and "treatment/minoxidil/" not in maps

        _wait_for(exported, "generation without the withdrawn content")
        nginx.process.send_signal(1)  # SIGHUP: reload, as `vetted pull-static --then` does
        _wait_for(  # the record's document is gone from the generation nginx now reads
            lambda: httpx.get(f"{nginx.url}/v1/treatments/minoxidil").status_code != 200,
            "the new generation in nginx",
        )
        yield app, nginx, db_path, log, before


def test_a_withdrawal_reaches_nginx_over_the_export(
    withdrawn: tuple[Server, Server, Path, Path, int],
) -> None:
    app, nginx, _, log, before = withdrawn
    assert before == 200
    path = f"/v1/articles/{SLUG}?locale=es"
    with httpx.Client() as client:
        expected = _answer(client.get(app.url + path, headers=IDENTITY))
        got = _answer(client.get(nginx.url + path, headers=IDENTITY))
    assert got == expected
    assert got[0] == 410 and NOTICE in msgspec.json.decode(got[2])["detail"]
    time.sleep(0.02)  # nginx writes its log line after the answer
    assert _sources(log)[-1] == "-", "the 410 comes from the export, not the app"


@pytest.mark.parametrize(("method", "path", "headers"), WITHDRAWN_ROWS)
def test_nginx_answers_withdrawn_content_as_the_app(
    withdrawn: tuple[Server, Server, Path, Path, int],
    method: str,
    path: str,
    headers: dict[str, str],
) -> None:
    app, nginx, _, log, _before = withdrawn
    with httpx.Client() as client:
        expected = _answer(client.request(method, app.url + path, headers=headers))
        got = _answer(client.request(method, nginx.url + path, headers=headers))
    assert got == expected
    if "99" not in path and "no-such" not in path:
        assert expected[0] == 410, (path, expected)
    time.sleep(0.02)  # nginx writes its log line after the answer
    to_app = any(part in path for part in FROM_THE_APP) or path.split("?")[0] == "/v1/articles"
    assert (_sources(log)[-1] != "-") == to_app, path
