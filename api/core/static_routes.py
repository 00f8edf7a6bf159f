"""Static delivery's routes, precomputed at export time: which stored document answers
which request shape, with which caching, and the locale tables nginx (or any CDN) uses
to negotiate as the app does. Pure: it reads a snapshot's data, never a database.

A route key names a request shape after negotiation, e.g. `article/<slug>/latest/es`
(`GET /v1/articles/<slug>` answered in `es`) or `section/<slug>/3/en/faq` (pinned to
version 3). The same rules as the app's (`api.web.delivery`): a pinned version in the
source language is immutable, except the current version's article (a review changes
its dates); everything else revalidates.

The locale tables are the app's own negotiation (`api.core.negotiation.negotiate`) run
over every locale CLDR knows, so nginx answers those with no code of its own; a code
outside the tables, or an `Accept-Language` whose answer is not decided by its first
range, is left to the app (the config routes it there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import msgspec
from babel.core import parse_locale
from babel.localedata import locale_identifiers

from api.core.negotiation import DEFAULT_LOCALE, _chain, negotiate, normalize_locale

__all__ = [
    "Route",
    "Withdrawn",
    "candidate_locales",
    "gone_keys",
    "nginx_maps",
    "routes",
]

Route = tuple[str, str, bool]
"""(strong ETag, stored forms "", "g" or "gb", pinned: immutable caching)."""

_SAFE = re.compile(r"^[a-z0-9][a-z0-9._~-]*(?:/[a-z0-9][a-z0-9._~-]*)*$")
"""Path parts nginx serves itself: lower case (nginx's map keys ignore case; the app's
slugs and ids do not), no dot segments; anything else goes to the app."""


def routes(
    documents: Mapping[str, str],
    forms: Mapping[str, str],
    latest: Mapping[str, int],
    *,
    change_pending: bool = False,
) -> dict[str, Route]:
    """Route key -> route for every stored document a delivery route serves. While a
    scheduled change (an embargo's end, a withdrawal) is pending, nothing is served as
    immutable: the app caps every lifetime at the time left, which static files cannot,
    so a cache must at least revalidate (docs/operators/topology.md)."""
    table = _routes(documents, forms, latest)
    if change_pending:
        return {key: (etag, form, False) for key, (etag, form, _) in table.items()}
    return table


def _routes(
    documents: Mapping[str, str], forms: Mapping[str, str], latest: Mapping[str, int]
) -> dict[str, Route]:
    out: dict[str, Route] = {}
    latest_article = {
        (slug, locale): etag
        for key, etag in documents.items()
        if (parts := key.split("/", 3))[0] == "article"
        and len(parts) == 4
        and latest.get(parts[1]) == _number(parts[2])
        for slug, locale in [(parts[1], parts[3])]
    }
    for key, etag in documents.items():
        kind, _, rest = key.partition("/")
        form = forms.get(etag, "")
        parts = rest.split("/")
        if kind == "article" and len(parts) == 3:
            slug, number, locale = parts
            if _number(number) is None or not _SAFE.match(slug):
                continue
            pinned = locale == DEFAULT_LOCALE and latest_article.get((slug, locale)) != etag
            out[key] = (etag, form, pinned)
            if latest.get(slug) == int(number):
                out[f"article/{slug}/latest/{locale}"] = (etag, form, False)
        elif kind == "section" and len(parts) >= 4:
            slug, number, locale = parts[:3]
            section = "/".join(parts[3:])
            if _number(number) is None or not _SAFE.match(f"{slug}/{section}"):
                continue
            out[key] = (etag, form, locale == DEFAULT_LOCALE)
            if latest.get(slug) == int(number):
                out[f"section/{slug}/latest/{locale}/{section}"] = (etag, form, False)
        elif (
            (kind in ("jsonld", "treatment") and len(parts) == 2 and _SAFE.match(parts[0]))
            or (kind in ("articles", "treatments", "bundle") and len(parts) == 1)
            or key == "locales"
        ):
            out[key] = (etag, form, False)
    return out


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and not text.startswith("0") else None


@lru_cache(maxsize=1)
def candidate_locales() -> tuple[str, ...]:
    """Every locale CLDR knows, in BCP 47 spelling, with `_` for `-` too (the app takes
    both), and each one's language alone."""
    found: set[str] = set()
    for identifier in locale_identifiers():
        try:
            tag = normalize_locale(identifier)
        except ValueError:
            continue
        found.add(tag)
        found.add(tag.replace("-", "_"))
        found.add(parse_locale(tag, sep="-")[0])
    return tuple(sorted(found))


def _first_hit(tag: str, available: frozenset[str]) -> str | None:
    """The locale the app picks when `tag` is Accept-Language's first range at q=1."""
    try:
        chain = _chain(normalize_locale(tag), "")
    except ValueError:
        return None
    return next((c for c in chain if c in available), None)


def _quote(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._~/*-]+", text):
        raise ValueError(f"{text!r} cannot be an nginx map key")
    return f'"{text}"'


Withdrawn = Mapping[str, tuple[str, str, int | None]]
"""`article/<slug>` or `treatment/<id>` -> (the readers' notice, when it was withdrawn,
the last version withdrawn: None for a treatment record or every version)."""


def _nginx_string(text: str) -> str:
    """`text` inside an nginx double-quoted string that is a map value: backslash and
    quote escaped, and `$` (which would name a variable) spelled `${vetted_dollar}`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return escaped.replace("$", "${vetted_dollar}")


def gone_keys(item: str, through: int | None) -> list[str]:
    """The keys nginx looks up when a document is missing (`article/<slug>/<latest or N>`,
    `treatment/<id>`) that answer 410 for withdrawn `item`: as the app's rule (a version
    up to the last one withdrawn; the latest; a treatment record), with a regular
    expression when every version is gone."""
    kind, _, name = item.partition("/")
    if not _SAFE.match(name) or "/" in name:
        return []
    if kind == "treatment":
        return [_quote(item)]
    if through is None:
        return [f'"~^article/{re.escape(name)}/"']
    return [_quote(f"{item}/latest")] + [_quote(f"{item}/{n}") for n in range(1, through + 1)]


def nginx_maps(
    table: Mapping[str, Route],
    locales: Iterable[str],
    default: str = DEFAULT_LOCALE,
    withdrawn: Withdrawn | None = None,
) -> str:
    """The nginx `map` blocks of one generation (included in `http {}` by
    deploy/nginx-export.conf): route key -> document, the locale tables, and what
    readers of withdrawn content are told (the app's 410 problem, field by field)."""
    available = frozenset(locales)
    lines = [
        "# Generated by Vetted at export time: one generation's routes and locale tables.",
        "map_hash_max_size 1048576;",
        "map_hash_bucket_size 256;",
        "",
        "# route -> <ETag hex>|<stored forms>|<P: pinned, immutable; L: latest>",
        "map $vetted_route $vetted_doc {",
        '    default "";',
    ]
    for key in sorted(table):
        etag, form, pinned = table[key]
        lines.append(f'    {_quote(key)} "{etag.strip(chr(34))}|{form}|{"P" if pinned else "L"}";')
    lines += [
        "}",
        "",
        "# The locale served: ?locale='s (case is ignored, as by the app) when given, else",
        '# Accept-Language\'s. "?": a code not listed (an invalid one among them); the app',
        "# answers.",
        "map $arg_locale $vetted_locale {",
        '    default "?";',
        '    "" $vetted_negotiated;',
    ]
    languages: set[str] = set()
    for tag in candidate_locales():
        lines.append(f"    {_quote(tag)} {negotiate(tag, None, available, default)};")
        hit = _first_hit(tag, available)
        if hit is not None and hit != default:
            languages.add(parse_locale(tag.replace("_", "-"), sep="-")[0])
    lines += [
        "}",
        "",
        "# Accept-Language's first range (when at q=1) -> the locale it reaches, if any.",
        "map $vetted_accept_first $vetted_accept_hit {",
        '    default "";',
        f'    "*" {default};',
    ]
    for tag in candidate_locales():
        hit = _first_hit(tag, available)
        if hit is not None:
            lines.append(f"    {_quote(tag)} {hit};")
    alternation = "|".join(sorted(languages)) or "(?!)"
    lines += [
        "}",
        "",
        "# Whether any range could reach a locale other than the default: if none can, the",
        "# answer is the default whatever the header says.",
        "map $http_accept_language $vetted_accept_other {",
        '    default "";',
        f'    "~*(^|[,\\s])({alternation})([-_;,\\s]|$)" "?";',
        "}",
        "",
        "# Accept-Language's answer: the first range's, else the default when no range can",
        '# reach another locale, else "?" (the app negotiates).',
        "map $vetted_accept_hit $vetted_negotiated {",
        "    default $vetted_accept_hit;",
        '    "" $vetted_negotiated_default;',
        "}",
        "map $vetted_accept_other $vetted_negotiated_default {",
        '    default "?";',
        f'    "" {default};',
        "}",
        "",
        '# "$" as a value (nginx strings have no escape for it): a notice may hold one.',
        "geo $vetted_dollar {",
        '    default "$";',
        "}",
        "",
        "# Withdrawn content, keyed by what a missing document's request names: the",
        "# readers' notice (as a JSON string's content) and when it was withdrawn.",
    ]
    gone = withdrawn or {}
    for variable, field in (("$vetted_gone_detail", 0), ("$vetted_gone_at", 1)):
        lines += [f"map $vetted_gone_key {variable} {{", '    default "";']
        for item in sorted(gone):
            # The app's own encoder: the same bytes as its problem document's.
            value = msgspec.json.encode(gone[item][field]).decode()[1:-1]
            for key in gone_keys(item, gone[item][2]):
                lines.append(f'    {key} "{_nginx_string(value)}";')
        lines += ["}", ""]
    return "\n".join(lines)
