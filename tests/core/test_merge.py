"""Three-way merge of articles: one side's change wins, both sides' changes conflict."""

from __future__ import annotations

from msgspec.structs import replace

from api.core.merge import merge_articles
from api.core.model import Article, Paragraph, Section
from api.sources import ContentSet


def _edit(article: Article, section: int, block: int, text: str) -> Article:
    sections = list(article.sections)
    blocks = list(sections[section].blocks)
    blocks[block] = replace(blocks[block], text=text)  # type: ignore[type-var]
    sections[section] = replace(sections[section], blocks=tuple(blocks))
    return replace(article, sections=tuple(sections))


def _add(article: Article, section: int, block: Paragraph) -> Article:
    sections = list(article.sections)
    sections[section] = replace(sections[section], blocks=(*sections[section].blocks, block))
    return replace(article, sections=tuple(sections))


def test_changes_on_different_blocks_merge(content: ContentSet) -> None:
    base = content.articles[0]
    head = _edit(base, 0, 0, "The correction.")
    draft = replace(_edit(base, 2, 0, "The editor's change."), title="A new title")
    result = merge_articles(base, draft, head)
    assert result.conflicts == ()
    assert result.article == replace(_edit(head, 2, 0, "The editor's change."), title="A new title")


def test_a_draft_from_an_old_read_does_not_undo_the_correction(content: ContentSet) -> None:
    base = content.articles[0]
    head = _edit(base, 0, 0, "The correction.")
    draft = _add(base, 2, Paragraph(id="p99", text="Added."))
    merged = merge_articles(base, draft, head).article
    assert merged is not None
    assert merged.sections[0].blocks[0].text == "The correction."  # type: ignore[union-attr]
    assert merged.sections[2].blocks[-1] == Paragraph(id="p99", text="Added.")


def test_the_same_block_changed_on_both_sides_is_a_conflict(content: ContentSet) -> None:
    base = content.articles[0]
    old = base.sections[0].blocks[0].text  # type: ignore[union-attr]
    result = merge_articles(base, _edit(base, 0, 0, "Mine."), _edit(base, 0, 0, "Theirs."))
    assert result.article is None
    (conflict,) = result.conflicts
    section = base.sections[0]
    assert conflict.unit == f"block:{section.id}/{section.blocks[0].id}"
    assert old in (conflict.base or "") and "Mine." in (conflict.draft or "")
    assert "Theirs." in (conflict.head or "")


def test_the_same_change_on_both_sides_is_no_conflict(content: ContentSet) -> None:
    base = content.articles[0]
    same = _edit(base, 0, 0, "Same.")
    assert merge_articles(base, same, same).article == same


def test_a_block_removed_on_one_side_and_edited_on_the_other_conflicts(
    content: ContentSet,
) -> None:
    base = content.articles[0]
    section = base.sections[0]
    removed = replace(
        base, sections=(replace(section, blocks=section.blocks[1:]), *base.sections[1:])
    )
    result = merge_articles(base, _edit(base, 0, 0, "Edited."), removed)
    assert [c.unit for c in result.conflicts] == [f"block:{section.id}/{section.blocks[0].id}"]


def test_blocks_added_to_one_section_on_both_sides_conflict_on_its_order(
    content: ContentSet,
) -> None:
    base = content.articles[0]
    ours = _add(base, 0, Paragraph(id="p98", text="Ours."))
    theirs = _add(base, 0, Paragraph(id="p97", text="Theirs."))
    result = merge_articles(base, ours, theirs)
    assert [c.unit for c in result.conflicts] == [f"blocks:{base.sections[0].id}"]


def test_sections_survive_the_round_trip(content: ContentSet) -> None:
    article = content.articles[0]
    assert any(s.sections for s in article.sections), "the article has nested sections"
    assert merge_articles(article, article, article).article == article
    nested = next(s for s in article.sections if s.sections)
    assert isinstance(nested, Section)


def test_the_author_resolves_conflicts_block_by_block(content: ContentSet) -> None:
    base = content.articles[0]
    draft = _edit(_edit(base, 0, 0, "Mine."), 0, 1, "Mine too.")
    head = _edit(_edit(base, 0, 0, "Theirs."), 0, 1, "Theirs too.")
    first, second = (f"block:{base.sections[0].id}/{b.id}" for b in base.sections[0].blocks[:2])
    assert len(merge_articles(base, draft, head, {first: "draft"}).conflicts) == 1
    resolved = merge_articles(base, draft, head, {first: "draft", second: "head"}).article
    assert resolved == _edit(_edit(base, 0, 0, "Mine."), 0, 1, "Theirs too.")


def test_a_conflict_resolved_to_a_combined_text(content: ContentSet) -> None:
    """Issue 25 point 6 (walk finding 6): neither side, but the text the author wrote
    combining both edits."""
    from api.core.merge import Combined

    base = content.articles[0]
    head = _edit(base, 0, 0, "Published: 1 mg.")
    draft = _edit(base, 0, 0, "Drafted: a dose.")
    unit = f"block:{base.sections[0].id}/{base.sections[0].blocks[0].id}"
    assert [c.unit for c in merge_articles(base, draft, head).conflicts] == [unit]
    both = replace(base.sections[0].blocks[0], text="Both: a dose of 1 mg.")  # type: ignore[type-var]
    merged = merge_articles(base, draft, head, {unit: Combined(both)}).article
    assert merged == _edit(base, 0, 0, "Both: a dose of 1 mg.")


def test_the_sections_a_draft_touches(content: ContentSet) -> None:
    from api.core.merge import touched_sections

    base = content.articles[0]
    assert touched_sections(base, base) == frozenset()
    first, third = base.sections[0].id, base.sections[2].id
    edited = _add(_edit(base, 0, 0, "Changed."), 2, Paragraph(id="p99", text="Added."))
    assert touched_sections(base, edited) == {first, third}
