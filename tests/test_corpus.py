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


def test_corpus_has_the_per_article_layout_of_the_repository(tmp_path: Path) -> None:
    """Today's layout, as a translation platform's file mask finds it: each article's
    catalog per locale beside the shared one, and each article's template."""
    write_corpus(ROOT, tmp_path, 3)
    slugs = {SLUG, copy_slug(1), copy_slug(2)}
    locales = tmp_path / "locales"
    shipped = {p.parent.parent.name for p in (ROOT / "locales").glob("*/LC_MESSAGES/*.po")}
    for locale in shipped:
        found = {p.stem for p in locales.glob(f"{locale}/LC_MESSAGES/*.po")}
        assert slugs | {"shared"} <= found, locale
        assert not found - slugs - {"shared", "workspace"}, locale
    assert {p.stem for p in locales.glob("*.pot")} == slugs | {"shared", "workspace"}
    template = (locales / f"{copy_slug(2)}.pot").read_text()
    assert f'msgctxt "{copy_slug(2)}/title"' in template
    assert f'msgctxt "{SLUG}/' not in template
    assert read_content(tmp_path / "content", locales).template_header is not None
