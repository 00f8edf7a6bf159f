"""Translation health: translated current messages, and stale ones (translated only for
an earlier source text)."""

from __future__ import annotations

import pytest

from api.core.catalog import CatalogEntry
from api.core.health import translation_health
from api.core.messages import Message

CURRENT = [Message("a/p1", "new text", ""), Message("a/p2", "same", ""), Message("a/p3", "x", "")]


def _entry(context: str, source: str, text: str = "t", fuzzy: bool = False) -> CatalogEntry:
    return CatalogEntry(context=context, source=source, text=text, fuzzy=fuzzy)


@pytest.mark.parametrize(
    ("entries", "translated", "stale"),
    [
        ([], 0, ()),
        ([_entry("a/p2", "same")], 1, ()),
        ([_entry("a/p1", "old text"), _entry("a/p2", "same")], 1, ("a/p1",)),
        # Re-translated: the old entry stays in the store but the message is not stale.
        ([_entry("a/p1", "old text"), _entry("a/p1", "new text")], 1, ()),
        # Fuzzy or empty translations are not served: they count as neither.
        ([_entry("a/p2", "same", fuzzy=True), _entry("a/p3", "x", text="")], 0, ()),
    ],
)
def test_translation_health(
    entries: list[CatalogEntry], translated: int, stale: tuple[str, ...]
) -> None:
    health = translation_health("es", CURRENT, entries)
    assert (health.translated, health.total, health.stale) == (translated, 3, stale)
    assert health.ratio == round(translated / 3, 4)
