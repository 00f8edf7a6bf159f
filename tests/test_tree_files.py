"""`vetted check` and `vetted import` read regular files inside the tree only, and never
past a file's size limit (security probe 2026-12-07, D9). Each case is the probe's: the
command runs in its own process with a timeout, so a hang fails the test instead of
stopping the suite, and under a memory limit, so reading a file whole fails it too."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.sources import catalog_path
from tests.conftest import ROOT, SLUG

# Far above what checking the shipped tree takes, far below what reading a big file whole
# would: the probe's /dev/zero catalog reached 2.6 GB before MemoryError.
MEMORY_LIMIT = 1_500_000_000


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def vetted(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        preexec_fn=_limited,
    )


def test_the_shipped_tree_passes_under_the_same_limits(tree: Path) -> None:
    result = vetted("check", cwd=tree)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", ["check", "import"])
def test_a_catalog_linked_to_dev_zero_is_refused_by_name(tree: Path, command: str) -> None:
    po = catalog_path(tree / "locales", "es", SLUG)
    po.unlink()
    po.symlink_to("/dev/zero")
    args = ("import", "--db", "v.db") if command == "import" else ("check",)
    result = vetted(*args, cwd=tree)
    assert result.returncode == 1, result.stderr
    assert f"locales/es/LC_MESSAGES/{SLUG}.po: a symbolic link" in result.stderr
    assert "MemoryError" not in result.stderr


def test_a_fifo_as_a_catalog_is_refused_without_waiting(tree: Path) -> None:
    po = catalog_path(tree / "locales", "fr", SLUG)
    po.unlink()
    os.mkfifo(po)
    result = vetted("check", cwd=tree)  # the probe's run hung until killed
    assert result.returncode == 1, result.stderr
    assert f"locales/fr/LC_MESSAGES/{SLUG}.po: not a regular file" in result.stderr


def test_an_article_linked_to_a_file_outside_the_tree_is_not_read(tree: Path) -> None:
    (tree / "content" / "articles" / "passwd.yaml").symlink_to("/etc/passwd")
    result = vetted("check", cwd=tree)
    assert result.returncode == 1, result.stderr
    assert "content/articles/passwd.yaml: a symbolic link" in result.stderr
    assert "Expected `object`" not in result.stderr  # what parsing /etc/passwd said


def test_a_catalog_folder_linked_outside_the_tree_is_refused(
    tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "fr"
    shutil.move(tree / "locales" / "fr", outside)
    (tree / "locales" / "fr").symlink_to(outside, target_is_directory=True)
    result = vetted("check", cwd=tree)
    assert result.returncode == 1, result.stderr
    assert f"locales/fr/LC_MESSAGES/{SLUG}.po: reached through a symbolic link" in result.stderr


def test_a_huge_catalog_is_read_no_further_than_its_limit(tree: Path) -> None:
    """A sparse 10 GB file: reading it whole would pass the memory limit."""
    po = catalog_path(tree / "locales", "es", SLUG)
    with po.open("r+b") as opened:
        opened.truncate(10_000_000_000)
    result = vetted("check", cwd=tree)
    assert result.returncode == 1, result.stderr
    assert f"locales/es/LC_MESSAGES/{SLUG}.po: catalog is larger than 5000000 bytes" in (
        result.stderr
    )
