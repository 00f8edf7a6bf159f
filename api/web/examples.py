"""Examples for the OpenAPI contract, taken from the real article (shortened)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import HeaderParameter, PathParameter

__all__ = [
    "ARTICLE",
    "BUNDLE",
    "CHANGES",
    "CHANGES_PATCHED",
    "DIFF",
    "HTML",
    "LOCALES",
    "MAX_ID",
    "SEARCH",
    "SECTION",
    "SITEMAP",
    "SUMMARIES",
    "TREATMENT",
    "VERSIONS",
    "IfMatch",
    "LocalePath",
    "SectionPath",
    "SlugPath",
    "TreatmentPath",
    "ok",
]

_SLUG = "stem-cell-therapy-for-hair-loss"
# Path parameters with a real value each, so clients (and the contract fuzzer) can try a
# request that finds something.
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description="The ETag you last read (for a new draft: the article head's). "
        "Missing: 428 (except for a draft of a new article); stale: 412.",
    ),
]


# SQLite integers are 64-bit; a larger id is a 400, never an overflow in the driver.
MAX_ID = 2**63 - 1
SlugPath = Annotated[str, PathParameter(examples=[Example(summary="article", value=_SLUG)])]
SectionPath = Annotated[
    str,
    PathParameter(
        examples=[
            Example(summary="section", value="introduction"),
            Example(summary="nested section", value="alternatives/minoxidil"),
        ]
    ),
]
TreatmentPath = Annotated[
    str, PathParameter(examples=[Example(summary="treatment", value="minoxidil")])
]
LocalePath = Annotated[str, PathParameter(examples=[Example(summary="Spanish", value="es")])]
_HASH = "sha256:5f0c0d8b6a1e3f47c2f0e7a1b9d3c6e4f8a2b7c1d9e0f3a6b5c4d2e1f0a9b8c7"
_TITLE = {
    "text": "Terapia con células madre para la pérdida de cabello",
    "locale": "es",
    "fallback": False,
}
_COMPLETENESS = {"translated": 106, "total": 106, "ratio": 1.0}
_SAFETY = {"translated": 31, "total": 31, "ratio": 1.0}
# A section whose safety text has no Spanish translation yet: served whole in English.
_SECTION = {
    "id": "process/treatment-procedure",
    "heading": {"text": "The Treatment Procedure", "locale": "en", "fallback": True},
    "blocks": [
        {
            "type": "paragraph",
            "id": "p3",
            "text": "A small sample will be drawn from the pelvic region if stem cells are "
            "sourced from bone marrow. This can be slightly more involved but yields cells "
            "rich in regenerative potential.",
            "safety": True,
            "locale": "en",
            "fallback": True,
        },
        {
            "type": "paragraph",
            "id": "p5",
            "text": "The number of injections can vary, and care is taken to distribute cells "
            "evenly. The entire session, including the collection, processing, and "
            "application stages, can last from 1 to 3 hours.",
            "safety": False,
            "locale": "en",
            "fallback": True,
        },
        {
            "type": "fact",
            "id": "session-duration",
            "kind": "duration",
            "min": 1,
            "max": 3,
            "unit": "hour",
            "treatment": "stem-cell-therapy",
            "display": "1–3 hours",
            "locale": "en",
            "fallback": True,
        },
    ],
    "sections": [],
    "fallback_reason": "safety-text-untranslated",
}
REVIEW: dict[str, Any] = {
    "reviewed_by": {"name": "dr-reyes", "role": "reviewer", "credentials": "MD, dermatology"},
    "last_reviewed": "2026-11-24",
    "next_review_due": "2027-11-24",
    "review_status": "current",
    "interval_months": 12,
    "translation": {
        "locale": "es",
        "approved_by": {"name": "marta", "role": "reviewer"},
        "approved_at": "2026-11-25T09:30:00Z",
    },
}
ARTICLE: dict[str, Any] = {
    "slug": _SLUG,
    "version": 1,
    "content_hash": _HASH,
    "published_at": "2026-11-24T12:00:00Z",
    "locale": "es",
    "dir": "ltr",
    "title": _TITLE,
    "audience": ["patients"],
    "completeness": _COMPLETENESS,
    "safety_coverage": _SAFETY,
    "review": REVIEW,
    "sections": [_SECTION],
}
JSONLD: dict[str, Any] = {
    "@type": "MedicalWebPage",
    "@context": "https://schema.org",
    "name": "Terapia con células madre para la pérdida de cabello",
    "inLanguage": "es",
    "version": "2",
    "dateModified": "2026-11-24",
    "lastReviewed": "2026-11-24",
    "reviewedBy": {
        "@type": "Person",
        "name": "dr-reyes",
        "jobTitle": "reviewer",
        "hasCredential": {
            "@type": "EducationalOccupationalCredential",
            "name": "MD, dermatology",
        },
    },
    "about": [
        {
            "@type": "MedicalCondition",
            "name": "alopecia androgenética",
            "code": {"@type": "MedicalCode", "codeValue": "L64", "codingSystem": "ICD-10"},
        },
        {"@type": "MedicalCondition", "name": {"@value": "hair loss", "@language": "en"}},
    ],
    "audience": [{"@type": "MedicalAudience", "audienceType": "patients"}],
    "citation": [
        {
            "@type": "CreativeWork",
            "name": "Minoxidil topical solution: drug label",
            "url": "https://dailymed.nlm.nih.gov/dailymed/",
            "publisher": {"@type": "Organization", "name": "U.S. National Library of Medicine"},
            "datePublished": "2024-05-01",
        }
    ],
}
SECTION: dict[str, Any] = {
    "slug": _SLUG,
    "version": 1,
    "content_hash": _HASH,
    "locale": "es",
    "dir": "ltr",
    "section": _SECTION,
}
SUMMARIES: list[dict[str, Any]] = [
    {
        "slug": _SLUG,
        "version": 1,
        "content_hash": _HASH,
        "published_at": "2026-11-24T12:00:00Z",
        "locale": "es",
        "title": _TITLE,
        "completeness": _COMPLETENESS,
        "safety_coverage": _SAFETY,
        "review": REVIEW,
    }
]
TREATMENT: dict[str, Any] = {
    "id": "minoxidil",
    "name": {"text": "Minoxidil", "locale": "en", "fallback": False},
    "kind": "medication",
    "forms": ["topical", "oral"],
    "regulatory": [
        {
            "status": "fda-approved",
            "forms": ["topical", "oral"],
            "statement": {
                "text": "FDA-approved for androgenetic alopecia in both men and women",
                "locale": "en",
                "fallback": False,
            },
        }
    ],
    "audience": ["men", "women"],
    "form_details": [
        {"form": "topical"},
        {
            "form": "oral",
            "condition": {
                "text": "may be recommended for those unresponsive to the topical version",
                "locale": "en",
                "fallback": False,
            },
        },
    ],
    "evidence": [
        {
            "claim": "regulatory/0",
            "block": "alternatives/minoxidil/p2",
            "quote": {
                "text": "FDA-approved for androgenetic alopecia in both men and women",
                "locale": "en",
                "fallback": False,
            },
        },
        {
            "claim": "forms/oral",
            "block": "alternatives/minoxidil/p2",
            "quote": {
                "text": "oral minoxidil may be recommended for those unresponsive to the "
                "topical version",
                "locale": "en",
                "fallback": False,
            },
        },
    ],
    "article": _SLUG,
    "section": "alternatives/minoxidil",
}
LOCALES: list[dict[str, Any]] = [
    {
        "code": "ar",
        "english_name": "Arabic",
        "native_name": "العربية",
        "dir": "rtl",
        "fallback": ["en"],
        "completeness": {_SLUG: 0.4},
        "safety_coverage": {_SLUG: 0.25},
    }
]

VERSIONS: list[dict[str, Any]] = [
    {
        "slug": _SLUG,
        "number": 2,
        "content_hash": _HASH,
        "status": "published",
        "author": "alice",
        "message": "Clarify follow-up visits",
        "created_at": "2026-11-24T12:00:00Z",
        "published_at": "2026-11-24T12:00:00Z",
        "reviewer": "dr-reyes",
    }
]
DIFF: dict[str, Any] = {
    "slug": _SLUG,
    "from_version": 1,
    "to_version": 2,
    "changes": [
        {
            "id": "safety-and-efficacy",
            "change": "changed",
            "heading": "Safety and Efficacy of Stem Cell Treatments",
            "blocks": [
                {
                    "id": "p5",
                    "change": "changed",
                    "old": "Not everyone experiences the same degree of transformation.",
                    "new": "Not everyone sees the same change.",
                }
            ],
        }
    ],
}
BUNDLE: dict[str, Any] = {
    "locale": "es",
    "cursor": 7,
    "locales": LOCALES,
    "articles": [ARTICLE],
    "treatments": [TREATMENT],
}
CHANGES: dict[str, Any] = {
    "locale": "es",
    "since": 5,
    "cursor": 7,
    # The locale metadata changed too (a translation was approved); else it is null.
    "locales": LOCALES,
    "articles": [ARTICLE],
    "treatments": [],
    "removed": [{"kind": "treatment", "id": "spironolactone"}],
}
CHANGES_PATCHED: dict[str, Any] = {
    "locale": "es",
    "since": 7,
    "cursor": 8,
    # The correction's paragraph lost its Spanish translation: completeness changed.
    "locales": LOCALES,
    "articles": [],
    "treatments": [],
    "removed": [],
    # A one-paragraph correction: the paragraph (shown in English until its translation is
    # approved), the version and the figures that moved.
    "patches": [
        {
            "kind": "article",
            "id": _SLUG,
            "sha256": "5d0c0d3e5a4b8f6e2b1f3c9a7d6e4f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e",
            "ops": [
                {"op": "replace", "path": "/version", "value": 3},
                {
                    "op": "replace",
                    "path": "/content_hash",
                    "value": "sha256:9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c"
                    "1b3d5f7e9a1c3b5d7f9e1a3c5b7d9f1e",
                },
                {"op": "replace", "path": "/published_at", "value": "2026-12-08T09:30:00Z"},
                {
                    "op": "replace",
                    "path": "/completeness",
                    "value": {"translated": 105, "total": 106, "ratio": 0.9906},
                },
                {
                    "op": "replace",
                    "path": "/sections/0/blocks/0",
                    "value": {
                        "type": "paragraph",
                        "id": "p1",
                        "text": "Stem cell therapy for hair loss uses the body’s own "
                        "regenerative abilities…",
                        "safety": False,
                        "locale": "en",
                        "fallback": True,
                    },
                },
            ],
        }
    ],
}
SEARCH: dict[str, Any] = {
    "query": "celulas madre",
    "locale": "es",
    "results": [
        {
            "slug": _SLUG,
            "version": 1,
            "section_id": "candidates",
            "heading": "¿Quién es candidato a la terapia con células madre?",
            "block_id": "p1",
            "locale": "es",
            "fallback": False,
            "snippet": "Los candidatos a la terapia con células madre para la pérdida de cabello "
            "suelen incluir a personas con alopecia androgenética (pérdida de cabello de…",
            "highlights": [{"start": 32, "end": 39}, {"start": 40, "end": 45}],
        }
    ],
}


def ok(
    model: Any, example: Any, description: str, more: dict[str, Any] | None = None
) -> ResponseSpec:
    """The documented 200 answer of a delivery route: its model and a real example (and
    `more`, summary -> example, where a parameter changes the answer's shape)."""
    return ResponseSpec(
        data_container=model,
        generate_examples=False,
        description=description,
        examples=[
            Example(summary="example", value=example),
            *(Example(summary=summary, value=value) for summary, value in (more or {}).items()),
        ],
    )


HTML = """<!DOCTYPE html>
<html lang="es" dir="ltr">
<head><meta charset="utf-8">
<title>Terapia con células madre para la pérdida de cabello</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"MedicalWebPage",…}</script>
</head>
<body>
<article data-slug="stem-cell-therapy-for-hair-loss" data-version="2">
<header>
<h1>Terapia con células madre para la pérdida de cabello</h1>
<p class="review" data-status="current"><span class="reviewed-by">medical-reviewer</span> \
<time class="last-reviewed" datetime="2026-12-07">2026-12-07</time></p>
</header>
<section id="alternatives">
<h2>Alternativas a la terapia con células madre</h2>
<section id="alternatives/minoxidil" data-fallback-reason="safety-text-untranslated">
<h3 lang="en" data-fallback="en" class="fallback">Minoxidil</h3>
<p lang="en" data-fallback="en" class="safety fallback">Topical minoxidil (2 or 5 percent, \
liquid or foam) is approved by the US FDA, …<sup class="cites">\
<a href="#ref-gupta-foley-2014">[1]</a></sup></p>
<p class="treatment-ref"><a href="/v1/treatments/minoxidil?locale=es">Minoxidil</a></p>
</section>
</section>
<footer><ol class="references">
<li id="ref-gupta-foley-2014">Gupta AK, Foley KA. <cite><a href="https://doi.org/…">…</a></cite></li>
</ol></footer>
</article>
</body>
</html>
"""
SITEMAP: dict[str, Any] = {
    "articles": [
        {
            "slug": _SLUG,
            "version": 2,
            "lastmod": "2026-12-07T09:30:00Z",
            "x_default": "en",
            "alternates": [
                {
                    "hreflang": locale,
                    "lastmod": "2026-12-07T09:30:00Z" if locale == "es" else "2026-12-06T18:00:00Z",
                    "completeness": ratio,
                    "href": f"/v1/articles/{_SLUG}?locale={locale}",
                    "html": f"/v1/articles/{_SLUG}/html?locale={locale}",
                }
                for locale, ratio in (("ar", 0.6509), ("en", 1.0), ("es", 1.0), ("fr", 0.8208))
            ],
        }
    ]
}
