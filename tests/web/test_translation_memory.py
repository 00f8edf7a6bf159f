"""Translation memory: a message whose source text is identical to one approved in another
article reaches the translator as a fuzzy suggestion marked with where it came from, and
never a reader; the approved memory exports as TMX 1.4 over HTTP and from the CLI."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po, write_po
from litestar.testing import TestClient

from api.cli import main
from api.sources import read_content
from api.store.accounts import create_token
from api.store.exporting import export_tree
from api.store.importer import import_content
from api.store.schema import open_database
from api.web.app import create_app
from bench.corpus import copy_slug, write_corpus
from tests.conftest import ROOT, SLUG

COPY = copy_slug(1)
TITLE = "Stem cell therapy for hair loss"
TITLE_ES = "Terapia con células madre para la pérdida de cabello"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
Client = TestClient[Any]


@pytest.fixture
def two_articles(tmp_path: Path) -> Iterator[tuple[Client, dict[str, dict[str, str]], Path]]:
    """Two articles with the same words; the copy's Spanish title is not translated."""
    tree = write_corpus(ROOT, tmp_path / "tree", 2)
    po_path = tree / "locales" / "es" / "LC_MESSAGES" / f"{COPY}.po"
    catalog = read_po(io.BytesIO(po_path.read_bytes()))
    message = catalog.get(TITLE, context=f"{COPY}/title")
    assert message is not None and message.string == TITLE_ES
    message.string = ""
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    po_path.write_bytes(out.getvalue())
    db = open_database(tmp_path / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    headers = {}
    for name, role in (("lucia", "translator"), ("marta", "reviewer")):
        _, secret = create_token(db, name=name, role=role, locales=["es"])
        headers[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    with TestClient(create_app(tmp_path / "v.db")) as client:
        yield client, headers, tmp_path / "v.db"


def _title(client: Client) -> dict[str, Any]:
    title: dict[str, Any] = client.get(f"/v1/articles/{COPY}", params={"locale": "es"}).json()[
        "title"
    ]
    return title


def test_a_fuzzy_suggestion_reaches_the_translator_and_never_a_reader(
    two_articles: tuple[Client, dict[str, dict[str, str]], Path],
) -> None:
    client, who, db_path = two_articles
    url = f"/v1/manage/catalogs/es/articles/{COPY}"
    exported = client.get(url, headers=who["lucia"]).content
    catalog = read_po(io.BytesIO(exported))
    offered = catalog.get(TITLE, context=f"{COPY}/title")
    assert offered is not None and offered.fuzzy and offered.string == TITLE_ES
    # (A translator comment: PO editors show it; Babel wraps a long one over two lines.)
    assert " ".join(offered.user_comments) == (
        f"translation memory: approved for {SLUG}/es ({SLUG}/title); check it and clear fuzzy"
    )
    # The files of record (`vetted export`) never carry a suggestion.
    db = open_database(db_path)
    files = export_tree(db).files
    db.conn.close()
    recorded = read_po(io.BytesIO(files[f"locales/es/LC_MESSAGES/{COPY}.po"]))
    kept = recorded.get(TITLE, context=f"{COPY}/title")
    assert kept is not None and (kept.string, kept.user_comments) == ("", [])
    # Never served as it is: the reader gets the English title.
    assert (_title(client)["text"], _title(client)["fallback"]) == (TITLE, True)
    # Uploaded as downloaded (still fuzzy), it changes nothing readers get: not staged.
    unchanged = client.put(url, content=exported, headers=who["lucia"])
    assert unchanged.status_code == 422, unchanged.text
    # The translator accepts it (clears fuzzy): it goes to review like any other entry.
    offered.flags.discard("fuzzy")
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    staged = client.put(url, content=out.getvalue(), headers=who["lucia"])
    assert staged.status_code == 202 and staged.json()["changed"] == 1, staged.text
    assert _title(client)["text"] == TITLE  # pending: still not served
    pending = client.get(f"{url}/pending", headers=who["marta"])
    (entry,) = pending.json()["entries"]
    assert (entry["context"], entry["proposed"], entry["new"]) == (f"{COPY}/title", TITLE_ES, True)
    approved = client.post(
        f"{url}/approve", headers={**who["marta"], "If-Match": pending.headers["etag"]}
    )
    assert approved.status_code == 200, approved.text
    assert (_title(client)["text"], _title(client)["fallback"]) == (TITLE_ES, False)


def test_the_approved_memory_exports_as_tmx(
    two_articles: tuple[Client, dict[str, dict[str, str]], Path],
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    client, who, db_path = two_articles
    answer = client.get("/v1/manage/catalogs/es/memory", headers=who["lucia"])
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/x-tmx+xml")
    root = ET.fromstring(answer.content)
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header is not None and header.get("srclang") == "en"
    units = []
    for unit in root.iter("tu"):
        segs = {tuv.get(XML_LANG): tuv.findtext("seg") for tuv in unit.iter("tuv")}
        units.append((segs["en"], segs["es"]))
    assert (TITLE, TITLE_ES) in units
    # Identical pairs of the two articles are one unit each; exactly the approved ones
    # are there (fuzzy translations awaiting review are not).
    assert len(units) == len(set(units))
    db = open_database(db_path)
    approved = db.execute(
        "SELECT DISTINCT source, text FROM translations WHERE locale = 'es' "
        "AND status = 'approved' AND fuzzy = 0 AND text != ''"
    ).fetchall()
    fuzzy = db.execute(
        "SELECT source, text FROM translations WHERE locale = 'es' AND fuzzy = 1 AND text != ''"
    ).fetchall()
    db.conn.close()
    assert set(units) == {(row[0], row[1]) for row in approved}
    assert fuzzy and not {(row[0], row[1]) for row in fuzzy} & set(units)
    capsysbinary.readouterr()
    assert main(["catalogs", "tmx", "es", "--db", str(db_path)]) == 0
    assert capsysbinary.readouterr().out == answer.content
