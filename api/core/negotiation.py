"""Locale negotiation: parse locale codes and Accept-Language, follow CLDR parent locales."""

from __future__ import annotations

import re
from functools import lru_cache

from babel.core import Locale, UnknownLocaleError, get_global, parse_locale

from api.core.errors import InvalidLocale

__all__ = [
    "DEFAULT_LOCALE",
    "canonical_locale",
    "locale_chain",
    "negotiate",
    "normalize_locale",
    "parse_accept_language",
]

DEFAULT_LOCALE = "en"
_MAX_TAG = 35
_MAX_HEADER = 4096
_MAX_RANGES = 32
_LANGUAGE = re.compile(r"^(?:[a-z]{2,3}|[a-z]{5,8})$")
_QVALUE = re.compile(r"^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$", re.IGNORECASE)


def normalize_locale(tag: str) -> str:
    """The canonical BCP 47 spelling of a locale code (`ES-mx` -> `es-MX`), or ValueError."""
    if not tag or len(tag) > _MAX_TAG or not tag.isascii():
        raise ValueError(f"{tag!r} is not a valid locale code")
    try:
        parts = parse_locale(tag.replace("_", "-"), sep="-")
    except ValueError as exc:
        raise ValueError(f"{tag!r} is not a valid locale code") from exc
    if not _LANGUAGE.match(parts[0]):
        raise ValueError(f"{tag!r} is not a valid locale code")
    return _to_bcp47(parts)


def canonical_locale(tag: str) -> str:
    """The code under which translations for `tag` are stored and scoped, or ValueError.

    The one check for every locale code that is kept (catalog uploads and files, token
    scopes, an article's source locale): CLDR must know the locale (`zzz`, `qaa`,
    `articles`, `und` are refused), and a region or script that CLDR takes for granted
    is dropped (`de-DE` -> `de`, `pt-BR` -> `pt`, `zh-Hans` -> `zh`), so the catalog
    serves every reader whose fallback chain reaches it (`de`, `de-AT`, `de-CH`).
    A region that is not the likely one stays (`es-MX`, `pt-PT`): it serves only
    readers of that region and its sub-locales. An alias is refused with CLDR's code
    (`iw` -> use `he`, `zh-TW` -> use `zh-Hant-TW`).
    """
    code = normalize_locale(tag)
    if parse_locale(code, sep="-")[0] in ("und", "root"):
        raise ValueError(f"{tag!r} is not a locale CLDR knows")
    try:
        # Resolves CLDR's aliases too: zh-TW is zh-Hant-TW.
        known = Locale.parse(code, sep="-")
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"{tag!r} is not a locale CLDR knows") from exc
    lang, territory, script, variant = (
        known.language,
        known.territory,
        known.script,
        known.variant,
    )
    code = _to_bcp47((lang, territory, script, variant))
    likely = parse_locale(get_global("likely_subtags").get(lang, lang))
    if variant is None and territory in (None, likely[1]) and script in (None, likely[2]):
        code = lang
    named = normalize_locale(tag)
    if code not in _chain(named, ""):
        # An alias (iw, zh-TW): stored under CLDR's code, readers asking for the alias
        # would never reach it.
        raise ValueError(f"{tag!r} is not a locale CLDR knows by that code: use {code!r}")
    return code


def locale_chain(tag: str, default: str = DEFAULT_LOCALE) -> tuple[str, ...]:
    """The CLDR fallback chain of a locale, ending in the default locale.

    `es-MX -> es-419 -> es -> en`, `zh-Hant-TW -> zh-Hant -> en`.
    Raises ValueError for a syntactically invalid code.
    """
    return _chain(normalize_locale(tag), default)


@lru_cache(maxsize=4096)
def _chain(tag: str, default: str) -> tuple[str, ...]:
    chain = [tag]
    parents = get_global("parent_exceptions")
    name = tag.replace("-", "_")
    while True:
        parent = parents.get(name) or _truncated_parent(name)
        if parent == "root":
            break
        chain.append(_to_bcp47(parse_locale(parent)))
        name = parent
    if default not in chain:
        chain.append(default)
    return tuple(chain)


def _truncated_parent(name: str) -> str:
    # CLDR: a lang_Script whose script is not the language's likely one (zh_Hant) has
    # root as parent; otherwise the parent drops the last subtag.
    lang, territory, script, variant = parse_locale(name)[:4]
    if script and not territory and not variant:
        likely = parse_locale(get_global("likely_subtags").get(lang, lang))
        if likely[2] != script:
            return "root"
    parts = [p for p in (lang, script, territory, variant) if p]
    return "root" if len(parts) == 1 else "_".join(parts[:-1])


def _to_bcp47(parts: tuple[str | None, ...]) -> str:
    lang, territory, script, variant = parts[:4]
    return "-".join(p for p in (lang, script, territory, variant) if p)


def parse_accept_language(header: str) -> list[str]:
    """Language ranges from an Accept-Language header, most preferred first.

    Never raises: malformed ranges are skipped, `q=0` ranges dropped, `*` kept.
    """
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate(header[:_MAX_HEADER].split(",")[:_MAX_RANGES]):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        quality = 1.0
        if params:
            match = _QVALUE.match(params.strip().replace(" ", ""))
            if match is None:
                continue
            quality = float(match.group(1))
        if quality <= 0 or not tag:
            continue
        if tag != "*":
            try:
                tag = normalize_locale(tag)
            except ValueError:
                continue
        ranges.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranges)]


@lru_cache(maxsize=8192)
def negotiate(
    explicit: str | None,
    accept_language: str | None,
    available: frozenset[str],
    default: str = DEFAULT_LOCALE,
) -> str:
    """The available locale to answer in: `?locale=` wins, then Accept-Language, then default.

    An explicit code that is not valid raises InvalidLocale; a valid but unsupported one
    is served through its CLDR fallback chain.
    """
    if explicit is not None:
        try:
            chain = locale_chain(explicit, default)
        except ValueError as exc:
            raise InvalidLocale("locale", explicit, sorted(available)) from exc
        return next(tag for tag in chain if tag in available or tag == default)
    for tag in parse_accept_language(accept_language or ""):
        if tag == "*":
            return default
        # Chains are walked without the appended default: "de, es;q=0.5" means Spanish
        # rather than the English every chain ends in.
        for candidate in _chain(tag, ""):
            if candidate in available:
                return candidate
    return default
