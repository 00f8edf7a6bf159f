"""An import holds one parsed catalog at a time: its peak memory does not grow with the
number of catalogs (the 1,000-article import's bound of 300 MB rests on this)."""

from __future__ import annotations

import gc
import re
import shutil
import tracemalloc
from pathlib import Path

import pytest

from api.sources import ContentReader, catalog_path
from api.store.importer import import_content
from api.store.schema import open_database
from tests.conftest import SLUG

# Every catalog grown to ~2 MB and imported twice: out of the fast loop.
pytestmark = pytest.mark.slow

# A translator's note on every entry makes each parsed catalog weigh ~2 MB, far more than
# what else an import of the real content holds, so one catalog too many shows.
# (Babel keeps a comment once per entry: each line is numbered.)
NOTE = " ".join(["a note the translator wrote for the reviewer"] * 30)
NOTES_PER_ENTRY = 10


def _grown(tree: Path) -> list[Path]:
    files = sorted((tree / "locales").glob(f"*/LC_MESSAGES/{SLUG}.po"))
    for po in files:
        notes = "".join(f"# {n}: {NOTE}\n" for n in range(NOTES_PER_ENTRY))
        text = po.read_text(encoding="utf-8")
        po.write_text(re.sub(r"^msgctxt ", notes + "msgctxt ", text, flags=re.M), encoding="utf-8")
    return files


def _peak_of_import(root: Path, db: Path) -> int:
    """The most memory Python held at once while importing `root` into a new database."""
    database = open_database(db)
    gc.collect()
    tracemalloc.start()
    try:
        import_content(database, ContentReader(root / "content", root / "locales"))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        database.conn.close()


def test_an_import_holds_one_parsed_catalog_at_a_time(tree: Path, tmp_path: Path) -> None:
    catalogs = _grown(tree)
    assert len(catalogs) >= 3
    largest = max(catalogs, key=lambda po: po.stat().st_size)
    one = tmp_path / "one"
    shutil.copytree(tree / "content", one / "content")
    kept = catalog_path(one / "locales", largest.parent.parent.name, SLUG)
    kept.parent.mkdir(parents=True)
    shutil.copy(largest, kept)

    peak_one = _peak_of_import(one, tmp_path / "one.db")
    peak_all = _peak_of_import(tree, tmp_path / "all.db")

    # Holding a second parsed catalog would add more than its file's size (its notes
    # alone are most of the file); the other locales' documents add little.
    assert peak_all - peak_one < largest.stat().st_size / 2, (peak_one, peak_all)
