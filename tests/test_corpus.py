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
    for copied, shipped in zip(content.catalogs, original.catalogs, strict=True):
        ours = {e.context: e.text for e in copied.entries}
        theirs = {e.context: e.text for e in shipped.entries if e.context.startswith(SLUG + "/")}
        assert theirs, copied.locale
        for context, text in theirs.items():
            assert ours[context.replace(SLUG, copy_slug(2), 1)] == text
