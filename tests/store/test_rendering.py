"""Rendering at publish time renders what the publish changed, and leaves the lists whole."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

import msgspec
import pytest
import sqlite_utils
from msgspec.structs import replace

from api.core.access import Principal
from api.sources import ContentSet, read_content
from api.store.catalogs import approve_catalog
from api.store.documents import get_document
from api.store.drafts import create_draft, publish_draft, submit_draft
from api.store.figures import locales_body
from api.store.importer import import_content
from api.store.listing import article_list_body, sitemap_body
from api.store.schema import open_database
from api.store.translations import rendered_locales
from api.store.versions import load_article, published_versions
from bench.corpus import copy_slug, write_corpus
from tests.conftest import SLUG, VERSION_1_TREE
from tests.editing import ES_REVIEWER, head_etag, spanish_title_in_review

EDITOR = Principal(name="ed", role="editor")
REVIEWER = Principal(name="rev", role="reviewer")


@pytest.mark.slow  # seconds of in-process work: out of the fast loop
def test_publishing_one_article_renders_only_that_article(tmp_path: Path) -> None:
    write_corpus(VERSION_1_TREE, tmp_path, 3)
    db = open_database(tmp_path / "v.db")
    import_content(db, read_content(tmp_path / "content", tmp_path / "locales"))
    lists_before = {k: _json(db, k) for k in ("articles/es", "locales")}
    # Each copy is rendered from its own translations, exactly as complete as the original.
    for locale in lists_before["locales"]:
        assert len(set(locale["completeness"].values())) == 1, locale["code"]
    assert {loc["code"]: min(loc["completeness"].values()) for loc in lists_before["locales"]}[
        "es"
    ] == 1.0
    slug = copy_slug(1)
    article = load_article(db, slug, 1)
    draft = create_draft(
        db, EDITOR, replace(article, title="A new title"), "retitle", head_etag(db, slug)
    )
    submitted = submit_draft(db, EDITOR, draft.id, draft.etag)
    rendered: Counter[str] = Counter()

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call" and frame.f_code.co_name == "render_article":
            rendered[frame.f_locals["article"].slug] += 1
        if event == "call" and frame.f_code.co_name == "render_treatment":
            rendered["treatment records"] += 1

    sys.setprofile(profile)
    try:
        publish_draft(db, REVIEWER, draft.id, submitted.etag)
    finally:
        sys.setprofile(None)
    # Only version 2, the new one, and version 1, which it supersedes (its review status
    # says so from now on), in each of the six locales (en, es, es-MX, fr, fr-CA, ar): the
    # other articles are untouched, and so are the treatment records (they stand in the
    # original article, not in this copy).
    assert rendered == Counter({slug: 12})
    # The lists still hold every article: the new title, and the others as they were.
    listed = _json(db, "articles/es")
    assert [s["slug"] for s in listed] == [s["slug"] for s in lists_before["articles/es"]]
    titles = {s["slug"]: s["title"]["text"] for s in listed}
    assert titles[slug] == "A new title"
    assert [s for s in listed if s["slug"] != slug] == [
        s for s in lists_before["articles/es"] if s["slug"] != slug
    ]
    # The new title has no Spanish translation yet: only its article's completeness drops.
    before, after = (
        {loc["code"]: loc["completeness"] for loc in doc}
        for doc in (lists_before["locales"], _json(db, "locales"))
    )
    assert after["es"][slug] < before["es"][slug]
    assert {k: v for k, v in after["es"].items() if k != slug} == {
        k: v for k, v in before["es"].items() if k != slug
    }


def _json(db: sqlite_utils.Database, key: str) -> Any:
    if key.startswith("articles/"):  # spliced from its rows when asked for
        return json.loads(article_list_body(db, key.removeprefix("articles/")))
    if key == "locales":
        return json.loads(locales_body(db))
    document = get_document(db, key)
    assert document is not None, key
    return json.loads(document.body)


def test_approving_spanish_renders_the_locales_showing_spanish_only(
    tmp_path: Path, content: ContentSet
) -> None:
    db = open_database(tmp_path / "v.db")
    import_content(db, content)
    context, review = spanish_title_in_review(db, SLUG, "Un título revisado")
    rendered: Counter[str] = Counter()

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call" and frame.f_code.co_name == "render_article":
            rendered[frame.f_locals["locale"]] += 1

    sys.setprofile(profile)
    try:
        approve_catalog(db, ES_REVIEWER, "es", review, [context], SLUG)
    finally:
        sys.setprofile(None)
    # Every version of the article, in Spanish and in Mexican Spanish (Spanish text): the
    # English, French and Arabic documents show no Spanish and are left as they are.
    assert set(rendered) == {"es", "es-MX"}
    assert rendered["es"] == rendered["es-MX"] == len(published_versions(db, SLUG))
    assert "Un título revisado".encode() in article_list_body(db, "es")
    sitemap = msgspec.json.decode(sitemap_body(db))["articles"][0]
    assert {a["hreflang"] for a in sitemap["alternates"]} == set(rendered_locales(db))
