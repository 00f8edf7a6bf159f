"""Rendering at publish time: every published article version in every locale, treatments
and the search index, as stored documents; each article's rows of the lists, the sitemap
and the locale metadata; and the sync ledger the offline bundles and the changes feed are
spliced from."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date

import msgspec
import sqlite_utils

from api.core.catalog_domains import SHARED_PREFIXES
from api.core.html import article_html
from api.core.jsonld import medical_web_page
from api.core.locales import regional_language
from api.core.messages import article_messages
from api.core.model import TreatmentCatalog
from api.core.negotiation import locale_chain
from api.core.output import ArticleSummary, TreatmentOut, VersionInfo
from api.core.render import (
    Catalogs,
    render_article,
    render_conditions,
    render_treatment,
    section_documents,
    summarize,
)
from api.core.sitemap import build_sitemap
from api.store.documents import DocumentWriter, article_key, get_document, html_key, jsonld_key
from api.store.figures import (
    drop_other_locales,
    figures_complete,
    figures_held,
    store_figures,
)
from api.store.listing import store_sitemap_entry, store_summary, stored_summaries
from api.store.reviews import article_review, today, translation_signoff
from api.store.search import index_article, index_records
from api.store.sync import track_changes
from api.store.translations import article_catalogs, rendered_locales, shared_catalogs
from api.store.versions import (
    load_article,
    load_treatments,
    published_among,
    published_slugs,
    published_versions,
    treatments_number,
)
from api.store.withdrawals import withdrawn_records

__all__ = ["render_documents"]


def render_documents(
    db: sqlite_utils.Database,
    slugs: set[str] | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    latest_only: bool = False,
    on: date | None = None,
    language: str | None = None,
    all_records: bool = True,
) -> int:
    """Render every published version of `slugs` (default all) in every locale, their rows
    of the lists, the sitemap and the locale metadata, plus treatments. Call inside a
    transaction. Returns documents written.

    `latest_only`: only the newest version of `slugs` is new (a publish). Earlier versions
    cannot have changed: their content is immutable, they name the treatment records they
    were published beside, and a publish changes no translation; so only the new one is
    rendered (a catalog approval, which changes translations, renders them all), with the
    version it replaces, whose review status becomes `superseded`.

    `on`: the date review statuses are computed for (default today; see api.store.reviews).

    `language`: only translations into this language changed (an approval of some of its
    catalog), so of `slugs` only the locales showing its text (the language and those
    falling back through it: es and es-MX, not fr) are rendered; the others' documents
    and rows stay as stored.

    `all_records`: every treatment record can have changed (its set was published, or
    one was withdrawn); else only the records of `slugs`' articles are rendered again.
    """
    with DocumentWriter(db) as out:
        return _render(db, slugs, progress, latest_only, out, on or today(), language, all_records)


def _render(
    db: sqlite_utils.Database,
    slugs: set[str] | None,
    progress: Callable[[str], None] | None,
    latest_only: bool,
    out: DocumentWriter,
    on: date,
    language: str | None = None,
    all_records: bool = True,
) -> int:
    locales = rendered_locales(db)
    # Publishing one article leaves the others as they were rendered: their rows of the
    # lists, the sitemap and the locale metadata are kept as stored, instead of rendering
    # every article again in every locale (unless the metadata lack some: a database
    # rendered by an earlier release). Nor are the others' publications read.
    kept = slugs is not None and figures_held(db)
    published = published_among(db, slugs) if kept and slugs is not None else published_slugs(db)
    # Translations are read per article, so memory holds one article's at a time.
    shared = shared_catalogs(db, _articles(db, published, kept))
    treatments = load_treatments(db)
    written = 0
    latest: dict[str, dict[str, ArticleSummary]] = {locale: {} for locale in locales}
    # The locales whose documents can change; the others' list entries (which the sitemap
    # entries are made of) as stored.
    shown = locales
    if kept and slugs is not None and language is not None:
        shown = [code for code in locales if language in locale_chain(code)]
        others = {code: stored_summaries(db, code, slugs) for code in locales if code not in shown}
        if all(set(found) == {s for s, _ in published} for found in others.values()):
            latest.update(others)
        else:
            shown = locales  # an entry is missing: render every locale
    for slug, current in published:
        if slugs is not None and slug not in slugs and kept:
            continue
        catalogs = _with(shared, article_catalogs(db, slug, shown))
        signoffs = {
            code: translation_signoff(db, slug, regional_language(code) or code) for code in shown
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
            for locale in shown:
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
                    store_figures(
                        db,
                        locale,
                        slug,
                        rendered.completeness.ratio,
                        rendered.safety_coverage.ratio,
                    )
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
    # An article leaves the list, sitemap and locale metadata rows when it is withdrawn
    # (`unlist_article`, by key): no render scans them. The articles rendered now: their
    # sitemap entries (their list entries and figures are stored above); the lists, the
    # sitemap and the locale metadata are spliced from these rows when asked for.
    for entry in build_sitemap(latest).articles:
        store_sitemap_entry(db, entry.slug, _encode(entry))
    if not kept:
        drop_other_locales(db, locales)  # a locale no longer served
        figures_complete(db)
    only = None if all_records else (slugs if kept else None)
    written += _render_shared(db, out, shown, shared, treatments, only)
    out.flush()  # the change feed reads the stored documents
    # Rendering some articles (a publish, an approval of one article's catalog) changes
    # only their own article documents; anything else (an import, a withdrawal, which
    # names no article: `slugs` empty) compares every item.
    track_changes(db, locales, slugs or None)
    return written


def _articles(db: sqlite_utils.Database, published: list[tuple[str, int]], some: bool) -> set[str]:
    """The articles whose messages `shared_catalogs` leaves out: every published one. When
    `published` holds only `some` of them, the others matter only if one is named like a
    shared prefix (its messages lie in the shared key ranges): else these are enough."""
    if some and published_among(db, SHARED_PREFIXES):
        return {slug for slug, _ in published_slugs(db)}
    return {slug for slug, _ in published}


def _records(db: sqlite_utils.Database, number: int, current: TreatmentCatalog) -> TreatmentCatalog:
    """The records a version was published beside, so its bytes never change after."""
    if number in (0, treatments_number(db)):
        return current
    return load_treatments(db, number)


def _with(shared: Catalogs, own: Catalogs) -> Catalogs:
    return {code: {**shared.get(code, {}), **own.get(code, {})} for code in {*shared, *own}}


def _render_shared(
    db: sqlite_utils.Database,
    out: DocumentWriter,
    locales: list[str],
    catalogs: Catalogs,
    treatments: TreatmentCatalog,
    only: Collection[str] | None = None,
) -> int:
    """The treatment records in every locale (and their search entries). `only`: the
    articles whose records can have changed (their article was published, or its catalog
    approved, and the records stayed as they were); the others' stay as stored."""
    written = 0
    withdrawn = withdrawn_records(db)
    served = [t for t in treatments.treatments if t.id not in withdrawn]
    described = {t.article for t in treatments.treatments}
    # A record is served beside its article's published version: it carries the
    # references its claims cite, and its quotes stand in that version's blocks...
    articles = {
        slug: load_article(db, slug, number)
        for slug, number in published_among(db, described)
        if only is None or slug in only
    }
    # ...and their blocks' translations (an article's own catalog) beside the shared ones.
    beside = {slug: _with(catalogs, article_catalogs(db, slug, locales)) for slug in articles}
    for locale in locales:
        rendered = []
        for t in served:
            stored = None if only is None or t.article in only else _stored_record(db, t.id, locale)
            if stored is None and t.article not in articles and t.article in described:
                # Not stored (a record new to this locale): rendered beside its article.
                for slug, number in published_among(db, [t.article]):
                    articles[slug] = load_article(db, slug, number)
                    beside[slug] = _with(catalogs, article_catalogs(db, slug, locales))
            if stored is None:
                stored = render_treatment(
                    t,
                    locale,
                    beside.get(t.article, catalogs),
                    articles[t.article].references if t.article in articles else (),
                    articles.get(t.article),
                )
            rendered.append(stored)
        written += out.put(f"treatments/{locale}", rendered)
        index_records(db, locale, rendered)
        for treatment in rendered:
            written += out.put(f"treatment/{treatment.id}/{locale}", treatment)
    return written


_treatment = msgspec.json.Decoder(TreatmentOut)


def _stored_record(db: sqlite_utils.Database, record: str, locale: str) -> TreatmentOut | None:
    """A record's document in `locale` as stored (None when there is none)."""
    document = get_document(db, f"treatment/{record}/{locale}")
    return _treatment.decode(document.body) if document is not None else None


_encode = msgspec.json.Encoder().encode
