"""The CPU-bound part of rendering one article version in every locale: its documents as
final bytes with their strong ETags, its list entries, locale figures and search texts.

It needs no database: `api.store.rendering` reads what it needs (the version, its
translations, its review metadata) inside the rendering transaction and writes what comes
back, in order. A large render (an import) runs it in worker processes while the caller
writes the articles before, so both cores work; a small one (a publish) runs it in line.
Either way every document is the same bytes (tests/store/test_render_work.py).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import NamedTuple

import msgspec

from api.core.html import article_html
from api.core.jsonld import medical_web_page
from api.core.messages import article_messages
from api.core.model import Article, TreatmentCatalog
from api.core.output import ArticleSummary, ReviewOut, VersionInfo
from api.core.render import (
    Catalogs,
    render_article,
    render_conditions,
    section_documents,
    summarize,
)
from api.core.search import SectionText, section_texts
from api.store.documents import (
    Forms,
    article_key,
    compressed,
    html_key,
    jsonld_key,
    strong_etag,
)

__all__ = ["Job", "Rendered", "Renderer", "rendered_in_order", "with_shared"]

_encode = msgspec.json.Encoder().encode

Made = tuple[str, bytes, str, Forms | None]
"""A rendered document: its key, final bytes, strong ETag and, when the renderer compresses,
its compressed forms (None: left to the writer, which compresses what it does not hold)."""
Put = list[Made]
"""Documents stored together, in order."""


class Job(NamedTuple):
    """One article version to render in `locales`."""

    article: Article
    info: VersionInfo
    own: Catalogs
    """The article's own translations (the shared ones are the renderer's)."""
    records: TreatmentCatalog | None
    """The treatment records the version was published beside; None: the current ones."""
    reviews: dict[str, ReviewOut]
    """The review metadata per locale (with that locale's translation sign-off)."""
    locales: list[str]
    latest: bool
    """The latest version: its JSON-LD, HTML, list entries, figures and search texts too."""
    documents: bool
    """Its article and section documents (False: an article kept as rendered before, whose
    latest version's entries alone are made again)."""


class Figures(NamedTuple):
    """What the latest version tells beside its documents, in one locale."""

    summary: ArticleSummary
    completeness: float
    safety_coverage: float
    texts: list[SectionText]


class Rendered(NamedTuple):
    puts: list[Put]
    """Each `put` of the rendering, in order."""
    figures: dict[str, Figures]
    """Per locale, for the latest version."""


class Renderer:
    """Renders jobs against the shared translations and the current treatment records;
    `compress`: with each document's compressed forms too (bytes it made lately aside)."""

    def __init__(
        self, shared: Catalogs, treatments: TreatmentCatalog, compress: bool = False
    ) -> None:
        self.shared = shared
        self.treatments = treatments
        self.compress = compress
        self._made: dict[str, None] = {}
        """The ETags of the latest bytes compressed here, oldest first (at most _REMEMBERED):
        the same bytes again (the same JSON-LD of identical articles) go without."""

    def render(self, job: Job) -> Rendered:
        article, slug = job.article, job.article.slug
        catalogs = with_shared(self.shared, job.own)
        records = job.records if job.records is not None else self.treatments
        messages = article_messages(article)
        puts: list[Put] = []
        figures: dict[str, Figures] = {}
        for locale in job.locales:
            rendered = render_article(
                article, job.info, locale, catalogs, records, messages, job.reviews[locale]
            )
            if job.latest:
                conditions = render_conditions(article, locale, catalogs)
                page = medical_web_page(article, rendered, conditions)
                puts.append([self._document(jsonld_key(slug, locale), _encode(page))])
                puts.append([self._document(html_key(slug, locale), article_html(rendered, page))])
                figures[locale] = Figures(
                    summarize(rendered),
                    rendered.completeness.ratio,
                    rendered.safety_coverage.ratio,
                    section_texts(rendered),
                )
            if not job.documents:
                continue
            number = job.info.number
            put = [self._document(article_key(slug, number, locale), _encode(rendered))]
            put.extend(
                self._document(f"section/{slug}/{number}/{locale}/{doc.section.id}", _encode(doc))
                for doc in section_documents(rendered)
            )
            puts.append(put)
        return Rendered(puts, figures)

    def _document(self, key: str, body: bytes) -> Made:
        etag = strong_etag(body)
        if not self.compress or etag in self._made:
            return key, body, etag, None
        self._made[etag] = None
        if len(self._made) > _REMEMBERED:
            del self._made[next(iter(self._made))]
        document = compressed(body, etag)
        return key, body, etag, (document.gzip, document.br)


_REMEMBERED = 4096


def with_shared(shared: Catalogs, own: Catalogs) -> Catalogs:
    """The shared translations with an article's own (its own win)."""
    return {code: {**shared.get(code, {}), **own.get(code, {})} for code in {*shared, *own}}


POOL_FROM = 48
"""Versions from which a render uses worker processes: below, starting them (about a second,
spent once) costs more than they save."""

_worker: Renderer | None = None


def _start(shared: Catalogs, treatments: TreatmentCatalog, compress: bool) -> None:
    global _worker
    _worker = Renderer(shared, treatments, compress)


def _run(job: Job) -> Rendered:
    assert _worker is not None
    return _worker.render(job)


def rendered_in_order(
    renderer: Renderer,
    jobs: Iterable[Job],
    count: int,
    processes: int | None = None,
    *,
    new: bool = False,
) -> Iterator[tuple[Job, Rendered]]:
    """Each job with what it rendered, in order. With `count` jobs or more than POOL_FROM
    (or `processes` given) they are rendered by worker processes, a few jobs ahead of the
    one handed back, so memory holds a few articles' documents at a time; otherwise here,
    one at a time. The jobs are read lazily: a job's inputs are read from the database
    while the workers render the ones before.

    `new`: nothing rendered is stored yet (a first import), so the workers compress every
    document too; otherwise the writer compresses only the bytes it does not hold."""
    if processes is None:
        processes = _processes() if count >= POOL_FROM else 0
    if processes <= 0:
        for job in jobs:
            yield job, renderer.render(job)
        return
    # Spawned, not forked: the caller holds an open transaction and threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        processes,
        mp_context=context,
        initializer=_start,
        initargs=(renderer.shared, renderer.treatments, new),
    ) as pool:
        ahead: deque[tuple[Job, Future[Rendered]]] = deque()
        try:
            for job in jobs:
                ahead.append((job, pool.submit(_run, job)))
                if len(ahead) > 2 * processes:
                    done, future = ahead.popleft()
                    yield done, future.result()
            while ahead:
                done, future = ahead.popleft()
                yield done, future.result()
        finally:
            for _, future in ahead:
                future.cancel()


def _processes() -> int:
    """Worker processes for a large render: one per core but the caller's, which writes
    (and compresses, on threads) what they render; at least one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) - 1)
