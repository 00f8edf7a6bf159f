"""The benchmark's editors (bench/editor.py): each Editorial makes tokens of its own, so
one made on a copy of a database where another already made its tokens works (the
scale-out rows copy the real database after the run has published on it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.editor import Editorial
from tests.conftest import SLUG

pytestmark = pytest.mark.process


def test_an_editorial_on_a_copy_of_a_database_with_another_editorials_tokens(
    tmp_path: Path, imported_db: Path
) -> None:
    db, copy = tmp_path / "vetted.db", tmp_path / "copy.db"
    shutil.copyfile(imported_db, db)
    first = Editorial("http://127.0.0.1:9", db, SLUG)
    shutil.copyfile(db, copy)
    second = Editorial("http://127.0.0.1:9", copy, SLUG)
    third = Editorial("http://127.0.0.1:9", db, SLUG)
    tokens = {e.editor["Authorization"] for e in (first, second, third)}
    assert len(tokens) == 3
    for editorial in (first, second, third):
        editorial.close()
