"""Translation health of a locale: how many current messages it translates, and which
ones it translated only for an earlier source text (stale: readers get the fallback until
someone translates the new text)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from api.core.catalog import CatalogEntry
from api.core.messages import Message

__all__ = ["TranslationHealth", "translation_health"]


class TranslationHealth(msgspec.Struct, frozen=True, kw_only=True):
    """One locale's state against the current source messages."""

    locale: str
    translated: int
    total: int
    stale: tuple[str, ...]
    """The msgctxt of each message whose only translations are of an earlier source."""

    @property
    def ratio(self) -> float:
        return round(self.translated / self.total, 4) if self.total else 1.0


def translation_health(
    locale: str, current: Sequence[Message], approved: Iterable[CatalogEntry]
) -> TranslationHealth:
    """Health of `locale` given its approved entries (fuzzy or empty ones do not count)."""
    served = {(e.context, e.source) for e in approved if e.text and not e.fuzzy}
    translated_contexts = {context for context, _ in served}
    done = 0
    stale = []
    for message in current:
        if (message.context, message.source) in served:
            done += 1
        elif message.context in translated_contexts:
            stale.append(message.context)
    return TranslationHealth(locale=locale, translated=done, total=len(current), stale=tuple(stale))
