"""Which catalog (gettext domain) a message belongs to: one per article, plus the shared one.

A message's msgctxt says where it belongs: `<slug>/…` is the article's own text (domain
`<slug>`); `treatment/…` (the treatment records, kept together in content/treatments.yaml)
and `fact/…` (the phrases the server formats) are the shared domain, `shared`. The
workspace's own words are the domain `workspace`. On disk each domain of a locale is
`locales/<locale>/LC_MESSAGES/<domain>.po` beside its template `locales/<domain>.pot`, the
layout Weblate's and Pontoon's file masks find (see docs/translators/).

No article may take a reserved domain name as its slug; `LEGACY_DOMAIN` is the one catalog
per locale of earlier releases, which `vetted catalogs split` turns into this layout (an
import still reads it as the whole locale).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "LEGACY_DOMAIN",
    "LEGACY_TEMPLATE",
    "RESERVED_DOMAINS",
    "SHARED_DOMAIN",
    "SHARED_PREFIXES",
    "WORKSPACE_DOMAIN",
    "check_domain",
    "context_ranges",
    "domain_of",
    "is_content_domain",
]

SHARED_DOMAIN = "shared"
WORKSPACE_DOMAIN = "workspace"
LEGACY_DOMAIN = "content"
LEGACY_TEMPLATE = "messages"
SHARED_PREFIXES = ("fact", "treatment")
"""The first msgctxt part of the shared domain's messages."""
RESERVED_DOMAINS = frozenset(
    {SHARED_DOMAIN, WORKSPACE_DOMAIN, LEGACY_DOMAIN, LEGACY_TEMPLATE, *SHARED_PREFIXES}
)
"""Names no article slug may take: each would mix an article's catalog with another."""

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def domain_of(context: str) -> str:
    """The domain of the message with this msgctxt."""
    head = context.partition("/")[0]
    return SHARED_DOMAIN if head in SHARED_PREFIXES else head


def is_content_domain(domain: str) -> bool:
    """Whether `domain` can name a content catalog (an article's slug, or `shared`)."""
    if domain == SHARED_DOMAIN:
        return True
    return bool(_SLUG.match(domain)) and domain not in RESERVED_DOMAINS and len(domain) <= 120


def check_domain(domain: str) -> str:
    """`domain` if it can name a content catalog, else ValueError."""
    if not is_content_domain(domain):
        raise ValueError(
            f"{domain[:130]!r} names no content catalog: an article's slug, or {SHARED_DOMAIN!r}"
        )
    return domain


def context_ranges(domain: str) -> list[tuple[str, str]]:
    """The msgctxt ranges [low, high) that hold the messages of `domain`, for a key-range
    read ("0" is the character after "/")."""
    heads: Iterable[str] = SHARED_PREFIXES if domain == SHARED_DOMAIN else (domain,)
    return [(f"{head}/", f"{head}0") for head in heads]
