"""The synthetic corpus used by the benchmark and the crash tests is valid content."""

from __future__ import annotations

from pathlib import Path

from api.sources import read_content
from bench.corpus import copy_slug, write_corpus
from tests.conftest import ROOT, SLUG


def test_corpus_copies_the_article_and_its_translations(tmp_path: Path) -> None:
    write_corpus(ROOT, tmp_path, 3)
    content = read_content(tmp_path / "content", tmp_path / "locales")
    assert sorted(a.slug for a in content.articles) == [SLUG, copy_slug(1), copy_slug(2)]
    original = read_content(ROOT / "content", ROOT / "locales")
    # One catalog per article and locale: the copy's holds the original's translations.
    copied = {(c.locale, c.domain): c for c in content.catalogs}
    for shipped in original.catalogs:
        if shipped.domain != SLUG:
            continue
        ours = {e.context: e.text for e in copied[(shipped.locale, copy_slug(2))].entries}
        theirs = {e.context: e.text for e in shipped.entries}
        assert theirs, shipped.locale
        for context, text in theirs.items():
            assert ours[context.replace(SLUG, copy_slug(2), 1)] == text
