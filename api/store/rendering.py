"""Rendering at publish time: every published article version in every locale, treatments
and the search index, as stored documents; each article's rows of the lists, the sitemap
and the locale metadata; and the sync ledger the offline bundles and the changes feed are
spliced from."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import date

import msgspec
import sqlite_utils

from api.core.catalog_domains import SHARED_PREFIXES
from api.core.locales import regional_language
from api.core.model import TreatmentCatalog
from api.core.negotiation import locale_chain
from api.core.output import ArticleSummary, TreatmentOut, VersionInfo
from api.core.render import Catalogs, render_treatment
from api.core.sitemap import build_sitemap
from api.store.documents import DocumentWriter, get_document
from api.store.figures import (
    drop_other_locales,
    figures_complete,
    figures_held,
    store_figures,
)
from api.store.listing import store_sitemap_entry, store_summary, stored_summaries
from api.store.render_work import Job, Renderer, rendered_in_order, with_shared
from api.store.reviews import article_review, today, translation_signoff
from api.store.search import index_records, index_sections
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
    processes: int | None = None,
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

    `processes`: worker processes rendering the articles while this one writes (default:
    one per core but this one's, from `POOL_FROM` articles; 0: none).
    """
    with DocumentWriter(db) as out:
        return _render(
            db, slugs, progress, latest_only, out, on or today(), language, all_records, processes
        )


def _render(
    db: sqlite_utils.Database,
    slugs: set[str] | None,
    progress: Callable[[str], None] | None,
    latest_only: bool,
    out: DocumentWriter,
    on: date,
    language: str | None = None,
    all_records: bool = True,
    processes: int | None = None,
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
    chosen = [
        (slug, current)
        for slug, current in published
        if not (slugs is not None and slug not in slugs and kept)
    ]
    jobs = _jobs(db, chosen, slugs, latest_only, shown, treatments, on)
    renderer = Renderer(shared, treatments)
    first = _first(db)
    told: str | None = None
    for job, rendered in rendered_in_order(renderer, jobs, len(chosen), processes, new=first):
        slug = job.article.slug
        if progress and told is not None and told != slug:
            progress(told)
        told = slug
        # The article's documents in one go (what the keys hold and which bytes are
        # stored: asked once), in the order they were rendered.
        documents = [document for put in rendered.puts for document in put]
        written += out.put_all_bytes(
            [(key, body) for key, body, _, _ in documents],
            [etag for _, _, etag, _ in documents],
            [forms for _, _, _, forms in documents],
        )
        for locale, made in rendered.figures.items():
            store_summary(db, made.summary)
            store_figures(db, locale, slug, made.completeness, made.safety_coverage)
            index_sections(db, locale, slug, job.info.number, made.texts)
        if rendered.figures:
            # Its sitemap entry (its list entries and figures are stored above; those of
            # the locales not rendered as stored), stored as it is rendered rather than
            # every article's entries held to the end.
            entries = {code: {slug: made.summary} for code, made in rendered.figures.items()}
            entries.update(
                (code, {slug: found[slug]})
                for code, found in latest.items()
                if code not in entries and slug in found
            )
            for entry in build_sitemap(entries).articles:
                store_sitemap_entry(db, entry.slug, _encode(entry))
    if progress and told is not None:
        progress(told)
    # An article leaves the list, sitemap and locale metadata rows when it is withdrawn
    # (`unlist_article`, by key): no render scans them. The lists, the sitemap and the
    # locale metadata are spliced from these rows when asked for.
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


def _jobs(
    db: sqlite_utils.Database,
    chosen: list[tuple[str, int]],
    slugs: set[str] | None,
    latest_only: bool,
    locales: list[str],
    treatments: TreatmentCatalog,
    on: date,
) -> Iterator[Job]:
    """What rendering each chosen article needs, read from the database as it is asked
    for: every published version (or, `latest_only`, the current one and the one it
    replaces), in every locale."""
    for slug, current in chosen:
        own = article_catalogs(db, slug, locales)
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
            review = article_review(db, article, row, current, on)
            yield Job(
                article=article,
                info=VersionInfo(
                    number=row.number,
                    content_hash=row.content_hash,
                    published_at=row.published_at or row.created_at,
                ),
                own=own,
                # The records a version was published beside, so its bytes never change
                # after (None: the current ones, which the renderer holds).
                records=None
                if row.treatments in (0, treatments_number(db))
                else load_treatments(db, row.treatments),
                reviews={
                    code: msgspec.structs.replace(review, translation=signoffs[code])
                    for code in locales
                },
                locales=locales,
                latest=row.number == current,
                documents=slugs is None or slug in slugs,
            )


def _first(db: sqlite_utils.Database) -> bool:
    """Whether no article was rendered yet (a first import): every document is new."""
    row = db.execute(
        "SELECT 1 FROM documents WHERE key >= 'article/' AND key < 'article0' LIMIT 1"
    ).fetchone()
    return row is None


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
    beside = {slug: with_shared(catalogs, article_catalogs(db, slug, locales)) for slug in articles}
    for locale in locales:
        rendered = []
        for t in served:
            stored = None if only is None or t.article in only else _stored_record(db, t.id, locale)
            if stored is None and t.article not in articles and t.article in described:
                # Not stored (a record new to this locale): rendered beside its article.
                for slug, number in published_among(db, [t.article]):
                    articles[slug] = load_article(db, slug, number)
                    beside[slug] = with_shared(catalogs, article_catalogs(db, slug, locales))
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
