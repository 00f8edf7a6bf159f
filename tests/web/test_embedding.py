"""What partner pages ask for (issue 28 point 5): a sitemap of published articles with
per-locale `lastmod` and `hreflang` alternates, and a semantic, unstyled HTML rendering of
an article per locale (`lang`/`dir`, fallback marks, the JSON-LD), both stored at publish
time like every other document."""

from __future__ import annotations

import json
from pathlib import Path

from api.store.documents import get_document, html_key
from api.store.listing import sitemap_body
from api.store.schema import open_database
from tests.conftest import SLUG
from tests.web.test_withdrawal import withdraw_article
from tests.web.test_workflow import ARTICLE, Client, _submitted, auth
from tests.workspace.pages import parse

__all__ = ["auth"]

HTML = f"{ARTICLE}/html"


def test_the_html_of_an_arabic_reader_marks_direction_and_fallback(
    shipped_client: Client,
) -> None:
    """On the repository as shipped (version 2, which cites its references)."""
    client = shipped_client
    answer = client.get(HTML, params={"locale": "ar"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["content-language"] == "ar"
    assert answer.text.startswith("<!DOCTYPE html>\n")
    page = parse(answer.text)
    root = page.one("html")
    assert (root.get("lang"), root.get("dir")) == ("ar", "rtl")
    article = client.get(ARTICLE, params={"locale": "ar"}).json()
    assert page.one("h1").text == article["title"]["text"]
    # Every section by its id, nested as in the article; every paragraph, in order.
    ids = [s.get("id") for s in page.select("section")]
    flat: list[str] = []
    pending = list(reversed(article["sections"]))
    while pending:
        section = pending.pop()
        flat.append(section["id"])
        pending += reversed(section["sections"])
    assert ids == flat
    texts = [b for s in _walk(article["sections"]) for b in s["blocks"] if b["type"] == "paragraph"]
    paragraphs = [
        p
        for p in page.select("p")
        if p.parent is not None
        and p.parent.tag == "section"
        and not p.classes & {"treatment-ref", "fact"}
    ]
    assert len(paragraphs) == len(texts)
    for element, block in zip(paragraphs, texts, strict=True):
        assert element.text.startswith(block["text"])
        if block["fallback"]:
            # An English text in an Arabic page: its language, direction and the mark.
            assert element.get("lang") == "en" and element.get("dir") == "ltr"
            assert "fallback" in element.classes and element.get("data-fallback") == "en"
        else:
            assert element.get("lang") is None and "fallback" not in element.classes
        assert ("safety" in element.classes) == block["safety"]
    assert any(b["fallback"] for b in texts) and not all(b["fallback"] for b in texts)
    # The JSON-LD partners would embed is in the head, as the JSON-LD route serves it.
    script = page.one('script[type="application/ld+json"]')
    ld = client.get(f"{ARTICLE}/jsonld", params={"locale": "ar"}).json()
    assert json.loads(script.raw_text) == ld
    # Citations link to the references listed in the footer.
    cited = {a.get("href") for a in page.select("a") if (a.get("href") or "").startswith("#")}
    listed = {f"#{li.get('id')}" for li in page.select("li")}
    assert cited and cited <= listed


def _walk(sections: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    out = []
    for section in sections:
        out.append(section)
        out += _walk(section["sections"])
    return out


def test_the_html_is_stored_at_publish_time_and_escapes_every_text(
    client: Client, db_path: Path
) -> None:
    db = open_database(db_path)
    stored = get_document(db, html_key(SLUG, "es"))
    db.conn.close()
    assert stored is not None
    assert client.get(HTML, params={"locale": "es"}).content == stored.body
    html = stored.body.decode()
    assert "<script" not in html.replace('<script type="application/ld+json">', "")
    assert html.count("<script") == 1 and " on" not in html.split("</head>")[1].split(">")[0]
    # A 304 with the ETag; negotiation as for the JSON.
    etag = client.get(HTML, params={"locale": "es"}).headers["etag"]
    assert (
        client.get(HTML, params={"locale": "es"}, headers={"If-None-Match": etag}).status_code
        == 304
    )
    assert (
        client.get(HTML, headers={"Accept-Language": "es-MX"}).headers["content-language"]
        == "es-MX"
    )


def test_the_sitemap_lists_every_locale_with_its_own_lastmod(
    client: Client, auth: dict[str, dict[str, str]], db_path: Path
) -> None:
    sitemap = client.get("/v1/sitemap").json()
    [entry] = sitemap["articles"]
    assert entry["slug"] == SLUG and entry["x_default"] == "en"
    locales = [a["hreflang"] for a in entry["alternates"]]
    assert locales == sorted(locales) and {"ar", "en", "es", "fr"} <= set(locales)
    for alternate in entry["alternates"]:
        assert client.get(alternate["href"]).json()["locale"] == alternate["hreflang"]
        assert client.get(alternate["html"]).headers["content-language"] == alternate["hreflang"]
        article = client.get(alternate["href"]).json()
        assert alternate["completeness"] == article["completeness"]["ratio"]
        assert alternate["lastmod"] >= article["published_at"]
    assert entry["lastmod"] == max(a["lastmod"] for a in entry["alternates"])
    # A new version moves every locale's lastmod; the sitemap is stored, not computed.
    before = {a["hreflang"]: a["lastmod"] for a in entry["alternates"]}
    draft, etag = _submitted(client, auth)
    client.post(f"/v1/manage/drafts/{draft}/publish", headers={**auth["rev"], "If-Match": etag})
    after = client.get("/v1/sitemap").json()["articles"][0]
    assert after["version"] == 2
    assert after["alternates"][0]["lastmod"] >= before[after["alternates"][0]["hreflang"]]
    english = next(a for a in after["alternates"] if a["hreflang"] == "en")
    assert english["lastmod"] == client.get(ARTICLE).json()["published_at"]
    db = open_database(db_path)
    stored = sitemap_body(db)
    db.conn.close()
    assert json.loads(stored)["articles"][0]["version"] == 2


def test_a_withdrawn_article_leaves_the_sitemap_and_its_html_is_gone(
    client: Client, auth: dict[str, dict[str, str]]
) -> None:
    withdraw_article(client, auth)
    assert client.get("/v1/sitemap").json() == {"articles": []}
    gone = client.get(HTML, params={"locale": "fr"})
    assert gone.status_code == 410 and gone.json()["type"] == "/problems/gone"
