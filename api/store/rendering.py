"""Rendering at publish time: every published article version in every locale, the lists,
treatments, locale metadata and the search index, as stored documents, and the sync ledger
the offline bundles and the changes feed are spliced from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import msgspec
import sqlite_utils

from api.core.html import article_html
from api.core.jsonld import medical_web_page
from api.core.locales import describe_locale, regional_language
from api.core.messages import article_messages
from api.core.model import TreatmentCatalog
from api.core.output import ArticleSummary, VersionInfo
from api.core.render import (
    Catalogs,
    render_article,
    render_conditions,
    render_treatment,
    section_documents,
    summarize,
)
from api.core.sitemap import build_sitemap
from api.store.documents import (
    SITEMAP_KEY,
    DocumentWriter,
    article_key,
    get_document,
    html_key,
    jsonld_key,
)
from api.store.listing import store_summary
from api.store.reviews import article_review, today, translation_signoff
from api.store.search import index_article, index_records
from api.store.sync import track_changes
from api.store.translations import article_catalogs, rendered_locales, shared_catalogs
from api.store.versions import (
    load_article,
    load_treatments,
    published_slugs,
    published_versions,
    treatments_number,
)
from api.store.withdrawals import withdrawn_records

__all__ = ["render_documents"]

_summaries = msgspec.json.Decoder(list[ArticleSummary])


def render_documents(
    db: sqlite_utils.Database,
    slugs: set[str] | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    latest_only: bool = False,
    on: date | None = None,
) -> int:
    """Render every published version of `slugs` (default all) in every locale, plus the
    lists, treatments and locale metadata. Call inside a transaction. Returns documents written.

    `latest_only`: only the newest version of `slugs` is new (a publish). Earlier versions
    cannot have changed: their content is immutable, they name the treatment records they
    were published beside, and a publish changes no translation; so only the new one is
    rendered (a catalog approval, which changes translations, renders them all), with the
    version it replaces, whose review status becomes `superseded`.

    `on`: the date review statuses are computed for (default today; see api.store.reviews).
    """
    with DocumentWriter(db) as out:
        return _render(db, slugs, progress, latest_only, out, on or today())


def _render(
    db: sqlite_utils.Database,
    slugs: set[str] | None,
    progress: Callable[[str], None] | None,
    latest_only: bool,
    out: DocumentWriter,
    on: date,
) -> int:
    published = published_slugs(db)
    # Translations are read per article, so memory holds one article's at a time.
    shared = shared_catalogs(db, {slug for slug, _ in published})
    locales = rendered_locales(db)
    treatments = load_treatments(db)
    written = 0
    latest: dict[str, dict[str, ArticleSummary]] = {locale: {} for locale in locales}
    ratios: dict[str, dict[str, float]] = {locale: {} for locale in locales}
    safety: dict[str, dict[str, float]] = {locale: {} for locale in locales}
    # Publishing one article leaves the others as they were rendered: their summaries come
    # from the stored lists instead of rendering every article again in every locale.
    before = _stored_summaries(db, locales) if slugs is not None else {}
    for slug, current in published:
        kept = {code: before[code][slug] for code in before if slug in before[code]}
        if slugs is not None and slug not in slugs and len(kept) == len(locales):
            for locale, summary in kept.items():
                latest[locale][slug] = summary
                ratios[locale][slug] = summary.completeness.ratio
                safety[locale][slug] = summary.safety_coverage.ratio
            continue
        catalogs = _with(shared, article_catalogs(db, slug, locales))
        signoffs = {
            code: translation_signoff(db, slug, regional_language(code) or code) for code in locales
        }
        rows = published_versions(db, slug)
        replaced = max((r.number for r in rows if r.number < current), default=0)
        for row in rows:
            if row.number != current and (
                (latest_only and row.number != replaced)
                or (slugs is not None and slug not in slugs)
            ):
                continue
            article = load_article(db, slug, row.number)
            info = VersionInfo(
                number=row.number,
                content_hash=row.content_hash,
                published_at=row.published_at or row.created_at,
            )
            beside = _records(db, row.treatments, treatments)
            messages = article_messages(article)
            review = article_review(db, article, row, current, on)
            for locale in locales:
                reviewed = msgspec.structs.replace(review, translation=signoffs[locale])
                rendered = render_article(
                    article, info, locale, catalogs, beside, messages, reviewed
                )
                if row.number == current:
                    conditions = render_conditions(article, locale, catalogs)
                    page = medical_web_page(article, rendered, conditions)
                    written += out.put(jsonld_key(slug, locale), page)
                    written += out.put_bytes(html_key(slug, locale), article_html(rendered, page))
                    latest[locale][slug] = summarize(rendered)
                    store_summary(db, latest[locale][slug])
                    ratios[locale][slug] = rendered.completeness.ratio
                    safety[locale][slug] = rendered.safety_coverage.ratio
                    index_article(db, rendered)
                if slugs is not None and slug not in slugs:
                    continue
                sections = [
                    (f"section/{slug}/{row.number}/{locale}/{doc.section.id}", doc)
                    for doc in section_documents(rendered)
                ]
                written += out.put_all(
                    [(article_key(slug, row.number, locale), rendered), *sections]
                )
        if progress:
            progress(slug)
    written += _render_shared(db, out, locales, shared, treatments, latest, (ratios, safety))
    out.flush()  # the change feed reads the stored documents
    # A publish (`latest_only`) changes only its own articles' documents; anything else
    # (an import, an approval, a withdrawal) compares every item.
    track_changes(db, locales, slugs if latest_only and slugs else None)
    return written


def _records(db: sqlite_utils.Database, number: int, current: TreatmentCatalog) -> TreatmentCatalog:
    """The records a version was published beside, so its bytes never change after."""
    if number in (0, treatments_number(db)):
        return current
    return load_treatments(db, number)


def _with(shared: Catalogs, own: Catalogs) -> Catalogs:
    return {code: {**shared.get(code, {}), **own.get(code, {})} for code in {*shared, *own}}


def _stored_summaries(
    db: sqlite_utils.Database, locales: list[str]
) -> dict[str, dict[str, ArticleSummary]]:
    out: dict[str, dict[str, ArticleSummary]] = {}
    for locale in locales:
        document = get_document(db, f"articles/{locale}")
        try:
            summaries = _summaries.decode(document.body) if document else []
        except msgspec.ValidationError:
            summaries = []  # rendered by an older release: render those articles again
        out[locale] = {summary.slug: summary for summary in summaries}
    return out


def _render_shared(
    db: sqlite_utils.Database,
    out: DocumentWriter,
    locales: list[str],
    catalogs: Catalogs,
    treatments: TreatmentCatalog,
    latest: dict[str, dict[str, ArticleSummary]],
    figures: tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]],
) -> int:
    ratios, safety = figures
    written = 0
    withdrawn = withdrawn_records(db)
    served = [t for t in treatments.treatments if t.id not in withdrawn]
    # Only the articles records belong to: a record carries the references it cites.
    described = {t.article for t in treatments.treatments}
    references = {
        slug: load_article(db, slug, number).references
        for slug, number in published_slugs(db)
        if slug in described
    }
    for locale in locales:
        written += out.put(f"articles/{locale}", list(latest[locale].values()))
        rendered = [
            render_treatment(t, locale, catalogs, references.get(t.article, ())) for t in served
        ]
        written += out.put(f"treatments/{locale}", rendered)
        index_records(db, locale, rendered)
        for treatment in rendered:
            written += out.put(f"treatment/{treatment.id}/{locale}", treatment)
    written += out.put(
        "locales", [describe_locale(code, ratios[code], safety[code]) for code in locales]
    )
    written += out.put(SITEMAP_KEY, build_sitemap(latest))
    return written
