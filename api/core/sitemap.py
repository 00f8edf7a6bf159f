"""The sitemap of published articles: for each article, every locale it is served in, when
that locale's text last changed (`lastmod`) and where to get it, so a partner site emits
its own sitemap with `hreflang` alternates. Pure: made at publish time from the list
entries of every locale."""

from __future__ import annotations

from typing import Annotated

import msgspec

from api.core.negotiation import DEFAULT_LOCALE
from api.core.output import ArticleSummary

__all__ = ["Sitemap", "SitemapAlternate", "SitemapArticle", "build_sitemap"]


class SitemapAlternate(msgspec.Struct, frozen=True, kw_only=True):
    """One locale an article is served in."""

    hreflang: Annotated[
        str, msgspec.Meta(description="The locale, as a BCP 47 tag for `hreflang`.")
    ]
    lastmod: Annotated[
        str,
        msgspec.Meta(
            description="When the text readers of this locale get last changed (RFC 3339, "
            "UTC): the version's publication, or a later approval of its translation.",
            extra_json_schema={"format": "date-time"},
        ),
    ]
    completeness: Annotated[
        float,
        msgspec.Meta(
            description="The share of the article translated into this locale (the rest "
            "is shown in its fallback language): leave out what you would not index."
        ),
    ]
    href: Annotated[str, msgspec.Meta(description="The article as JSON in this locale (a path).")]
    html: Annotated[
        str, msgspec.Meta(description="The article as semantic HTML in this locale (a path).")
    ]


class SitemapArticle(msgspec.Struct, frozen=True, kw_only=True):
    """One published article and its locales."""

    slug: str
    version: int
    lastmod: Annotated[
        str,
        msgspec.Meta(
            description="The latest `lastmod` of its locales.",
            extra_json_schema={"format": "date-time"},
        ),
    ]
    x_default: Annotated[
        str,
        msgspec.Meta(description='The locale for `hreflang="x-default"`: the source\'s.'),
    ]
    alternates: tuple[SitemapAlternate, ...]


class Sitemap(msgspec.Struct, frozen=True, kw_only=True):
    """Every published article, sorted by slug, with its locales sorted by tag."""

    articles: tuple[SitemapArticle, ...]


def _lastmod(summary: ArticleSummary) -> str:
    translation = summary.review.translation if summary.review else None
    if translation is not None and translation.approved_at > summary.published_at:
        return translation.approved_at
    return summary.published_at


def build_sitemap(latest: dict[str, dict[str, ArticleSummary]]) -> Sitemap:
    """The sitemap of the list entries `latest` (locale -> slug -> entry)."""
    slugs = sorted({slug for entries in latest.values() for slug in entries})
    articles = []
    for slug in slugs:
        alternates = tuple(
            SitemapAlternate(
                hreflang=locale,
                lastmod=_lastmod(latest[locale][slug]),
                completeness=latest[locale][slug].completeness.ratio,
                href=f"/v1/articles/{slug}?locale={locale}",
                html=f"/v1/articles/{slug}/html?locale={locale}",
            )
            for locale in sorted(latest)
            if slug in latest[locale]
        )
        version = max(latest[a.hreflang][slug].version for a in alternates)
        articles.append(
            SitemapArticle(
                slug=slug,
                version=version,
                lastmod=max(a.lastmod for a in alternates),
                x_default=DEFAULT_LOCALE,
                alternates=alternates,
            )
        )
    return Sitemap(articles=tuple(articles))
