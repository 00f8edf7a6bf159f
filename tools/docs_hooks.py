"""The documentation site's generated parts, filled in at build time (a MkDocs hook).

A page asks for a generated part with a marker on a line of its own,
`<!-- generated: NAME -->`; the build replaces it with Markdown made from the code or the
data it documents, so the page cannot drift from them:

- `cli`: every `vetted` subcommand's `--help` (from `api.cli.build_parser`);
- `settings`: the settings table (from `api.config.SETTINGS`);
- `problems`: the problem types (from `api.web.problems.PROBLEM_TYPES`);
- `routes`: every operation of `openapi.yaml`;
- `performance`: the latest `make bench` run and the trend over `bench/history/*.json`;
- `changelog`: the top-level `CHANGELOG.md`.

An unknown name fails the build. `python -m tools.docs_hooks NAME` prints one part."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "bench" / "history"
MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.M)
HELP_COLUMNS = "96"

__all__ = ["GENERATORS", "bench_runs", "generate", "on_page_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def cli_reference() -> str:
    """Each subcommand's `--help`, as `vetted SUBCOMMAND --help` prints it."""
    from api.cli import build_parser

    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_COLUMNS  # argparse wraps to the terminal: fix the width
    try:
        parser = build_parser()
        parts = ["```text", "$ vetted --help", parser.format_help().rstrip(), "```"]
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for name, sub in commands.choices.items():
            helps = sub.format_help().rstrip()
            parts += ["", f"## `vetted {name}`", "", "```text", f"$ vetted {name} --help"]
            parts += [helps, "```"]
            for nested in sub._actions:
                if isinstance(nested, argparse._SubParsersAction):
                    for inner, subsub in nested.choices.items():
                        parts += ["", f"### `vetted {name} {inner}`", "", "```text"]
                        parts += [f"$ vetted {name} {inner} --help"]
                        parts += [subsub.format_help().rstrip(), "```"]
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before
    return "\n".join(parts)


def settings_reference() -> str:
    """The settings of `vetted serve`: flag, environment variable, default, meaning."""
    from api.config import SETTINGS

    rows = ["| flag | environment variable | default | meaning |", "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        rows.append(f"| `{s.flag}` | `{s.env}` | `{_cell(s.default)}` | {_cell(s.meaning)} |")
    return "\n".join(rows)


def problems_reference() -> str:
    """Every problem `type` the server sends, with its status, title and meaning."""
    from api.web.problems import PROBLEM_TYPES

    rows = ["| `type` | status | title | meaning |", "| --- | ---: | --- | --- |"]
    for name, problem in sorted(PROBLEM_TYPES.items(), key=lambda item: (item[1].status, item[0])):
        rows.append(
            f"| `/problems/{name}` | {problem.status} | {_cell(problem.title)} "
            f"| {_cell(problem.meaning)} |"
        )
    return "\n".join(rows)


def routes_reference() -> str:
    """Every operation of the contract, grouped by its first tag."""
    contract = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    groups: dict[str, list[str]] = {}
    for path, item in contract["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "delete", "patch", "head"}:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            codes = ", ".join(sorted(str(code) for code in operation.get("responses", {})))
            auth = "public" if operation.get("security") == [] else "bearer token"
            groups.setdefault(tag, []).append(
                f"| `{method.upper()} {path}` | `{operation.get('operationId', '')}` "
                f"| {_cell(operation.get('summary', ''))} | {auth} | {codes} |"
            )
    parts = []
    for tag in sorted(groups):
        parts += [f"## {tag}", "", "| route | operation | summary | access | statuses |"]
        parts += ["| --- | --- | --- | --- | --- |", *groups[tag], ""]
    return "\n".join(parts).rstrip()


def bench_runs() -> list[dict[str, Any]]:
    """Every kept `make bench` run, oldest first."""
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(HISTORY.glob("*.json"))]
    return sorted(runs, key=lambda run: str(run["date"]))


def _row(run: dict[str, Any], label: str) -> dict[str, Any] | None:
    for row in run.get("rows", []):
        if row.get("label") == label:
            result: dict[str, Any] = row["result"]
            return result
    return None


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _soak() -> list[str]:
    """The last `make soak` (kept in bench/results.json), with its own date."""
    results = ROOT / "bench" / "results.json"
    soak = json.loads(results.read_text(encoding="utf-8")).get("soak") if results.exists() else None
    if not soak:
        return []
    errors = len(soak.get("publish_errors", []))
    return [
        "",
        f"### The last soak: {soak['date']}",
        "",
        "| seconds | workers | requests/s | p99 ms | non-2xx/3xx | publishes (errors) "
        "| RSS start → end MB | growth MB (bound) |",
        "| ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
        f"| {soak['seconds']} | {soak['server_workers']} | {_number(soak['requests_per_s'])} "
        f"| {soak['p99_ms']} | {soak['non_2xx_3xx']} | {soak['publishes']} ({errors}) "
        f"| {soak['rss_start_mb']} → {soak['rss_end_mb']} "
        f"| {soak['rss_growth_mb']} ({soak['rss_growth_bound_mb']}) |",
    ]


def _when(run: dict[str, Any]) -> str:
    return str(run["date"]).removesuffix(" UTC")


def _change_costs(run: dict[str, Any]) -> list[str]:
    """Publishing one article and approving one catalog entry, on each corpus."""
    costs = run.get("change_costs") or []
    if not costs:
        return []
    lines = [
        "| change | articles | p50 ms | max ms | runs | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for cost in costs:
        bound = 300 if cost["articles"] <= 1000 else 500
        if cost.get("note"):
            lines.append(
                f"| {cost['kind']} | {cost['articles']:,} | – | – | 0 | n/a ({cost['note']}) |"
            )
            continue
        verdict = "PASS" if cost["runs"] and cost["p50_ms"] <= bound else "MISS"
        lines.append(
            f"| {cost['kind']} | {cost['articles']:,} | {cost['p50_ms']} | {cost['max_ms']} "
            f"| {cost['runs']} | <= {bound}: {verdict} |"
        )
    return [*lines, ""]


def performance_reference() -> str:
    """The latest run's tables as `make bench` printed them, and each row across runs."""
    runs = bench_runs()
    if not runs:
        return "No `make bench` run is kept in `bench/history/` yet."
    latest = runs[-1]
    wrk = latest.get("wrk", {})
    lines = [
        f"### The latest run: {latest['date']}",
        "",
        f"{latest.get('machine', {}).get('cores', '?')} cores, "
        f"{latest.get('machine', {}).get('python', 'interpreter not recorded')}; "
        f"wrk `-t{wrk.get('threads')} -c{wrk.get('connections')}`, "
        f"{wrk.get('seconds')} s a run, {latest.get('rounds', '?')} rounds "
        f"(each row the median), servers with {latest.get('server_workers', '?')} workers; "
        f"the whole run took {latest.get('run_seconds', '?')} s.",
        "",
        latest["table"],
        "",
        latest["targets_table"],
        "",
    ]
    imported = latest.get("import")
    if imported:
        lines += [
            f"Import of {imported['articles']:,} articles × {imported['locales']} locales: "
            f"{imported['seconds']} s, peak RSS {imported['peak_rss_mb']} MB, "
            f"database {imported['db_mb']} MB.",
            "",
        ]
    large = latest.get("import_large")
    if large:
        imported = large
        lines += [
            f"Import of {imported['articles']:,} articles × {imported['locales']} locales: "
            f"{imported['seconds']} s, peak RSS {imported['peak_rss_mb']} MB, "
            f"database {imported['db_mb']} MB.",
            "",
        ]
    lines += _change_costs(latest)
    labels = list(dict.fromkeys(row["label"] for run in runs for row in run.get("rows", [])))
    lines += [
        "### Each row across runs: requests/s (p99 ms)",
        "",
        f"{len(runs)} runs kept, oldest first. A dash: the row was not measured in that run.",
        "",
        "| row | " + " | ".join(_when(run) for run in runs) + " |",
        "| --- | " + " | ".join("---:" for _ in runs) + " |",
    ]
    for label in labels:
        cells = []
        for run in runs:
            result = _row(run, label)
            cells.append(
                "–"
                if result is None
                else f"{_number(result['requests_per_s'])} ({_number(result['p99_ms'], 2)})"
            )
        lines.append(f"| {_cell(label)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "### The import across runs",
        "",
        "| run | articles × locales | seconds | peak RSS MB | database MB | interpreter |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        imported = run.get("import") or {}
        python = run.get("machine", {}).get("python", "not recorded")
        if imported:
            lines.append(
                f"| {run['date']} | {imported.get('articles', 0):,} × {imported.get('locales')} "
                f"| {imported.get('seconds')} | {imported.get('peak_rss_mb')} "
                f"| {imported.get('db_mb')} | {python} |"
            )
    lines += _soak()
    lines += ["", "### Each target across runs", ""]
    names = list(dict.fromkeys(t["name"] for run in runs for t in run.get("targets", [])))
    for name in names:
        found = [(run, t) for run in runs for t in run.get("targets", []) if t["name"] == name]
        bound = found[-1][1]
        sign = ">=" if bound["at_least"] else "<="
        values = sorted(t["value"] for _, t in found if t["value"] is not None)
        met = sum(1 for _, t in found if t["met"])
        summary = f"Met in {met} of {len(found)} runs"
        if values:
            worst = values[0] if bound["at_least"] else values[-1]
            middle = len(values) // 2
            median = values[middle] if len(values) % 2 else sum(values[middle - 1 : middle + 1]) / 2
            summary += f"; median {median:.2f}, worst {worst:.2f}"
        lines += [
            f"#### {name} {sign} {bound['bound']:g}",
            "",
            summary + ".",
            "",
            "| run | measured | bound | |",
            "| --- | ---: | ---: | --- |",
        ]
        for run, target in found:
            verdict = "PASS" if target["met"] else "MISS"
            value = "–" if target["value"] is None else f"{target['value']:.2f}"
            lines.append(f"| {run['date']} | {value} | {sign} {target['bound']:g} | {verdict} |")
        lines.append("")
    return "\n".join(lines).rstrip()


def changelog() -> str:
    """The top-level CHANGELOG.md, without its own title (the page has one)."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.sub(r"\A# [^\n]*\n+", "", text).replace("](docs/", "](")


GENERATORS: dict[str, Callable[[], str]] = {
    "cli": cli_reference,
    "settings": settings_reference,
    "problems": problems_reference,
    "routes": routes_reference,
    "performance": performance_reference,
    "changelog": changelog,
}


def generate(markdown: str) -> str:
    """The page with every marker replaced by its generated part."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise ValueError(f"unknown generated part {name!r}; known: {sorted(GENERATORS)}")
        return GENERATORS[name]()

    return MARKER.sub(fill, markdown)


def on_page_markdown(markdown: str, **_: object) -> str:
    """MkDocs hook: fill the page's generated parts."""
    return generate(markdown)


if __name__ == "__main__":
    sys.stdout.write(GENERATORS[sys.argv[1]]() + "\n")
