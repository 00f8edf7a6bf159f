"""Where a file stands against an article's published history: current, new, or behind."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from api.core.model import Article, Paragraph, Section
from api.core.provenance import Behind, behind_published


def _article(title: str = "T", p1: str = "one", p2: str = "two", extra: bool = False) -> Article:
    blocks = [Paragraph(id="p1", text=p1), Paragraph(id="p2", text=p2)]
    if extra:
        blocks.append(Paragraph(id="p3", text="three"))
    return Article(slug="a", title=title, sections=(Section(id="s", blocks=tuple(blocks)),))


V1 = _article()
V2 = _article(p1="one, corrected")
V3 = _article(p1="one, corrected", extra=True)
HISTORY = [(1, V1), (2, V2), (3, V3)]


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (V3, None),  # the head itself
        (_article(p1="one, corrected", p2="two, edited", extra=True), None),  # a new edit
        (_article(title="New", p1="one, corrected"), None),  # drops a block: a proposal
        (V1, Behind(version=1, head=3)),  # an old checkout
        (V2, Behind(version=2, head=3)),
        (_article(p2="two, edited"), Behind(version=1, head=3, piece="s/p1")),  # based on v1
        (replace(V3, title="T"), None),
    ],
)
def test_behind_published(file: Article, expected: Behind | None) -> None:
    assert behind_published(file, HISTORY) == expected


def test_text_restored_by_a_later_version_is_current() -> None:
    history = [(1, V1), (2, V2), (3, replace(V1, title="Back"))]
    assert behind_published(_article(title="Back", p2="edited"), history) is None
    assert behind_published(V2, history) == Behind(version=2, head=3)


def test_no_history_is_never_behind() -> None:
    assert behind_published(V1, []) is None


def test_explanations_name_the_file_and_both_versions() -> None:
    file = "content/articles/a.yaml"
    assert Behind(version=1, head=3).explain(file) == (
        "content/articles/a.yaml is version 1; the database has published up to version 3: "
        "nothing stored"
    )
    assert "is based on version 1 (s/p1 has version 1's text, replaced since)" in Behind(
        version=1, head=3, piece="s/p1"
    ).explain(file)
