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
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from api.core.access import Principal, Target, may
from api.core.errors import ValidationFailed
from api.core.messages import block_fields
from api.core.model import (
    Article,
    BlockPath,
    Cites,
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
    "check_history",
]

Name = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:[-._][a-z0-9]+)*$", max_length=80)]
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
    reviewer: Name
    published: Timestamp
    message: Text
    review_record: Text | None = None
    """Where the review of this version is written down."""
    changes: tuple[BlockChange, ...] = ()
    records: tuple[RecordChange, ...] = ()


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


def _text_changed(old: Article, new: Article, path: str) -> bool:
    def texts(article: Article) -> tuple[str, ...] | None:
        for section in walk_sections(article.sections):
            for block in section.blocks:
                if f"{section.id}/{block.id}" == path:
                    return tuple(t for _, t in block_fields(block))
        return None

    return texts(old) != texts(new)


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
            Target.source((entry.author,), f"version {entry.number}"),
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
        _check_changes(history.articles[n - 1], article, entry, where, file)


def _check_changes(old: Article, new: Article, entry: LoggedVersion, where: str, file: str) -> None:
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
    for path, (i, change) in listed.items():
        at = f"{where}.changes[{i}]"
        if path not in changed:
            raise ValidationFailed(
                f"version {entry.number} lists block {path}, which it does not change",
                file=file,
                path=at + ".block",
            )
        if _text_changed(old, new, path) and not change.cites:
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
