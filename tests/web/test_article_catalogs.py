"""One article's catalog over HTTP: download, upload, review and approve it on its own,
on a 1,000-article database (bench/corpus.py), and a whole locale as a zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from litestar.testing import TestClient

from api.sources import ContentReader
from api.store.accounts import create_token
from api.store.importer import import_content
from api.store.schema import open_database
from api.web.app import create_app
from bench.corpus import copy_slug, write_corpus
from tests.conftest import ROOT, SLUG

pytestmark = pytest.mark.slow

ARTICLES = 1000
TARGET = copy_slug(500)
OTHER = copy_slug(501)
Client = TestClient[Any]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, dict[str, Any]]]:
    tree = write_corpus(ROOT, tmp_path_factory.mktemp("corpus"), ARTICLES)
    db = open_database(tree / "v.db")
    import_content(db, ContentReader(tree / "content", tree / "locales"))
    headers = {}
    for name, role in (("lucia", "translator"), ("marta", "reviewer")):
        _, secret = create_token(db, name=name, role=role, locales=["es"])
        headers[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    with TestClient(create_app(tree / "v.db")) as client:
        yield client, headers


def test_one_articles_catalog_round_trips_over_http(corpus: tuple[Client, dict[str, Any]]) -> None:
    client, who = corpus
    url = f"/v1/manage/catalogs/es/articles/{TARGET}"
    exported = client.get(url, headers=who["lucia"])
    assert exported.status_code == 200, exported.text
    catalog = read_po(io.BytesIO(exported.content))
    contexts = {m.context for m in catalog if m.id}
    # That article's messages only: not another article's, not the shared domain's.
    assert contexts and all(c.startswith(f"{TARGET}/") for c in contexts)
    assert len(exported.content) < 200_000
    context = f"{TARGET}/title"
    (message,) = [m for m in catalog if m.context == context and not m.fuzzy]
    message.string = "Terapia con células madre contra la caída del cabello"
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    upload = client.put(url, content=out.getvalue(), headers=who["lucia"])
    assert upload.status_code == 202, upload.text
    assert upload.json()["changed"] == 1
    # Another article's catalog in this article's place names the line of the first
    # message that is not this article's.
    other = client.get(f"/v1/manage/catalogs/es/articles/{OTHER}", headers=who["lucia"])
    wrong = client.put(url, content=other.content, headers=who["lucia"])
    assert wrong.status_code == 422 and "names no known block" in wrong.text
    pending = client.get(f"{url}/pending", headers=who["marta"])
    assert pending.status_code == 200
    assert [e["context"] for e in pending.json()["entries"]] == [context]
    # The translator cannot approve their own upload; the reviewer can, with the ETag.
    refused = client.post(
        f"{url}/approve", headers={**who["lucia"], "If-Match": pending.headers["etag"]}
    )
    assert refused.status_code == 403
    approved = client.post(
        f"{url}/approve", headers={**who["marta"], "If-Match": pending.headers["etag"]}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved"] == [context] and approved.json()["remaining"] == 0
    body = client.get(f"/v1/articles/{TARGET}", params={"locale": "es"}).json()
    assert body["title"]["text"] == message.string
    again = read_po(io.BytesIO(client.get(url, headers=who["lucia"]).content))
    got = again.get(message.id, context=context)
    assert got is not None and got.string == message.string
    untouched = client.get(f"/v1/articles/{OTHER}", params={"locale": "es"}).json()
    assert untouched["title"]["text"] == "Terapia con células madre para la pérdida de cabello"


def test_a_locale_comes_whole_as_a_zip_of_the_article_catalogs(
    corpus: tuple[Client, dict[str, Any]],
) -> None:
    client, who = corpus
    answer = client.get("/v1/manage/catalogs/es/archive", headers=who["lucia"])
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert f"locales/es/LC_MESSAGES/{TARGET}.po" in names
    assert "locales/es/LC_MESSAGES/shared.po" in names and f"locales/{SLUG}.pot" in names
    assert len([n for n in names if n.endswith(".po")]) == ARTICLES + 1


def test_an_unknown_or_invalid_article_is_a_clear_error(
    corpus: tuple[Client, dict[str, Any]],
) -> None:
    client, who = corpus
    missing = client.get("/v1/manage/catalogs/es/articles/no-such-article", headers=who["lucia"])
    assert missing.status_code == 404
    invalid = client.get("/v1/manage/catalogs/es/articles/Not_A_Slug", headers=who["lucia"])
    assert invalid.status_code == 400 and "slug" in invalid.text
