"""One text policy for every human-entered string (security probe 2026-12-07, D7, D12,
D13): draft messages, review and withdrawal comments, catalog rejections and translator
comments are refused at the door like content, naming the field or file:line, and
nothing is stored. Each case sends the probe's exact input."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from litestar.testing import TestClient

from api.config import Settings
from api.sources import ContentSet
from api.store.accounts import create_token
from api.store.importer import import_content
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG
from tests.web.test_hostile import assert_problem, snapshot

Client = TestClient[Any]
DRAFTS = f"/v1/manage/articles/{SLUG}/drafts"
P1 = f"{SLUG}/introduction/p1"

# The probe's inputs for a draft message (D7).
HOSTILE_MESSAGES = [
    ("a\u0000b", "control character U+0000"),
    ("\u001b[31mred", "control character U+001B"),
    ("a\u202eb", "bidi control character U+202E"),
    ("a\U000e0041b", "invisible format character U+E0041"),
    ("x\"'><svg onload=alert(1)>", "markup"),
]
MESSAGE_IDS = ["nul", "ansi-escape", "rtl-override", "tag-character", "svg"]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory, content: ContentSet) -> Path:
    path = tmp_path_factory.mktemp("human-text") / "vetted.db"
    db = open_database(path)
    import_content(db, content)
    db.conn.close()
    return path


@pytest.fixture(scope="module")
def people(db_path: Path) -> dict[str, dict[str, str]]:
    db = open_database(db_path)
    made = {}
    for name, role, locales in [
        ("ana", "editor", []),
        ("ben", "reviewer", []),
        ("lucia", "translator", ["es"]),
        ("marta", "reviewer", ["es"]),
    ]:
        _, secret = create_token(db, name=name, role=role, locales=locales)
        made[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    return made


@pytest.fixture(scope="module")
def client(db_path: Path) -> Iterator[Client]:
    settings = Settings(db=str(db_path), rate_limit_manage=None)
    with TestClient(create_app(db_path, settings)) as test_client:
        yield test_client


def _draft(client: Client, who: dict[str, str], message: str, change: Any = None) -> Any:
    head = client.get(f"/v1/manage/articles/{SLUG}", headers=who)
    assert head.status_code == 200
    article = head.json()["article"]
    if change is not None:
        change(article)
    else:
        article["title"] += " (revised)"
    body = {"message": message, "article": article}
    return client.post(DRAFTS, json=body, headers={**who, "If-Match": head.headers["etag"]})


def _in_review(client: Client, people: dict[str, dict[str, str]]) -> dict[str, Any]:
    created = _draft(client, people["ana"], "Clearer title")
    assert created.status_code == 201, created.text
    draft = created.json()
    submitted = client.post(
        f"/v1/manage/drafts/{draft['id']}/submit",
        headers={**people["ana"], "If-Match": draft["etag"]},
    )
    assert submitted.status_code == 200, submitted.text
    return dict(submitted.json())


@pytest.mark.parametrize(("message", "reason"), HOSTILE_MESSAGES, ids=MESSAGE_IDS)
def test_a_draft_message_breaking_the_text_policy_is_422_naming_the_field(
    client: Client,
    people: dict[str, dict[str, str]],
    db_path: Path,
    message: str,
    reason: str,
) -> None:
    before = snapshot(db_path)
    problem = assert_problem(_draft(client, people["ana"], message), 422, "validation-failed")
    assert problem["errors"][0]["field"] == "$.message", problem
    assert reason in problem["detail"]
    assert snapshot(db_path) == before


@pytest.mark.parametrize(("message", "reason"), HOSTILE_MESSAGES, ids=MESSAGE_IDS)
def test_a_revision_message_breaking_the_text_policy_is_422(
    client: Client,
    people: dict[str, dict[str, str]],
    db_path: Path,
    message: str,
    reason: str,
) -> None:
    created = _draft(client, people["ana"], "Start")
    assert created.status_code == 201, created.text
    draft = created.json()
    got = client.get(f"/v1/manage/drafts/{draft['id']}", headers=people["ana"]).json()
    got["article"]["title"] += " again"
    before = snapshot(db_path)
    response = client.put(
        f"/v1/manage/drafts/{draft['id']}",
        json={"message": message, "article": got["article"]},
        headers={**people["ana"], "If-Match": draft["etag"]},
    )
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"][0]["field"] == "$.message" and reason in problem["detail"]
    assert snapshot(db_path) == before


def test_a_reject_comment_with_markup_is_422_and_the_draft_stays_in_review(
    client: Client, people: dict[str, dict[str, str]], db_path: Path
) -> None:
    draft = _in_review(client, people)
    before = snapshot(db_path)
    response = client.post(
        f"/v1/manage/drafts/{draft['id']}/reject",
        json={"comment": "x\"'><svg onload=alert(1)>"},
        headers={**people["ben"], "If-Match": draft["etag"]},
    )
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"][0]["field"] == "$.comment" and "markup" in problem["detail"]
    assert snapshot(db_path) == before
    again = client.get(f"/v1/manage/drafts/{draft['id']}", headers=people["ben"]).json()
    assert again["status"] == "in_review"
    # A comment of several lines, as a text area sends it, is a comment.
    fine = client.post(
        f"/v1/manage/drafts/{draft['id']}/reject",
        json={"comment": "Cite the review.\r\nThen send it again."},
        headers={**people["ben"], "If-Match": draft["etag"]},
    )
    assert fine.status_code == 200, fine.text
    assert fine.json()["comment"] == "Cite the review.\nThen send it again."


@pytest.mark.parametrize(("comment", "reason"), HOSTILE_MESSAGES, ids=MESSAGE_IDS)
def test_a_withdrawal_comment_breaking_the_policy_is_422(
    client: Client,
    people: dict[str, dict[str, str]],
    db_path: Path,
    comment: str,
    reason: str,
) -> None:
    created = _draft(client, people["ana"], "To withdraw")
    assert created.status_code == 201, created.text
    draft = created.json()
    before = snapshot(db_path)
    response = client.post(
        f"/v1/manage/drafts/{draft['id']}/withdraw",
        json={"comment": comment},
        headers={**people["ana"], "If-Match": draft["etag"]},
    )
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"][0]["field"] == "$.comment" and reason in problem["detail"]
    assert snapshot(db_path) == before


def _catalog(client: Client, who: dict[str, str], text: str, comment: str = "") -> bytes:
    """The Spanish catalog with the introduction's msgstr replaced by `text` (and a
    translator comment before it)."""
    exported = client.get("/v1/manage/catalogs/es", headers=who)
    assert exported.status_code == 200
    catalog = read_po(io.BytesIO(exported.content))
    message = next(m for m in catalog if m.context == P1)
    message.string = text
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    data = out.getvalue()
    if comment:
        at = data.index(f'msgctxt "{P1}"'.encode())
        at = data.rindex(b"\n\n", 0, at) + 2
        data = data[:at] + comment.encode() + b"\n" + data[at:]
    return data


def _line_of(data: bytes, needle: bytes) -> int:
    return data.count(b"\n", 0, data.index(needle)) + 1


def test_a_catalog_reject_comment_with_markup_is_422_and_the_upload_stays(
    client: Client, people: dict[str, dict[str, str]], db_path: Path
) -> None:
    data = _catalog(client, people["lucia"], "La terapia con células madre es un enfoque nuevo.")
    staged = client.put("/v1/manage/catalogs/es", content=data, headers=people["lucia"])
    assert staged.status_code == 202, staged.text
    before = snapshot(db_path)
    response = client.post(
        "/v1/manage/catalogs/es/reject",
        json={"comment": "x\"'><svg onload=alert(1)>"},
        headers={**people["marta"], "If-Match": staged.json()["etag"]},
    )
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"][0]["field"] == "$.comment" and "markup" in problem["detail"]
    assert snapshot(db_path) == before
    pending = client.get("/v1/manage/catalogs/es/pending", headers=people["marta"])
    assert pending.status_code == 200


def test_a_translator_comment_with_markup_is_refused_with_file_and_line(
    client: Client, people: dict[str, dict[str, str]], db_path: Path
) -> None:
    """D13: `# <svg onload=alert(1)> translator note` before an entry was stored (202)."""
    comment = "# <svg onload=alert(1)> translator note"
    data = _catalog(client, people["lucia"], "Hola", comment)
    before = snapshot(db_path)
    response = client.put("/v1/manage/catalogs/es", content=data, headers=people["lucia"])
    problem = assert_problem(response, 422, "validation-failed")
    error = problem["errors"][0]
    assert error["file"] == "es.po" and "markup in a comment" in problem["detail"]
    # The entry's line, just after the comment.
    assert _line_of(data, comment.encode()) < error["line"] <= _line_of(data, b'msgstr "Hola"')
    assert snapshot(db_path) == before


def _set_paragraph(value: str) -> Any:
    def change(article: dict[str, Any]) -> None:
        article["sections"][0]["blocks"][0]["text"] = value

    return change


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Stem cell\u034ftherapy", "invisible character U+034F"),
        ("Stem cell\u17b4therapy", "invisible character U+17B4"),
        ("Stem cell\u17b5therapy", "invisible character U+17B5"),
        ("Stem cell\u180btherapy", "invisible character U+180B"),
        ("a" + "\u0301" * 5000, "5000 combining marks in a row (at most 8)"),
    ],
    ids=["cgj", "khmer-aq", "khmer-aa", "mongolian-fvs", "zalgo"],
)
def test_invisible_and_stacked_characters_in_draft_text_are_422(
    client: Client,
    people: dict[str, dict[str, str]],
    db_path: Path,
    text: str,
    reason: str,
) -> None:
    """D12: these were accepted in draft text (201)."""
    before = snapshot(db_path)
    response = _draft(client, people["ana"], "hostile", _set_paragraph(text))
    problem = assert_problem(response, 422, "validation-failed")
    assert reason in problem["detail"]
    assert problem["errors"][0]["field"] == "$.article.sections[0].blocks[0].text"
    assert snapshot(db_path) == before


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("\u0301" * 3000, "3000 combining marks in a row (at most 8)"),
        ("Hola\u17b4", "invisible character U+17B4"),
    ],
    ids=["mark-run", "khmer-aq"],
)
def test_invisible_and_stacked_characters_in_a_msgstr_name_the_line(
    client: Client,
    people: dict[str, dict[str, str]],
    db_path: Path,
    text: str,
    reason: str,
) -> None:
    """D12: these were accepted in a msgstr (202)."""
    data = _catalog(client, people["lucia"], text)
    before = snapshot(db_path)
    response = client.put("/v1/manage/catalogs/es", content=data, headers=people["lucia"])
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"][0]["file"] == "es.po" and reason in problem["detail"]
    assert problem["errors"][0]["line"] == _line_of(data, b'msgstr "' + text[:4].encode())
    assert snapshot(db_path) == before
