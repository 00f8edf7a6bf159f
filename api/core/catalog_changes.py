"""What a pending catalog would change for readers, entry by entry: measured against the
approved translations and the current source text, which is what a reviewer signs off.

An entry is compared by what readers would get: a fuzzy or empty translation is none. An
uploaded entry whose msgid is not the current source text translates something readers no
longer get; it is reported (with its line) and never staged.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Literal, get_args

import msgspec

from api.core.catalog import CatalogEntry
from api.core.errors import NotFound, ValidationFailed
from api.core.messages import Message
from api.core.workflow import check_if_match

__all__ = [
    "ENTRY_FILTERS",
    "EntryFilter",
    "PendingEntry",
    "StaleEntry",
    "as_stored",
    "check_pending_etag",
    "entry_key",
    "filter_entries",
    "find_entry",
    "pending_entries",
    "pending_etag",
    "select_entries",
    "stale_entries",
    "text_hash",
]

Key = tuple[str, str]
"""(msgctxt, msgid)."""


class PendingEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One message whose translation the pending catalog would change for readers."""

    context: str
    source: str
    """The current source text."""
    approved: str | None
    """The approved translation of this source text that readers get today, if any."""
    proposed: str | None
    """The uploaded translation; None when the upload removes the approved one."""
    translated_from: str | None
    """With `source_changed`: the earlier source text this same translation was approved
    for."""
    uploaded_by: tuple[str, ...]
    new: bool
    """No approved translation of the current source text exists."""
    changed: bool
    """The proposed translation replaces a different approved one."""
    removed: bool
    """Readers would get the fallback instead of the approved translation."""
    source_changed: bool
    """The translation is unchanged but its source changed (e.g. a fuzzy flag removed):
    approved only when named."""
    safety: bool = False
    """Part of a safety-bearing text (a caution, a regulatory status, a condition on a
    claim): readers get the whole section or record in the fallback locale until it is
    translated, so a reviewer reads these first."""


class StaleEntry(msgspec.Struct, frozen=True, kw_only=True):
    """An uploaded entry whose msgid is not the current source text: never staged."""

    context: str
    line: int
    msgid: str
    source: str | None
    """The current source text of that msgctxt (None when the msgctxt has several)."""
    message: str


def as_stored(
    entries: Iterable[CatalogEntry], approved: Iterable[CatalogEntry]
) -> list[CatalogEntry]:
    """`entries` with each one that only restates an approved translation of an earlier
    source text as that approved entry. An export writes such a stale translation under
    the current msgid, fuzzy (with the old msgid as `#| msgid`, which Babel does not read
    back); read back, it is the approved entry again, not a change, so the round trip
    export, import stays "unchanged". Fuzzy translations are never served either way. A
    restatement of an entry the catalog also holds as itself (an earlier version's text
    that the history keeps, so the template has it too) is that one entry, not two."""
    entries = list(entries)
    present = {(e.context, e.source) for e in entries}
    stored: dict[Key, CatalogEntry] = {}
    earlier: dict[tuple[str, str], CatalogEntry] = {}
    for entry in approved:
        stored[(entry.context, entry.source)] = entry
        earlier.setdefault((entry.context, entry.text), entry)
    out: list[CatalogEntry] = []
    for entry in entries:
        restated = None
        if entry.fuzzy and (entry.context, entry.source) not in stored:
            restated = earlier.get((entry.context, entry.text))
            if restated is not None and (restated.context, restated.source) in present:
                continue
        out.append(restated or entry)
    return out


def text_hash(text: str) -> str:
    """The digest a sign-off records for a source text or a translation."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def stale_entries(
    entries: Iterable[CatalogEntry], current: Sequence[Message], file: str
) -> list[StaleEntry]:
    """The entries of an upload that translate a source text readers no longer get."""
    keys = {(m.context, m.source) for m in current}
    sources: dict[str, list[str]] = defaultdict(list)
    for m in current:
        sources[m.context].append(m.source)
    out = []
    for entry in entries:
        if (entry.context, entry.source) in keys:
            continue
        now = sources.get(entry.context, [])
        out.append(
            StaleEntry(
                context=entry.context,
                line=entry.line,
                msgid=entry.source,
                source=now[0] if len(now) == 1 else None,
                message=f"{file}:{entry.line}: msgid is not the current source text of "
                f"{entry.context}: this translation is never served; translate the current "
                "text (export the catalog again, or run `make catalogs`)",
            )
        )
    return out


def _served(entry: CatalogEntry | None) -> str | None:
    return entry.text if entry is not None and not entry.fuzzy and entry.text else None


def pending_entries(
    current: Sequence[Message],
    approved: Iterable[CatalogEntry],
    proposed: Iterable[CatalogEntry],
    authors: Mapping[Key, tuple[str, ...]],
    removed_by: tuple[str, ...],
) -> list[PendingEntry]:
    """Every current message whose translation `proposed` would change, in source order.

    `authors` names who uploaded each proposed entry; `removed_by` who proposed the
    upload that lacks a translation readers get today.
    """
    by_key = {(e.context, e.source): e for e in approved}
    history: dict[str, list[CatalogEntry]] = defaultdict(list)
    for entry in by_key.values():
        history[entry.context].append(entry)
    offered = {(e.context, e.source): e for e in proposed}
    out: list[PendingEntry] = []
    for message in current:
        context, source = message.context, message.source
        served = _served(by_key.get((context, source)))
        text = _served(offered.get((context, source)))
        if served == text:
            continue
        earlier = (
            next(
                (e.source for e in history[context] if e.source != source and e.text == text),
                None,
            )
            if text is not None
            else None
        )
        out.append(
            PendingEntry(
                context=context,
                source=source,
                approved=served,
                proposed=text,
                translated_from=earlier,
                uploaded_by=removed_by if text is None else authors.get((context, source), ()),
                new=served is None,
                changed=served is not None and text is not None,
                removed=text is None,
                source_changed=earlier is not None,
                safety=message.safety,
            )
        )
    return out


EntryFilter = Literal["all", "new", "changed", "removed", "source-changed", "safety"]
ENTRY_FILTERS: tuple[EntryFilter, ...] = get_args(EntryFilter)
"""The views of a pending catalog a reviewer can ask for: every entry, new translations,
changed translations, removals, translations kept although their source changed, and
safety-bearing entries."""


def filter_entries(entries: Sequence[PendingEntry], show: EntryFilter) -> list[PendingEntry]:
    """The entries of one view (`ENTRY_FILTERS`), in source order."""
    if show == "all":
        return list(entries)
    return [e for e in entries if _shown(e, show)]


def _shown(entry: PendingEntry, show: EntryFilter) -> bool:
    flags = {
        "new": entry.new,
        "changed": entry.changed,
        "removed": entry.removed,
        "source-changed": entry.source_changed,
        "safety": entry.safety,
    }
    return flags.get(show, True)


def entry_key(context: str, source: str) -> str:
    """A short stable name of one message (its msgctxt and msgid), for forms and links:
    several fact phrases share one msgctxt, so the msgctxt alone does not name one."""
    digest = hashlib.sha256(f"{context}\x00{source}".encode()).hexdigest()
    return digest[:20]


def find_entry(entries: Iterable[PendingEntry], context: str, source: str | None) -> PendingEntry:
    """The pending entry of `context` (and `source`, needed when the msgctxt has several
    entries); NotFound otherwise."""
    found = [e for e in entries if e.context == context and source in (None, e.source)]
    if len(found) > 1:
        raise ValidationFailed(
            f"{context} has {len(found)} pending entries: name the `source` too", path="source"
        )
    if not found:
        raise NotFound(
            f"no pending entry for {context!r}" + (" with that source" if source else "")
        )
    return found[0]


def pending_etag(entries: Sequence[PendingEntry]) -> str:
    """The strong validator of exactly what a reviewer sees (and approves)."""
    digest = hashlib.sha256(msgspec.json.encode(entries)).hexdigest()
    return f'"sha256:{digest}"'


def check_pending_etag(if_match: str | None, current: str) -> None:
    """An approval names the exact pending state it reviewed (`*`, which would approve
    whatever is pending at that moment, is refused like a missing If-Match)."""
    check_if_match(if_match, current)


def select_entries(
    entries: Sequence[PendingEntry], named: Collection[str] | None
) -> list[PendingEntry]:
    """The entries an approval takes: those whose msgctxt is named, or, when none is, all
    but the ones whose source changed (those need to be named, one by one)."""
    if not named:
        return [e for e in entries if not e.source_changed]
    unknown = sorted(set(named) - {e.context for e in entries})
    if unknown:
        shown = ", ".join(unknown[:10])
        raise ValidationFailed(f"not pending for review: {shown}", path="entries")
    return [e for e in entries if e.context in named]
