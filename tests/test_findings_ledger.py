"""The findings ledger (docs/decisions/findings/) accounts for every finding of the outside
reviews of 2026-12-07 (kept verbatim in tests/data/reviews/2026-12-07/): each finding a
review defines has a row, each row is closed by a test, closed by a written decision, or
open, and every test node id and docs page or heading a row names exists."""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify

from tests.conftest import ROOT

REVIEWS = ROOT / "tests" / "data" / "reviews" / "2026-12-07"
LEDGER = ROOT / "docs" / "decisions" / "findings"
DOCS = ROOT / "docs"

# The review file whose findings each ledger page holds (the source check of the medical
# review re-examines E1-E10 and is accounted for on the medical review's page).
PAGES = {
    "medical-review.md": "medical-review.md",
    "medical-sources.md": "medical-review.md",
    "security-probe.md": "security-probe.md",
    "partner-integration.md": "partner-integration.md",
    "workspace-walk.md": "workspace-walk.md",
    "code-review.md": "code-review.md",
}
# How many findings each review states it has (its own summary), so that a parser that
# stops finding them fails here rather than passing on an empty set.
COUNTS = {
    "medical-review.md": 32,  # 2 critical + 11 major + 19 minor
    "medical-sources.md": 10,  # E1-E10
    "security-probe.md": 14,  # D1-D14
    "partner-integration.md": 23,  # H1-H2, M1-M4, L1-L9, and the partner's asks P1-P8
    "workspace-walk.md": 10,
    "code-review.md": 10,  # the top findings
}
STATUSES = ("closed by test", "closed by decision", "open")
NODE = re.compile(r"`(tests/[\w/]+\.py)((?:::\w+)+)`")
LINK = re.compile(r"\]\(([^)\s#]+\.md)(?:#([^)\s]+))?\)")


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def review_findings(name: str) -> list[str]:
    """The finding ids a review file defines, in its order."""
    text = (REVIEWS / name).read_text(encoding="utf-8")
    if name == "medical-review.md":
        return re.findall(r"^\*\*([A-Z]{1,2}-?\d+) \((?:critical|major|minor)\)", text, re.M)
    if name == "medical-sources.md":
        return re.findall(r"^## (E\d+) \u2014 ", text, re.M)
    if name == "security-probe.md":
        return re.findall(r"^### (D\d+)\. ", text, re.M)
    if name == "partner-integration.md":
        ids = re.findall(r"^(?:\* )?\*\*([HML]\d+)\.(?:\*\*)? ", text, re.M)
        asks = _section(text, "## What a partner would ask for next")
        return ids + [f"P{n}" for n in re.findall(r"^(\d+)\. \*\*", asks, re.M)]
    if name == "workspace-walk.md":
        return re.findall(r"^### (\d+)\. ", text, re.M)
    if name == "code-review.md":
        top = _section(text, "## Top findings")
        return re.findall(r"^(\d+)\. \*\*", top, re.M)
    raise AssertionError(f"no parser for {name}")


@dataclass(frozen=True)
class Row:
    page: str
    finding: str
    status: str
    where: str

    @property
    def nodes(self) -> list[tuple[str, str]]:
        return [(path, names) for path, names in NODE.findall(self.where)]

    @property
    def links(self) -> list[tuple[str, str]]:
        return LINK.findall(self.where)


def ledger_rows(page: Path) -> list[Row]:
    """The rows of a ledger page's tables: finding, summary, status, where."""
    rows = []
    for line in page.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 4 or cells[0] in ("finding", "---"):
            continue
        rows.append(Row(page.name, cells[0], cells[2], cells[3]))
    return rows


ALL_ROWS = [row for page in sorted(set(PAGES.values())) for row in ledger_rows(LEDGER / page)]


def _anchors(page: Path) -> set[str]:
    """The ids MkDocs gives the page's headings (the same `toc` slugify)."""
    anchors, fenced = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6} (.+?)\s*#*$", line)):
            anchors.add(slugify(m.group(1), "-"))
    return anchors


@pytest.mark.parametrize("review", sorted(PAGES))
def test_every_finding_of_the_review_has_one_row_in_its_ledger(review: str) -> None:
    defined = review_findings(review)
    assert len(defined) == COUNTS[review], defined
    assert len(set(defined)) == len(defined), defined
    listed = [row.finding for row in ledger_rows(LEDGER / PAGES[review])]
    missing = [f for f in defined if f not in listed]
    assert missing == [], f"{PAGES[review]} has no row for {missing}"


@pytest.mark.parametrize("page", sorted(set(PAGES.values())))
def test_every_row_is_a_finding_of_its_reviews_listed_once(page: str) -> None:
    defined = {f for review, p in PAGES.items() if p == page for f in review_findings(review)}
    listed = [row.finding for row in ledger_rows(LEDGER / page)]
    assert [f for f in listed if f not in defined] == []
    assert sorted(f for f in set(listed) if listed.count(f) > 1) == []


def test_every_row_says_how_it_is_closed() -> None:
    assert ALL_ROWS
    for row in ALL_ROWS:
        where = (row.page, row.finding)
        assert row.status in STATUSES, where
        if row.status == "closed by test":
            assert row.nodes, f"{where}: closed by test names no test"
        elif row.status == "closed by decision":
            assert row.links, f"{where}: closed by decision names no docs page"
        else:
            assert len(row.where) > 20, f"{where}: an open finding says what is missing"


def _defined(path: Path, names: list[str]) -> bool:
    """Whether the module's source defines the test (a class's method through the class),
    read with `ast` as collection reads the module, without running its imports."""
    scope: list[ast.stmt] = ast.parse(path.read_text(encoding="utf-8")).body
    for depth, name in enumerate(names):
        last = depth == len(names) - 1
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef) if last else (ast.ClassDef,)
        found = next((n for n in scope if isinstance(n, kinds) and n.name == name), None)
        if found is None:
            return False
        scope = found.body
    return True


def test_every_cited_test_exists() -> None:
    """Each node id names a test function its module defines; one the source does not
    define (say, imported from another module) is looked up by importing the module."""
    cited = {node for row in ALL_ROWS for node in row.nodes}
    assert len(cited) > 50
    for path, ids in sorted(cited):
        names = ids.strip(":").split("::")
        assert names[-1].startswith("test"), path + ids
        assert (ROOT / path).is_file(), path
        if _defined(ROOT / path, names):
            continue
        target: object = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        for name in names:
            target = getattr(target, name, None)
            assert target is not None, f"{path}{ids} does not exist"
        assert callable(target), path + ids


def test_a_cited_test_that_is_not_defined_is_found_out() -> None:
    path = ROOT / "tests" / "test_findings_ledger.py"
    assert _defined(path, ["test_every_cited_test_exists"])
    assert not _defined(path, ["test_no_such_test"])
    assert not _defined(path, ["Missing", "test_every_cited_test_exists"])


def test_every_cited_page_and_heading_exists() -> None:
    cited = {(row.page, link) for row in ALL_ROWS for link in row.links}
    assert cited
    for page, (target, anchor) in sorted(cited):
        resolved = (LEDGER / target).resolve()
        assert resolved.is_file() and resolved.is_relative_to(DOCS.resolve()), (page, target)
        if anchor:
            assert anchor in _anchors(resolved), f"{page}: {target} has no heading #{anchor}"


def test_the_index_links_every_ledger_page() -> None:
    index = (LEDGER / "index.md").read_text(encoding="utf-8")
    linked = {target for target, _ in LINK.findall(index)}
    assert linked >= set(PAGES.values())


def test_a_review_finding_missing_from_the_ledger_fails_the_check(tmp_path: Path) -> None:
    """The check can fail: a ledger without D7's row is found out."""
    page = (LEDGER / "security-probe.md").read_text(encoding="utf-8")
    without = "\n".join(line for line in page.splitlines() if not line.startswith("| D7 |"))
    assert without != page
    (tmp_path / "security-probe.md").write_text(without, encoding="utf-8")
    listed = {row.finding for row in ledger_rows(tmp_path / "security-probe.md")}
    assert set(review_findings("security-probe.md")) - listed == {"D7"}
