"""The reviewed history of an article as the repository keeps it (`content/history/<slug>/`).

The current article file is the latest reviewed version. Each earlier version is kept whole
(`<n>/article.yaml`, with the treatment records published beside it in
`<n>/treatments.yaml`), and `log.yaml` names, for every version in order, who wrote it, who
reviewed it, when, why, and for a correction each changed block with its reason and the
references it rests on. An empty database replays the history on import, so version 1
stays the source, verbatim, forever, and every later version keeps its people and date.

The rules checked here, once for every path that reads a history:
- versions are numbered 1, 2, … in order, and only the last is the current file;
- every version names an author and a different reviewer (the review rule itself);
- every block whose text or safety marking differs from the version before is listed in
  `changes` with a reason, and a change of text cites at least one reference of the new
  version's reference list (a block listed but unchanged is refused too).

What a change of text must cite is one rule (`needing_citation`), here for the repository and
at the door of every draft (`check_cited_changes`), so a version published in the workspace
exports a history that imports again: in an article with a reference list, a block whose
text changes cites a reference, unless its new text is one an earlier version published
(a rollback brings back reviewed text with the references it had then).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from api.core.access import Principal, Target, may
from api.core.errors import ValidationFailed
from api.core.evidence import unnamed_forms
from api.core.messages import block_fields
from api.core.model import (
    Article,
    BlockPath,
    Cites,
    PersonName,
    Section,
    Slug,
    Text,
    TreatmentCatalog,
    is_safety,
    walk_sections,
)

__all__ = [
    "ArticleHistory",
    "BlockChange",
    "HistoryLog",
    "LoggedVersion",
    "RecordChange",
    "block_differences",
    "check_cited_changes",
    "check_history",
    "derived_entry",
]

Name = PersonName
Timestamp = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
        description="When the version was published (RFC 3339, UTC).",
    ),
]


class BlockChange(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """One block a version changed (or added), with why and on what sources."""

    block: BlockPath
    findings: Text | None = None
    """The review findings the change answers (e.g. `E1, RV-4`)."""
    reason: Text
    cites: Cites = ()


class RecordChange(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """One treatment record a version changed, with why."""

    treatment: Slug
    findings: Text | None = None
    reason: Text
    cites: Cites = ()


class LoggedVersion(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """One published version as the log names it."""

    number: Annotated[int, msgspec.Meta(ge=1)]
    author: Name
    coauthors: tuple[Name, ...] = ()
    """Everyone else who wrote a revision of the draft this version was published from."""
    reviewer: Name
    published: Timestamp
    message: Text
    review_record: Text | None = None
    """Where the review of this version is written down."""
    changes: tuple[BlockChange, ...] = ()
    records: tuple[RecordChange, ...] = ()

    @property
    def authors(self) -> tuple[str, ...]:
        """Everyone who wrote the version: the review rule compares its reviewer with each."""
        return (self.author, *self.coauthors)


class HistoryLog(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`content/history/<slug>/log.yaml`."""

    history: Slug
    """The article's slug."""
    versions: tuple[LoggedVersion, ...]


class ArticleHistory(msgspec.Struct, frozen=True, kw_only=True):
    """An article's history read from the files: the log, and the content of every version
    (the last is the current article file and treatment records)."""

    log: HistoryLog
    articles: tuple[Article, ...]
    treatments: tuple[TreatmentCatalog, ...]


def block_differences(old: Article, new: Article) -> list[str]:
    """`<section>/<block>` of every text block of `new` whose text or safety marking differs
    from `old` (or that `old` does not have), in document order."""
    before = {
        f"{s.id}/{b.id}": (tuple(t for _, t in block_fields(b)), is_safety(b))
        for s in walk_sections(old.sections)
        for b in s.blocks
    }
    out = []
    for section in walk_sections(new.sections):
        for block in section.blocks:
            fields = block_fields(block)
            if not fields:
                continue
            path = f"{section.id}/{block.id}"
            if before.get(path) != (tuple(t for _, t in fields), is_safety(block)):
                out.append(path)
    return out


def _texts(article: Article) -> dict[str, tuple[str, ...]]:
    """The text fields of every text block, by `<section>/<block>`."""
    return {
        f"{s.id}/{b.id}": tuple(t for _, t in fields)
        for s in walk_sections(article.sections)
        for b in s.blocks
        if (fields := block_fields(b))
    }


def needing_citation(
    old: Article, new: Article, earlier: tuple[Article, ...] = ()
) -> frozenset[str]:
    """The blocks (`<section>/<block>`) whose change from `old` to `new` must cite a
    reference: those whose text changed, when `new` has a reference list to cite from,
    unless the new text is one `old` or an earlier version (`earlier`) published."""
    if not new.references:
        return frozenset()
    now = _texts(new)
    before = [_texts(article) for article in (old, *earlier)]
    return frozenset(
        path
        for path, text in now.items()
        if before[0].get(path) != text and not any(t.get(path) == text for t in before)
    )


def check_cited_changes(
    old: Article, new: Article, earlier: tuple[Article, ...] = (), prefix: str = "$"
) -> None:
    """A draft's text changes against the version it was made from (`old`), at the door:
    ValidationFailed naming the first block whose text changed without citing a reference
    where `needing_citation` says it must (its reason is the draft's message); its path is
    under `prefix`, the article's place in the request."""
    cites = {
        f"{s.id}/{b.id}": (si, bi, getattr(b, "cites", ()))
        for si, s in _indexed_sections(new)
        for bi, b in enumerate(s.blocks)
    }
    needed = needing_citation(old, new, earlier)
    for path in block_differences(old, new):
        if path not in needed:
            continue
        where, index, cited = cites[path]
        if not cited:
            raise ValidationFailed(
                f"block {path} changes medical text without citing a reference: list the "
                "ids of the references it rests on in its `cites` (the draft's message is "
                "its reason)",
                path=f"{prefix}{where}.blocks[{index}].cites",
            )


def _indexed_sections(article: Article) -> list[tuple[str, Section]]:
    """Every section with its JSON path below the article (`.sections[0].sections[1]`),
    in document order."""
    out: list[tuple[str, Section]] = []

    def visit(sections: tuple[Section, ...], prefix: str) -> None:
        for i, section in enumerate(sections):
            where = f"{prefix}[{i}]"
            out.append((where, section))
            visit(section.sections, f"{where}.sections")

    visit(article.sections, ".sections")
    return out


def check_history(history: ArticleHistory, file: str) -> None:
    """ValidationFailed (naming `file` and the field) unless the history keeps the rules in
    the module's docstring."""
    log = history.log
    if len(history.articles) != len(log.versions):
        raise ValidationFailed(
            f"the log lists {len(log.versions)} versions but {len(history.articles)} are kept",
            file=file,
            path="$.versions",
        )
    for n, entry in enumerate(log.versions):
        where = f"$.versions[{n}]"
        if entry.number != n + 1:
            raise ValidationFailed(
                f"version {entry.number} is listed as the {n + 1}th: number them 1, 2, …",
                file=file,
                path=where + ".number",
            )
        article = history.articles[n]
        if article.slug != log.history:
            raise ValidationFailed(
                f"version {entry.number} is of {article.slug!r}, not {log.history!r}",
                file=file,
                path=where,
            )
        refusal = may(
            Principal(name=entry.reviewer, role="reviewer"),
            "draft.review",
            Target.source(entry.authors, f"version {entry.number}"),
        ).reason
        if refusal is not None:
            raise ValidationFailed(
                f"version {entry.number}: {refusal}", file=file, path=where + ".reviewer"
            )
        if n > 0 and log.versions[n - 1].published > entry.published:
            raise ValidationFailed(
                f"version {entry.number} is dated before version {entry.number - 1}",
                file=file,
                path=where + ".published",
            )
        if n == 0:
            if entry.changes:
                raise ValidationFailed(
                    "version 1 is the source: it changes nothing",
                    file=file,
                    path=where + ".changes",
                )
            continue
        _check_changes(
            history.articles[n - 1], article, entry, where, file, history.articles[: n - 1]
        )
        for problem in unnamed_forms(history.treatments[n - 1], history.treatments[n]):
            raise ValidationFailed(
                f"version {entry.number}: {problem.sentence()}", file=file, path=where
            )


def _check_changes(
    old: Article,
    new: Article,
    entry: LoggedVersion,
    where: str,
    file: str,
    earlier: tuple[Article, ...],
) -> None:
    listed = {c.block: (i, c) for i, c in enumerate(entry.changes)}
    changed = block_differences(old, new)
    for path in changed:
        if path not in listed:
            raise ValidationFailed(
                f"version {entry.number} changes block {path} but gives no reason for it",
                file=file,
                path=where + ".changes",
            )
    known = {r.id for r in new.references}
    needed = needing_citation(old, new, earlier)
    for path, (i, change) in listed.items():
        at = f"{where}.changes[{i}]"
        if path not in changed:
            raise ValidationFailed(
                f"version {entry.number} lists block {path}, which it does not change",
                file=file,
                path=at + ".block",
            )
        if path in needed and not change.cites:
            raise ValidationFailed(
                f"version {entry.number} changes the text of {path} without a citation",
                file=file,
                path=at + ".cites",
            )
        for k, ref in enumerate(change.cites):
            if ref not in known:
                raise ValidationFailed(
                    f"version {entry.number} cites unknown reference {ref!r} for {path}",
                    file=file,
                    path=f"{at}.cites[{k}]",
                )
    for i, record in enumerate(entry.records):
        for k, ref in enumerate(record.cites):
            if ref not in known:
                raise ValidationFailed(
                    f"version {entry.number} cites unknown reference {ref!r} for record "
                    f"{record.treatment}",
                    file=file,
                    path=f"{where}.records[{i}].cites[{k}]",
                )


def _cites_of(article: Article, path: str) -> tuple[str, ...]:
    for section in walk_sections(article.sections):
        for block in section.blocks:
            if f"{section.id}/{block.id}" == path:
                return tuple(getattr(block, "cites", ()))
    return ()


IMPORTED = "import"
"""Who the database names as author and reviewer of a version seeded from the repository."""
SOURCE = "content-of-record"
"""Who the log names as author of such a version: the files of record themselves."""


def derived_entry(
    *,
    number: int,
    authors: tuple[str, ...],
    reviewer: str,
    published: str,
    message: str,
    old: Article | None,
    new: Article,
) -> LoggedVersion:
    """The log entry of a version published through the workspace or the API (whose draft
    gave one message, not a reason per block): each changed block with the draft's message
    as its reason and the references the block itself cites as its citations. The same
    rules (`check_history`) then apply to it as to a history written by hand."""
    changes = (
        tuple(
            BlockChange(block=path, reason=message, cites=_cites_of(new, path))
            for path in block_differences(old, new)
        )
        if old is not None
        else ()
    )
    if authors == (IMPORTED,) and reviewer == IMPORTED:
        authors = (SOURCE,)
    return LoggedVersion(
        number=number,
        author=authors[0],
        coauthors=tuple(dict.fromkeys(a for a in authors[1:] if a != authors[0])),
        reviewer=reviewer,
        published=published,
        message=message,
        changes=changes,
    )
