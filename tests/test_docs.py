"""The documentation site's generated parts say what the code and the data say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from api.cli import build_parser
from api.config import SETTINGS
from api.web.problems import PROBLEM_TYPES
from bench.run import RESULTS, history_path, write_results
from tests.conftest import ROOT
from tools.docs_hooks import GENERATORS, bench_runs, generate


def test_every_subcommand_has_its_help_on_the_cli_page() -> None:
    page = GENERATORS["cli"]()
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands is not None
    for name, sub in commands.items():
        assert f"$ vetted {name} --help" in page
        assert sub.format_usage().split()[1] == "vetted"
    assert "$ vetted token create --help" in page


def test_every_setting_problem_and_operation_is_generated() -> None:
    settings = GENERATORS["settings"]()
    assert all(f"| `{s.flag}` | `{s.env}` |" in settings for s in SETTINGS)
    problems = GENERATORS["problems"]()
    assert all(
        f"`/problems/{name}` | {p.status} |" in problems for name, p in PROBLEM_TYPES.items()
    )
    routes = GENERATORS["routes"]()
    contract = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    operations = [
        op["operationId"]
        for item in contract["paths"].values()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert operations and all(f"`{name}`" in routes for name in operations)


def test_every_kept_bench_run_is_named_by_its_date_and_shown() -> None:
    runs = bench_runs()
    assert len(runs) >= 12
    files = sorted((ROOT / "bench" / "history").glob("*.json"))
    for path in files:
        run = json.loads(path.read_text(encoding="utf-8"))
        assert history_path(run["date"]) == path
        assert "soak" not in run
    page = GENERATORS["performance"]()
    assert all(f"| {run['date']} |" in page for run in runs)
    assert f"### The latest run: {runs[-1]['date']}" in page


def test_the_latest_results_are_kept_in_the_history() -> None:
    latest = json.loads(RESULTS.read_text(encoding="utf-8"))
    latest.pop("soak", None)
    kept = json.loads(history_path(latest["date"]).read_text(encoding="utf-8"))
    kept.pop("recorded_in", None)
    assert kept == latest


def test_a_new_run_is_written_as_the_latest_and_kept_beside_the_others(tmp_path: Path) -> None:
    history = tmp_path / "history"
    history.mkdir()
    (history / "2026-11-27T2132Z.json").write_text("{}")
    latest = tmp_path / "results.json"
    run = {"date": "2026-12-07 19:30 UTC", "rows": [], "soak": {"date": "2026-11-25 15:32 UTC"}}
    kept = write_results(run, latest, history)
    assert kept == history / "2026-12-07T1930Z.json"
    assert json.loads(latest.read_text()) == run
    assert json.loads(kept.read_text()) == {"date": "2026-12-07 19:30 UTC", "rows": []}
    assert sorted(p.name for p in history.iterdir()) == ["2026-11-27T2132Z.json", kept.name]


def test_an_unknown_generated_part_fails_the_build() -> None:
    assert generate("a\n<!-- generated: settings -->\nb").startswith("a\n| flag |")
    with pytest.raises(ValueError, match="unknown generated part 'nope'"):
        generate("<!-- generated: nope -->")


def test_the_navigation_is_built_from_the_folders() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "\nnav:" not in config
    assert "awesome-nav" in config


def test_every_link_of_the_readme_and_the_changelog_names_a_file_that_exists() -> None:
    """The site's build checks the links of docs/; these two files live outside it."""
    missing = []
    for name in ("README.md", "CHANGELOG.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" not in target and not (ROOT / target).exists():
                missing.append(f"{name}: {target}")
    assert missing == []
