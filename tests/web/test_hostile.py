"""Hostile input over HTTP: every case is a clear 4xx problem+json (or a sensible answer
for headers that may be ignored), and nothing is stored."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from litestar.testing import TestClient

from api.config import Settings
from api.core.catalog import MAX_REPORTED_ERRORS
from api.sources import ContentSet
from api.store.accounts import create_token
from api.store.importer import import_content
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG
from tests.work import measured

Client = TestClient[Any]
ARTICLE = f"/v1/articles/{SLUG}"
P1 = f"{SLUG}/introduction/p1"
MB = 1_000_000


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory, content: ContentSet) -> Path:
    """One database for the module: every case here must leave it unchanged anyway."""
    path = tmp_path_factory.mktemp("hostile") / "vetted.db"
    db = open_database(path)
    import_content(db, content)
    db.conn.close()
    return path


@pytest.fixture(scope="module")
def client(db_path: Path) -> Iterator[Client]:
    # Hundreds of hostile requests from one address: the management rate limit (tested in
    # test_security) would answer most of them with 429.
    settings = Settings(db=str(db_path), rate_limit_manage=None)
    with TestClient(create_app(db_path, settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def admin(db_path: Path) -> dict[str, str]:
    db = open_database(db_path)
    _, secret = create_token(db, name="root", role="admin", locales=[])
    db.conn.close()
    return {"Authorization": f"Bearer {secret}"}


def snapshot(db_path: Path) -> dict[str, int]:
    """Row counts of every table: a refused request must leave all of them as they were
    (but for the log of refused requests, which is what it adds to)."""
    db = open_database(db_path)
    try:
        return {
            t: db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]
            for t in db.table_names()
            if t != "refusals"
        }
    finally:
        db.conn.close()


def assert_problem(response: Any, status: int, kind: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if kind is not None:
        assert body["type"] == f"/problems/{kind}", body
    return body


def _json(text: bytes) -> dict[str, Any]:
    return {"content": text, "headers": {"Content-Type": "application/json"}}


# --- bodies -------------------------------------------------------------------------------

DRAFTS = f"/v1/manage/articles/{SLUG}/drafts"
HUGE_TITLE = b'{"message": "m", "article": {"slug": "%s", "title": "%s", "sections": []}}' % (
    SLUG.encode(),
    b"x" * (4 * MB),
)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "kind", "detail"),
    [
        ("POST", DRAFTS, b"{" + b" " * (6 * MB) + b"}", 413, "too-large", "5000000 bytes"),
        ("PUT", "/v1/manage/drafts/1", b"[" * (6 * MB), 413, "too-large", "5000000 bytes"),
        ("PUT", "/v1/manage/catalogs/es", b"#" * (6 * MB), 413, "too-large", "5000000 bytes"),
        ("POST", DRAFTS, b"[" * 10_000 + b"]" * 10_000, 422, "validation-failed", "deeper"),
        ("POST", DRAFTS, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, 422, None, "deeper"),
        ("POST", DRAFTS, b"[" * 100_000, 422, "validation-failed", "deeper"),
        ("POST", "/v1/manage/drafts/1/reject", b"[" * 5_000, 422, None, "deeper"),
        ("POST", f"/v1/manage/articles/{SLUG}/rollback", b"{" * 5_000, 422, None, "deeper"),
        ("POST", DRAFTS, HUGE_TITLE, 422, "validation-failed", "length <= 10000"),
        # Decoded against the draft's type, it is refused at its first wrong value.
        ("POST", DRAFTS, b'{"message": "m", "article": ' + b"[1]," * MB + b"1}", 422, None, ""),
        ("POST", DRAFTS, b'{"article":', 400, "bad-request", ""),
        ("POST", DRAFTS, b"\xff\xfe\x00\x00garbage", 400, "bad-request", ""),
        ("POST", DRAFTS, b"null", 422, "validation-failed", ""),
        ("PUT", "/v1/manage/catalogs/es", b"", 422, "validation-failed", "no translated"),
        ("PUT", "/v1/manage/catalogs/es", b'msgid ""\nmsgstr ""\n', 422, None, "no translated"),
    ],
    ids=[
        "draft-6MB",
        "update-6MB",
        "catalog-6MB",
        "10k-arrays",
        "10k-objects",
        "unclosed-100k",
        "reject-deep",
        "rollback-deep",
        "4MB-title",
        "1M-array",
        "truncated",
        "binary",
        "null",
        "empty-catalog",
        "header-only-catalog",
    ],
)
def test_hostile_bodies_are_refused_and_store_nothing(
    client: Client,
    admin: dict[str, str],
    db_path: Path,
    method: str,
    path: str,
    body: bytes,
    status: int,
    kind: str | None,
    detail: str,
) -> None:
    before = snapshot(db_path)
    kind_of_body = {} if "catalogs" in path else {"Content-Type": "application/json"}
    # Refused without building the body's structure: counted in bytes, not timed. The
    # request holds the body a few times over; decoding a million-element array or 10,000
    # nested objects into Python values would add tens of megabytes.
    with measured() as work:
        response = client.request(method, path, content=body, headers={**admin, **kind_of_body})
    assert work.peak_bytes < 3 * len(body) + MB, work.peak_bytes
    problem = assert_problem(response, status, kind)
    assert detail in problem["detail"]
    assert snapshot(db_path) == before


# --- catalog uploads ----------------------------------------------------------------------


def _exported(client: Client, admin: dict[str, str], text: str) -> tuple[bytes, int]:
    """The real Spanish catalog with the introduction's msgstr replaced by `text`, and the
    line of that msgstr."""
    exported = client.get("/v1/manage/catalogs/es", headers=admin)
    assert exported.status_code == 200
    catalog = read_po(io.BytesIO(exported.content))
    message = next(m for m in catalog if m.context == P1)
    message.string = text
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    data = out.getvalue()
    lines = data.split(b"\n")
    start = lines.index(f'msgctxt "{P1}"'.encode())
    return data, next(n for n in range(start, len(lines)) if lines[n].startswith(b"msgstr")) + 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hola\x07", "U+0007"),
        ("Hola\x1b[31m", "U+001B"),
        ("Hola\u202eolleh", "U+202E"),
        ("<img src=x onerror=alert(1)>", "markup"),
        ("Hola &#x3C;script&#x3E;", "markup"),
        ("x" * 20_000, "longer than 10000"),
    ],
    ids=["bell", "ansi-escape", "rtl-override", "html", "entities", "too-long"],
)
def test_hostile_translations_name_the_line_and_store_nothing(
    client: Client, admin: dict[str, str], db_path: Path, text: str, message: str
) -> None:
    data, line = _exported(client, admin, text)
    before = snapshot(db_path)
    response = client.put("/v1/manage/catalogs/es", content=data, headers=admin)
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"][0]["file"] == "es.po"
    assert problem["errors"][0]["line"] == line
    assert message in problem["detail"]
    assert snapshot(db_path) == before


def _latin1(data: bytes) -> tuple[bytes, int]:
    index = data.index("é".encode())
    return data.replace("é".encode(), b"\xe9"), data.count(b"\n", 0, index) + 1


@pytest.mark.parametrize(
    ("encode", "fixed_line"),
    [
        (_latin1, None),
        (lambda d: (d.decode().encode("utf-16"), 1), 1),
        (lambda d: (b"\x00\x01\x02\xff" * 1000, 1), 1),
        (lambda d: (d + b"\x00\x00", d.count(b"\n") + 1), None),
    ],
    ids=["latin-1-with-utf-8-header", "utf-16-bom", "binary-garbage", "trailing-nul"],
)
def test_badly_encoded_catalogs_name_the_line(
    client: Client, admin: dict[str, str], db_path: Path, encode: Any, fixed_line: int | None
) -> None:
    data, _ = _exported(client, admin, "Hola")
    hostile, line = encode(data)
    before = snapshot(db_path)
    response = client.put("/v1/manage/catalogs/es", content=hostile, headers=admin)
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"][0]["line"] == (fixed_line or line)
    assert snapshot(db_path) == before


@pytest.mark.slow  # seconds of in-process work: out of the fast loop
def test_thousands_of_unknown_contexts_are_refused_quickly_with_a_bounded_list(
    client: Client, admin: dict[str, str], db_path: Path
) -> None:
    head = 'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    entries = "".join(
        f'\nmsgctxt "nowhere/{n}"\nmsgid "text {n}"\nmsgstr "texto {n}"\n' for n in range(20_000)
    )
    before = snapshot(db_path)
    # Quickly: the work of refusing grows linearly with the entries, counted rather than
    # timed in tests/core/test_catalog.py, on the same parse this upload goes through.
    response = client.put(
        "/v1/manage/catalogs/es", content=(head + entries).encode(), headers=admin
    )
    problem = assert_problem(response, 422, "validation-failed")
    errors = problem["errors"]
    assert len(errors) == MAX_REPORTED_ERRORS + 1
    assert [e["line"] for e in errors[:3]] == [7, 11, 15]
    assert errors[-1]["message"] == f"{20_000 - MAX_REPORTED_ERRORS} more errors not listed"
    assert snapshot(db_path) == before


# --- paths and identifiers ----------------------------------------------------------------

LONG = "a" * 5_000


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/articles/../../etc/passwd", 404),
        ("/v1/articles/%2e%2e%2f%2e%2e%2fetc%2fpasswd", 404),
        ("/v1/articles/..%2F..%2Fetc%2Fpasswd", 404),
        ("/v1/articles/a%00b", 404),
        ("/v1/articles/%E2%80%AEdrah", 404),
        (f"/v1/articles/{LONG}", 404),
        (f"{ARTICLE}/sections/../../../etc/passwd", 404),
        (f"{ARTICLE}/sections/%2e%2e%2f%2e%2e%2f", 404),
        (f"{ARTICLE}/sections/introduction%00", 404),
        (f"{ARTICLE}/sections/%E2%80%AEnoitcudortni", 404),
        (f"{ARTICLE}/sections/{'x/' * 2_000}", 404),
        (f"{ARTICLE}/versions/..%2f..%2f", 404),
        ("/v1/treatments/..%2fminoxidil", 404),
        ("/v1/treatments/%00", 404),
        (f"/v1/treatments/{LONG}", 404),
        (f"{ARTICLE}?locale=../../x", 400),
        (f"{ARTICLE}?locale=%00", 400),
        (f"{ARTICLE}?locale=%E2%80%AEes", 400),
        (f"{ARTICLE}?locale=es%0d%0aX-Injected:%201", 400),
        (f"{ARTICLE}?locale={LONG}", 400),
        ("/v1/manage/catalogs/..%2f..%2fx", 404),
        ("/v1/manage/catalogs/%00", 400),
        ("/v1/manage/catalogs/%E2%80%AEes", 400),
        (f"/v1/manage/catalogs/{LONG}", 400),
        ("/v1/manage/catalogs/es%2f..%2f..%2fpending", 404),
        ("/v1/manage/articles/..%2f..%2f", 404),
        ("/v1/manage/articles/%00", 404),
        ("/v1/manage/drafts/99999999999999999999999999", 400),
        ("/v1/manage/drafts/0", 400),
        ("/v1/manage/drafts/%2e%2e", 404),
    ],
)
def test_odd_paths_and_codes_are_404_or_400(
    client: Client, admin: dict[str, str], db_path: Path, path: str, status: int
) -> None:
    before = snapshot(db_path)
    for method in ("GET", "POST", "PUT"):
        response = client.request(method, path, headers=admin)
        assert response.status_code < 500, (method, response.text)
        assert response.headers["content-type"].startswith(
            ("application/problem+json", "application/json", "text/x-gettext")
        )
    assert_problem(client.get(path, headers=admin), status)
    assert snapshot(db_path) == before


# --- query parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        (f"{ARTICLE}?version='1 OR 1=1'", "version"),
        (f"{ARTICLE}?version=1;DROP TABLE versions", "version"),
        (f"{ARTICLE}?version=1e9999", "version"),
        (f"{ARTICLE}?version=-1", "version"),
        (f"{ARTICLE}/sections/introduction?version=1 UNION SELECT 1", "version"),
        (f"{ARTICLE}/diff?from=1&to=2 OR 1=1", "to"),
        (f"{ARTICLE}/diff?from=1--&to=2", "from"),
        (f"{ARTICLE}/diff?from=99999999999999999999&to=1", "from"),
        (f"{ARTICLE}?locale=es' OR '1'='1", "locale"),
        (f'{ARTICLE}?locale=es"; --', "locale"),
        ("/v1/manage/drafts?status=draft' OR 1=1--", "status"),
        ("/v1/manage/drafts?status=*", "status"),
        ("/v1/manage/audit?limit=1 OR 1=1", "limit"),
        ("/v1/manage/audit?limit=100000", "limit"),
        ("/v1/manage/audit?before=0x7fffffff", "before"),
        ("/v1/manage/audit?before=99999999999999999999999", "before"),
        (f"/v1/manage/audit?actor={'%' * 300}", "actor"),
    ],
)
def test_sql_metacharacters_in_parameters_are_400_naming_the_parameter(
    client: Client, admin: dict[str, str], db_path: Path, path: str, parameter: str
) -> None:
    before = snapshot(db_path)
    problem = assert_problem(client.get(path, headers=admin), 400)
    assert [e["field"] for e in problem["errors"]] == [parameter]
    assert problem["detail"].startswith(f"{parameter}: ")
    assert snapshot(db_path) == before


@pytest.mark.parametrize("value", ["' OR 1=1--", "%", "_", "*", '"; DROP TABLE audit; --'])
@pytest.mark.parametrize("name", ["actor", "action", "target"])
def test_audit_filters_are_values_never_patterns(
    client: Client, admin: dict[str, str], db_path: Path, name: str, value: str
) -> None:
    before = snapshot(db_path)
    everything = client.get("/v1/manage/audit", headers=admin).json()["entries"]
    assert everything, "the token creation is audited, so there is something to leak"
    response = client.get("/v1/manage/audit", params={name: value}, headers=admin)
    assert response.status_code == 200
    assert response.json()["entries"] == []
    assert snapshot(db_path) == before


# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (b"es\r\nX-Injected: 1", "en"),
        (b"fr\nSet-Cookie: a=b", "en"),
        (b"x" * 10_240, "en"),
        (b"es-" + b"a" * 10_000, "en"),
        (b"zz, " * 5_000 + b"es", "en"),  # only the first ranges are read
        (b"es, " * 5_000, "es"),
        (b"*;q=nan", "en"),
        (b"es;q=nan, fr;q=0.5", "fr"),
        (b"es;q=1e9999, fr;q=0.1", "fr"),
        (b"es;q=inf, fr;q=-1", "en"),
        (b"es;q=0.5;q=0.9", "en"),
        ("és".encode("latin-1"), "en"),
        (b"\xff\xfe\x00e\x00s", "en"),
        (b";;;,,,===", "en"),
        (b"es-MX;q=0.9, ar;q=1.0", "ar"),
    ],
)
def test_hostile_accept_language_falls_back_and_never_errs(
    client: Client, header: bytes, language: str
) -> None:
    response = client.get(ARTICLE, headers=[(b"accept-language", header)])
    assert response.status_code == 200
    assert response.headers["content-language"] == language
    assert response.json()["locale"] == language
    assert not any(
        name.lower().startswith(("x-injected", "set-cookie")) for name in response.headers
    )


GARBAGE_VALIDATORS = [
    "garbage",
    '"unterminated',
    "W/",
    ", , ,",
    '"' * 2_000,
    "x" * 10_000,
    "*, garbage",
    "\u00e9tag".encode("latin-1").decode("latin-1"),
]


@pytest.mark.parametrize("value", GARBAGE_VALIDATORS)
def test_garbage_if_none_match_is_a_plain_200(client: Client, value: str) -> None:
    headers = [(b"if-none-match", value.encode("latin-1"))]
    for path in (ARTICLE, f"{ARTICLE}/versions", "/v1/locales", "/v1/treatments/minoxidil"):
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 304), response.text
        assert response.status_code == 200 or value.startswith("*")


@pytest.mark.parametrize("value", GARBAGE_VALIDATORS[:-2])
def test_garbage_if_match_is_412_and_stores_nothing(
    client: Client, admin: dict[str, str], db_path: Path, value: str
) -> None:
    before = snapshot(db_path)
    response = client.post(
        f"/v1/manage/articles/{SLUG}/rollback",
        json={"to_version": 1, "reason": "Undo the change"},
        headers={**admin, "If-Match": value},
    )
    problem = assert_problem(response, 412, "stale-version")
    assert len(problem["detail"]) < 300, "the header is not echoed at any length"
    assert snapshot(db_path) == before


# --- round two: one validation at the door, for drafts and catalogs alike ---------------


def _draft_body(client: Client, admin: dict[str, str], change: Any) -> tuple[dict[str, Any], str]:
    head = client.get(f"/v1/manage/articles/{SLUG}", headers=admin)
    assert head.status_code == 200
    article = head.json()["article"]
    change(article)
    return {"message": "hostile", "article": article}, head.headers["etag"]


def _set(path: str, value: Any) -> Any:
    def change(article: dict[str, Any]) -> None:
        if path == "text":
            article["sections"][0]["blocks"][0]["text"] = value
        elif path == "fact":
            article["sections"][0]["blocks"].append(
                {"type": "fact", "id": "big", "kind": "cost", "currency": "USD"}
                | {"min": 1, "max": value}
            )
        elif path == "huge":
            article["sections"][0]["blocks"] = [
                {"type": "paragraph", "id": f"p{n}", "text": "x" * 10_000} for n in range(490)
            ]
        else:
            article[path] = value

    return change


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (_set("text", "<script>alert(1)</script>"), ".sections[0].blocks[0].text", "markup"),
        (_set("title", "Stem cell\u202e therapy"), ".title", "bidi control character U+202E"),
        (_set("text", "Hello\x1b[31m"), ".sections[0].blocks[0].text", "U+001B"),
        (_set("text", "Hello\x00"), ".sections[0].blocks[0].text", "U+0000"),
        (_set("text", "Hel\u200blo"), ".sections[0].blocks[0].text", "U+200B"),
        (_set("locale", "<script>" * 625), ".locale", ""),
        (_set("locale", "zzz"), ".locale", "not a locale CLDR knows"),
        (_set("audience", ["<script>"]), ".audience[0]", ""),
        (_set("fact", 1e25), ".sections[0].blocks[3].max", "<= 1000000000000"),
        (_set("huge", None), ".sections", "the limit is 200000"),
    ],
    ids=[
        "script",
        "rtl-override",
        "escape",
        "nul",
        "zwsp",
        "long-locale",
        "zzz",
        "audience",
        "1e25",
        "4.9MB",
    ],
)
def test_hostile_drafts_are_refused_naming_the_field_and_store_nothing(
    client: Client, admin: dict[str, str], db_path: Path, change: Any, field: str, message: str
) -> None:
    body, etag = _draft_body(client, admin, change)
    before = snapshot(db_path)
    response = client.post(DRAFTS, json=body, headers={**admin, "If-Match": etag})
    problem = assert_problem(response, 422, "validation-failed")
    assert message in problem["detail"]
    # Decoding errors name `article.x`, the content checks `$.article.x`.
    assert problem["errors"][0]["field"].removeprefix("$.").startswith("article" + field), problem
    assert snapshot(db_path) == before


def _phrase(client: Client, admin: dict[str, str], text: str) -> tuple[bytes, int]:
    """The Spanish catalog with the "{range} per plan" msgstr replaced, and its line."""
    catalog = read_po(io.BytesIO(client.get("/v1/manage/catalogs/es", headers=admin).content))
    message = next(m for m in catalog if m.id == "{range} per plan")
    message.string = text
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    data = out.getvalue()
    lines = data.split(b"\n")
    start = lines.index(b'msgid "{range} per plan"')
    return data, start + 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{range} por plan {", "not a valid format string"),
        ("{{range}} por plan", "placeholders differ"),
        ("{0} por plan", "not a plain named field"),
    ],
)
def test_a_phrase_that_would_not_format_is_refused_at_upload(
    client: Client, admin: dict[str, str], db_path: Path, text: str, message: str
) -> None:
    data, line = _phrase(client, admin, text)
    before = snapshot(db_path)
    problem = assert_problem(client.put("/v1/manage/catalogs/es", content=data, headers=admin), 422)
    assert (problem["errors"][0]["line"], message in problem["detail"]) == (line, True)
    assert snapshot(db_path) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hola\u200b", "U+200B"),
        ("Hola\U000e0041\U000e0042", "U+E0041"),
        ("Hola\ue000", "U+E000"),
        ("Hola\uffff", "U+FFFF"),
    ],
    ids=["zero-width", "tag-characters", "private-use", "noncharacter"],
)
def test_invisible_translations_name_the_line_and_store_nothing(
    client: Client, admin: dict[str, str], db_path: Path, text: str, message: str
) -> None:
    data, line = _exported(client, admin, text)
    before = snapshot(db_path)
    problem = assert_problem(client.put("/v1/manage/catalogs/es", content=data, headers=admin), 422)
    assert problem["errors"][0]["line"] == line and message in problem["detail"]
    assert snapshot(db_path) == before


@pytest.mark.parametrize("charset", ["x-bogus-42", "ISO-8859-1"])
def test_a_catalog_declaring_another_charset_is_refused(
    client: Client, admin: dict[str, str], db_path: Path, charset: str
) -> None:
    data, _ = _exported(client, admin, "Hola")
    assert b"charset=utf-8" in data
    hostile = data.replace(b"charset=utf-8", f"charset={charset}".encode())
    line = hostile[: hostile.index(b"Content-Type")].count(b"\n") + 1
    before = snapshot(db_path)
    response = client.put("/v1/manage/catalogs/es", content=hostile, headers=admin)
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"][0]["line"] == line and "catalogs are UTF-8" in problem["detail"]
    assert snapshot(db_path) == before


def test_a_message_twice_is_refused_with_both_lines(
    client: Client, admin: dict[str, str], db_path: Path
) -> None:
    data, _ = _exported(client, admin, "Hola")
    text = data.decode()
    start = text.index(f'msgctxt "{P1}"')
    entry = text[start : text.index("\n\n", start) + 1]
    first = text[:start].count("\n") + 1
    hostile = (text + "\n" + entry.replace('msgstr "Hola"', 'msgstr "Adiós"')).encode()
    before = snapshot(db_path)
    problem = assert_problem(
        client.put("/v1/manage/catalogs/es", content=hostile, headers=admin), 422
    )
    assert f"at lines {first} and " in problem["detail"]
    assert snapshot(db_path) == before


@pytest.mark.parametrize("code", ["zzz", "qaa", "articles", "und", "iw"])
def test_locale_codes_cldr_does_not_know_are_400_everywhere(
    client: Client, admin: dict[str, str], db_path: Path, code: str
) -> None:
    data, _ = _exported(client, admin, "Hola")
    before = snapshot(db_path)
    body = data.replace(b"Language: es", f"Language: {code}".encode())
    assert_problem(client.put(f"/v1/manage/catalogs/{code}", content=body, headers=admin), 400)
    assert_problem(client.get(f"/v1/manage/catalogs/{code}", headers=admin), 400)
    assert_problem(client.post(f"/v1/manage/catalogs/{code}/approve", headers=admin), 400)
    assert snapshot(db_path) == before


def test_a_regional_catalog_is_stored_for_the_language_and_reaches_its_readers(
    tmp_path: Path, imported_db: Path
) -> None:
    path = tmp_path / "vetted.db"
    path.write_bytes(imported_db.read_bytes())
    db = open_database(path)
    _, translator = create_token(db, name="tr", role="translator", locales=["de-DE"])
    _, reviewer = create_token(db, name="rv", role="reviewer", locales=["de"])
    db.conn.close()
    with TestClient(create_app(path)) as local:
        tr = {"Authorization": f"Bearer {translator}"}
        rv = {"Authorization": f"Bearer {reviewer}"}
        catalog = read_po(io.BytesIO(local.get("/v1/manage/catalogs/de-DE", headers=tr).content))
        next(m for m in catalog if m.context == f"{SLUG}/title").string = "Stammzelltherapie"
        out = io.BytesIO()
        write_po(out, catalog, width=0)
        uploaded = local.put("/v1/manage/catalogs/de-DE", content=out.getvalue(), headers=tr)
        assert uploaded.status_code == 202, uploaded.text
        assert uploaded.json()["locale"] == "de"
        etag = uploaded.json()["etag"]
        approved = local.post("/v1/manage/catalogs/de/approve", headers={**rv, "If-Match": etag})
        assert approved.status_code == 200, approved.text
        for reader in ("de", "de-DE", "de-AT", "de-CH"):
            article = local.get(ARTICLE, headers={"Accept-Language": reader}).json()
            assert article["title"] == {
                "text": "Stammzelltherapie",
                "locale": "de",
                "fallback": False,
            }
