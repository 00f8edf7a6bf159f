"""Rolling an article back to an earlier version: what it brings back and what it undoes.

A rollback to version N brings back N's article and the treatment records of that article
as they were published beside N (each version names its set of records). Records of other
articles stay as they are now: a rollback of one article never undoes another's review.
Records of the article removed since N come back; records added since N go.
"""

from __future__ import annotations

from collections.abc import Iterable

from api.core.changes import FieldChange
from api.core.model import Article, Treatment, TreatmentCatalog, is_safety, walk_sections

__all__ = ["restored_treatments", "safety_units", "undone_changes"]


def restored_treatments(
    slug: str, target: TreatmentCatalog, current: TreatmentCatalog
) -> TreatmentCatalog:
    """The records as a rollback of `slug` publishes them: `slug`'s records as in `target`
    (the set published beside the version rolled back to), every other article's as in
    `current`. In `target`'s order, so that a rollback restores that version's records
    byte for byte; another article's records added since follow the record they follow
    now."""
    now = {t.id: t for t in current.treatments}
    out: list[Treatment] = []
    for record in target.treatments:
        if record.article == slug:
            out.append(record)
        elif record.id in now and now[record.id].article != slug:
            out.append(now[record.id])
    placed = {t.id for t in out}
    previous: str | None = None
    for record in current.treatments:
        if record.article != slug and record.id not in placed:
            at = next((i + 1 for i, t in enumerate(out) if t.id == previous), 0)
            out.insert(at, record)
            placed.add(record.id)
        if record.id in placed:
            previous = record.id
    return TreatmentCatalog(treatments=tuple(out))


def safety_units(*articles: Article) -> frozenset[str]:
    """The units (`block:<section>/<block>`) of the safety-bearing blocks of `articles`."""
    return frozenset(
        f"block:{section.id}/{block.id}"
        for article in articles
        for section in walk_sections(article.sections)
        for block in section.blocks
        if is_safety(block)
    )


def undone_changes(
    changes: Iterable[FieldChange], undone: frozenset[str], safety: frozenset[str]
) -> tuple[tuple[str, ...], bool]:
    """Which of one version's `changes` a rollback undoes (those among the units it
    changes, `undone`), and whether one of them is safety-bearing: a block in `safety`, or
    a treatment record."""
    fields = tuple(c.field for c in changes if c.field in undone)
    return fields, any(f in safety or f.startswith("treatment:") for f in fields)
