"""An import holds one article and its catalogs at a time: its peak memory does not grow
with the number of articles (the 10,000-article import's bound of 300 MB rests on this),
and the reader reads each article file only when it reaches it."""

from __future__ import annotations

import gc
import re
import tracemalloc
from pathlib import Path

import pytest

from api.core.content import parse_article
from api.core.errors import ImportRejected
from api.core.model import Article
from api.sources import ContentReader
from api.store.importer import import_content
from api.store.schema import open_database
from bench.corpus import copy_slug, write_corpus
from tests.conftest import ROOT, SLUG

# Every catalog grown to ~2 MB and imported twice: out of the fast loop.
pytestmark = pytest.mark.slow

# A translator's note on every entry makes each parsed catalog weigh ~2 MB, far more than
# what else an import of the real content holds, so one article's catalogs too many show.
# (Babel keeps a comment once per entry: each line is numbered.)
NOTE = " ".join(["a note the translator wrote for the reviewer"] * 30)
NOTES_PER_ENTRY = 10


def _grown(tree: Path) -> list[Path]:
    """Every article's catalogs, grown."""
    files = sorted(
        po for po in (tree / "locales").glob("*/LC_MESSAGES/*.po") if po.stem.startswith(SLUG)
    )
    notes = "".join(f"# {n}: {NOTE}\n" for n in range(NOTES_PER_ENTRY))
    for po in files:
        text = po.read_text(encoding="utf-8")
        po.write_text(re.sub(r"^msgctxt ", notes + "msgctxt ", text, flags=re.M), encoding="utf-8")
    return files


def _peak_of_import(root: Path, db: Path) -> int:
    """The most memory Python held at once while importing `root` into a new database."""
    database = open_database(db)
    gc.collect()
    tracemalloc.start()
    try:
        import_content(database, ContentReader(root / "content", root / "locales", workers=0))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        database.conn.close()


def test_an_import_holds_one_article_and_its_catalogs_at_a_time(tmp_path: Path) -> None:
    one = write_corpus(ROOT, tmp_path / "one", 1)
    three = write_corpus(ROOT, tmp_path / "three", 3)
    _grown(one)
    catalogs = _grown(three)
    assert len(catalogs) >= 9
    per_article = sum(po.stat().st_size for po in catalogs if po.stem == SLUG)

    peak_one = _peak_of_import(one, tmp_path / "one.db")
    peak_three = _peak_of_import(three, tmp_path / "three.db")

    # Holding a second article's parsed catalogs would add more than their files' size
    # (their notes alone are most of the files); the other documents add little.
    assert peak_three - peak_one < per_article / 2, (peak_one, peak_three)


def _held_while_reading(root: Path) -> int:
    """The most memory Python held (above what it held before) as the articles of `root`
    were handed over, one by one."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    holding: list[int] = []

    def stored(article: Article, file: str) -> None:
        gc.collect()  # (what Python keeps in its free lists comes and goes)
        holding.append(tracemalloc.get_traced_memory()[0])

    ContentReader(root / "content", root / "locales", workers=0).read(lambda _: None, stored)
    return max(holding) - before


def test_reading_holds_one_article_at_a_time(tmp_path: Path) -> None:
    """Reading 32 articles holds what reading 4 holds: one article at a time (every article
    was held until the import ended, ~80 KB each: 1 GB at 10,000 articles)."""
    one = (ROOT / "content" / "articles" / f"{SLUG}.yaml").read_bytes()
    few = write_corpus(ROOT, tmp_path / "few", 4)
    many = write_corpus(ROOT, tmp_path / "many", 32)
    tracemalloc.start()
    try:
        held = [parse_article(one, "a.yaml") for _ in range(4)]
        per_article = tracemalloc.get_traced_memory()[0] // len(held)
        del held
        _held_while_reading(few)  # what is loaded once (locale data) is loaded
        holding_few = _held_while_reading(few)
        holding_many = _held_while_reading(many)
    finally:
        tracemalloc.stop()
    assert per_article > 50_000
    # Twenty-eight articles more: less than three articles more (their names, paths).
    assert holding_many - holding_few < 3 * per_article, (holding_few, holding_many)


@pytest.mark.parametrize("workers", [0, 2])
def test_each_article_file_is_read_when_the_reader_reaches_it(tmp_path: Path, workers: int) -> None:
    """An article file changed while the first article is stored is read as changed: the
    reader had not read it yet (in worker processes too, a few files ahead)."""
    root = write_corpus(ROOT, tmp_path, 20)
    last = sorted((root / "content" / "articles").glob("*.yaml"))[-1]
    handed: list[str] = []

    def stored(article: Article, file: str) -> None:
        if not handed:
            last.write_text("slug: [unclosed\n", encoding="utf-8")
        handed.append(article.slug)

    reader = ContentReader(root / "content", root / "locales", workers=workers)
    with pytest.raises(ImportRejected) as caught:
        reader.read(lambda _: None, stored)
    assert caught.value.errors[0].file == f"content/articles/{last.name}"
    # Every file before it was handed over; nothing after an invalid one is.
    assert handed == [copy_slug(n) for n in range(1, 20)]
