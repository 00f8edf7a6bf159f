"""What a pending catalog changes, entry by entry: flags, selection and the If-Match rule."""

from __future__ import annotations

import pytest

from api.core.catalog import CatalogEntry
from api.core.catalog_changes import (
    check_pending_etag,
    pending_entries,
    pending_etag,
    select_entries,
    stale_entries,
)
from api.core.errors import PreconditionRequired, StaleVersion, ValidationFailed
from api.core.messages import Message

CURRENT = [Message("a/s/p1", "New source.", ""), Message("a/s/p2", "Other.", "")]


def _entry(context: str, source: str, text: str, *, fuzzy: bool = False) -> CatalogEntry:
    return CatalogEntry(context=context, source=source, text=text, fuzzy=fuzzy)


@pytest.mark.parametrize(
    ("approved", "proposed", "flags"),
    [
        ([], [_entry("a/s/p1", "New source.", "Nuevo.")], {"new"}),
        (
            [_entry("a/s/p1", "New source.", "Viejo.")],
            [_entry("a/s/p1", "New source.", "Nuevo.")],
            {"changed"},
        ),
        ([_entry("a/s/p1", "New source.", "Viejo.")], [], {"removed"}),
        (
            [_entry("a/s/p1", "New source.", "Viejo.")],
            [_entry("a/s/p1", "New source.", "Viejo.", fuzzy=True)],
            {"removed"},
        ),
        (
            [_entry("a/s/p1", "Old source.", "Viejo.")],
            [_entry("a/s/p1", "New source.", "Viejo.")],
            {"new", "source_changed"},
        ),
        (
            [_entry("a/s/p1", "New source.", "Igual.")],
            [_entry("a/s/p1", "New source.", "Igual.")],
            None,
        ),
        ([], [_entry("a/s/p1", "New source.", "Borrador.", fuzzy=True)], None),
    ],
)
def test_flags(
    approved: list[CatalogEntry], proposed: list[CatalogEntry], flags: set[str] | None
) -> None:
    authors = {(e.context, e.source): ("tr",) for e in proposed}
    entries = [
        e
        for e in pending_entries(CURRENT, approved, proposed, authors, ("tr",))
        if e.context == "a/s/p1"
    ]
    if flags is None:
        assert entries == []
        return
    (entry,) = entries
    names = ("new", "changed", "removed", "source_changed")
    assert {n for n in names if getattr(entry, n)} == flags
    assert entry.uploaded_by == ("tr",)
    assert (entry.translated_from == "Old source.") == ("source_changed" in flags)


def test_selection_leaves_source_changed_entries_unless_named() -> None:
    approved = [_entry("a/s/p1", "Old source.", "Viejo.")]
    proposed = [_entry("a/s/p1", "New source.", "Viejo."), _entry("a/s/p2", "Other.", "Otro.")]
    entries = pending_entries(CURRENT, approved, proposed, {}, ())
    assert [e.context for e in select_entries(entries, None)] == ["a/s/p2"]
    assert [e.context for e in select_entries(entries, ["a/s/p1"])] == ["a/s/p1"]
    with pytest.raises(ValidationFailed, match="not pending for review: x/y"):
        select_entries(entries, ["x/y"])


def test_stale_entries_name_their_line_and_the_current_source() -> None:
    upload = [
        CatalogEntry(context="a/s/p1", source="Old source.", text="Viejo.", fuzzy=False, line=7)
    ]
    (stale,) = stale_entries(upload, CURRENT, "es.po")
    assert (stale.line, stale.msgid, stale.source) == (7, "Old source.", "New source.")
    assert stale.message.startswith("es.po:7: msgid is not the current source text of a/s/p1")


@pytest.mark.parametrize(
    ("if_match", "error"),
    [
        (None, PreconditionRequired),
        ("*", PreconditionRequired),
        ('"x", *', PreconditionRequired),
        ('"x"', StaleVersion),
    ],
)
def test_approval_needs_the_exact_pending_etag(
    if_match: str | None, error: type[Exception]
) -> None:
    etag = pending_etag([])
    with pytest.raises(error):
        check_pending_etag(if_match, etag)
    check_pending_etag(etag, etag)
