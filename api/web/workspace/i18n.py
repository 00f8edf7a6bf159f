"""The workspace's own words in the reader's language: the gettext domain `workspace`
(separate from the content catalogs), one catalog per language in
`locales/<lang>/LC_MESSAGES/workspace.po`, negotiated from Accept-Language.

The catalogs are compiled with Babel when the app starts (into memory), so a checkout
never serves words older than its own .po files and nothing generated is kept."""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from api.core.locales import TextDirection, text_direction
from api.core.negotiation import DEFAULT_LOCALE, negotiate

__all__ = ["UI_DOMAIN", "UI_LOCALES", "UiText", "ui_text"]

UI_DOMAIN = "workspace"
LOCALES_DIR = Path(__file__).resolve().parents[3] / "locales"


def _catalog_paths() -> dict[str, Path]:
    paths = {}
    for path in sorted(LOCALES_DIR.glob(f"*/LC_MESSAGES/{UI_DOMAIN}.po")):
        paths[path.parts[-3].replace("_", "-")] = path
    return paths


_PATHS = _catalog_paths()
UI_LOCALES: frozenset[str] = frozenset({DEFAULT_LOCALE, *_PATHS})


@cache
def _translations(locale: str) -> NullTranslations:
    path = _PATHS.get(locale)
    if path is None:
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale.replace("-", "_"), domain=UI_DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return GNUTranslations(compiled)


class UiText:
    """gettext for one request: the language chosen, its direction and its lookups."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.dir: TextDirection = text_direction(locale)
        self._t = _translations(locale)

    def gettext(self, message: str, **values: Any) -> str:
        """The translation of `message`, with `%(name)s` placeholders filled in."""
        text = self._t.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """The translation of a message with a count (`%(num)d` is `n`)."""
        return self._t.ngettext(singular, plural, n) % {"num": n, **values}

    def language(self, code: str) -> str:
        """The name of a content locale in this language (`en` is "English" in English)."""
        try:
            name = Locale.parse(code.replace("-", "_")).get_display_name(
                self.locale.replace("-", "_")
            )
        except (ValueError, UnknownLocaleError):
            return code
        return name or code

    def when(self, stamp: str | None) -> str:
        """An RFC 3339 UTC time as people of this language write it (in UTC)."""
        if not stamp:
            return ""
        try:
            moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            return stamp
        written: str = format_datetime(
            moment, "medium", tzinfo=moment.tzinfo, locale=self.locale.replace("-", "_")
        )
        return f"{written} UTC"


def ui_text(accept_language: str | None) -> UiText:
    """The workspace's words in the best language Accept-Language asks for."""
    return UiText(negotiate(None, accept_language, UI_LOCALES))
