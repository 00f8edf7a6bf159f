"""The `vetted` command: check, import (with progress and clear rejections), openapi."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from api.sources import catalog_path
from tests.conftest import ROOT

VETTED = [sys.executable, "-m", "api.cli"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VETTED, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_import_reports_progress_and_is_idempotent(tree: Path) -> None:
    first = run("import", "--db", "v.db", cwd=tree)
    assert first.returncode == 0, first.stderr
    assert "stem-cell-therapy-for-hair-loss: version 1" in first.stderr
    assert "catalog es: 129 translations" in first.stderr
    second = run("import", "--db", "v.db", cwd=tree)
    assert "new versions: none" in second.stderr


def test_broken_catalog_is_rejected_with_file_and_line_and_nothing_stored(tree: Path) -> None:
    po = catalog_path(tree / "locales", "fr")
    lines = po.read_text().splitlines()
    target = next(
        n for n, line in enumerate(lines) if line.startswith('msgstr "') and len(line) > 12
    )
    lines[target] = lines[target][:-1] + ' <script>alert(1)</script>"'
    po.write_text("\n".join(lines) + "\n")
    result = run("import", "--db", "v.db", cwd=tree)
    assert result.returncode == 1
    assert f"locales/fr/LC_MESSAGES/content.po:{target}: markup in msgstr" in result.stderr
    assert "nothing was stored" in result.stderr
    check = run("check", cwd=tree)
    assert check.returncode == 1
    assert not (tree / "v.db").exists()  # validation runs before the database is opened


def test_check_accepts_the_shipped_content() -> None:
    result = run("check", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "catalogs: ar, es, fr" in result.stderr


def test_openapi_command_writes_the_served_contract(tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    result = run("openapi", "--output", str(out), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert out.read_text() == (ROOT / "openapi.yaml").read_text()
