"""Importing the content of record into the database as one transaction, without ever
publishing what nobody reviewed, undoing what was published, or overwriting what was
approved through the API since the last import/export.

An empty database is seeded: the repository is then the reviewed source, and its content
is published directly. On a database with published content, changed files become drafts
submitted for review and pending catalogs, written by a named author; a file that is
behind what readers get (an old checkout) stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Protocol

import msgspec
import sqlite_utils

from api.core.access import Principal, Target, may
from api.core.catalog import CatalogHeader, ParsedCatalog
from api.core.catalog_changes import as_stored
from api.core.catalog_domains import LEGACY_DOMAIN
from api.core.errors import AuthorRequired, Conflict, ImportRefused, NothingChanged
from api.core.history import ArticleHistory
from api.core.model import Article, TreatmentCatalog, content_hash
from api.core.provenance import behind_published
from api.core.workflow import article_etag
from api.sources import ContentReader, ContentSet, OnArticle, OnCatalog, catalog_path
from api.store.audit import record
from api.store.catalogs import catalog_target, stage_catalog
from api.store.drafts import create_draft, submit_draft
from api.store.history import record_logged_version
from api.store.rendering import render_documents
from api.store.schema import no_other_readers_journal, transaction
from api.store.translations import (
    TEMPLATE_LOCALE,
    catalog_entries,
    catalog_hash,
    replace_catalog,
    store_header,
)
from api.store.versions import (
    holds_content,
    latest_version,
    load_article,
    publish_version,
    published_versions,
    save_treatments,
    treatments_number,
)

__all__ = ["IMPORTER", "ImportReport", "import_content", "mark_synced"]

IMPORTER = Principal(name="import", role="admin")
TREATMENTS_FILE = "content/treatments.yaml"
_OPEN_DRAFT = ("draft", "in_review", "rejected")


class ImportReport(msgspec.Struct, frozen=True, kw_only=True):
    """What an import changed."""

    new_versions: dict[str, int]
    unchanged: list[str]
    treatments_changed: bool
    translations: dict[str, int]
    documents_written: int
    drafts: dict[str, int] = msgspec.field(default_factory=dict)
    """slug -> id of the draft submitted for review (a database with published content)."""
    pending: list[str] = msgspec.field(default_factory=list)
    """Locales whose catalog now awaits review."""
    awaiting: list[str] = msgspec.field(default_factory=list)
    """Changes already awaiting review from an earlier import, not proposed twice."""


def _synced(db: sqlite_utils.Database, key: str) -> tuple[str, str] | None:
    row = db.execute("SELECT file_hash, db_hash FROM file_sync WHERE key = ?", [key]).fetchone()
    return (row[0], row[1]) if row else None


def mark_synced(db: sqlite_utils.Database, key: str, file_hash: str, db_hash: str) -> None:
    """Remember that the files and the database agree on `key` (inside a transaction)."""
    db.execute(
        "INSERT INTO file_sync (key, file_hash, db_hash) VALUES (?, ?, ?) ON CONFLICT (key) "
        "DO UPDATE SET file_hash = excluded.file_hash, db_hash = excluded.db_hash",
        [key, file_hash, db_hash],
    )


def _both_changed(key: str) -> str:
    return (
        f"{key} changed both in the files and in the database since the last import or "
        "export; run `vetted export` to a scratch folder and merge first; nothing was stored"
    )


def _should_import(
    db: sqlite_utils.Database, key: str, file_hash: str, db_hash: str | None
) -> bool:
    """Import when the file changed and the database did not move on by itself since the
    last sync; refuse when both changed, so neither side's work is lost."""
    if db_hash == file_hash:
        mark_synced(db, key, file_hash, file_hash)
        return False
    synced = _synced(db, key)
    if synced is None or db_hash is None or synced[1] == db_hash:
        return True
    if synced[0] == file_hash:
        return False  # only the database changed: `vetted export` writes it back
    raise Conflict(_both_changed(key))


class _Files(Protocol):
    """What an import reads besides the articles and catalogs (a ContentSet, or a
    ContentReader: its template header once it has been read)."""

    @property
    def treatments(self) -> TreatmentCatalog: ...
    @property
    def history(self) -> tuple[ArticleHistory, ...]: ...
    @property
    def article_files(self) -> dict[str, str]: ...
    @property
    def template_header(self) -> CatalogHeader | None: ...


class _Read(Protocol):
    """Hands over each catalog and article, then raises ImportRejected if any file was
    invalid (ContentReader.read)."""

    def __call__(
        self, on_catalog: OnCatalog, on_article: OnArticle, *, held: bool = ...
    ) -> None: ...


def import_content(
    db: sqlite_utils.Database,
    content: ContentSet | ContentReader,
    progress: Callable[[str], None] | None = None,
    author: Principal | None = None,
) -> ImportReport:
    """Store validated content, all or nothing.

    An empty database (nothing published) is seeded: a new published version of each
    article, the treatments, the approved catalogs and every rendered document, with
    `import` as author, since the repository is then the reviewed source.

    A database with published content is never published to: each changed article
    becomes a draft by `author` submitted for review, each changed catalog a pending
    upload by `author`. Refused, with nothing stored: a file behind what readers get (an
    old checkout), a changed treatments file, a file and database that both changed since
    they last agreed, and changes without an `author` (AuthorRequired).

    From a ContentReader, each catalog is validated and stored before the next is parsed,
    so one parsed catalog is held at a time; an invalid file found after something was
    stored raises ImportRejected inside the transaction, which rolls it all back.
    Progress about catalogs is told once every file has been read, so what is said is
    the same as when everything was validated first.
    """
    say = progress or (lambda _: None)
    files, read = _split(content)
    # The caller's reference aside, the files are now only `files` (and `read`).
    del content
    # A seed writes every rendered document: written once, not through the WAL. (Checked
    # again inside the transaction: someone may publish meanwhile.)
    # Held content: published, or withdrawn by reviewers (never published again from files).
    journal = nullcontext() if holds_content(db) else no_other_readers_journal(db)
    with journal, transaction(db):
        if holds_content(db):
            return _propose(db, files, read, author, say)
        report = _store(db, files, read, say)
        # Rendering reads everything back from the database: let the parsed files go
        # first (a caller that passes them inline frees a third of a large import's memory).
        del files, read
        written = render_documents(db, progress=lambda slug: say(f"rendered {slug}"))
        say(f"committing {written} documents")
    return msgspec.structs.replace(report, documents_written=written)


def _split(content: ContentSet | ContentReader) -> tuple[_Files, _Read]:
    """The files, and how to go through the articles and catalogs; a reader that found an
    invalid file already (treatments, history, template, catalog names) raises
    ImportRejected here, listing every error, before anything is written."""
    if isinstance(content, ContentReader):
        if not content.valid:
            content.read(lambda _: None, lambda _, __: None)
        return content, content.read

    def held(on_catalog: OnCatalog, on_article: OnArticle, *, held: bool = True) -> None:
        for article in content.articles:
            file = content.article_files.get(article.slug, f"content/articles/{article.slug}.yaml")
            on_article(article, file)
        for catalog in content.catalogs:
            on_catalog(catalog)

    return content, held


def _history(db: sqlite_utils.Database, slug: str) -> list[tuple[int, Article]]:
    rows = published_versions(db, slug)
    return [(row.number, load_article(db, slug, row.number)) for row in rows]


def _open_draft(db: sqlite_utils.Database, slug: str, digest: str) -> tuple[int, str] | None:
    row = db.execute(
        "SELECT id, status FROM drafts WHERE slug = ? AND content_hash = ? AND status IN "
        f"({', '.join('?' for _ in _OPEN_DRAFT)}) ORDER BY id DESC LIMIT 1",
        [slug, digest, *_OPEN_DRAFT],
    ).fetchone()
    return (row[0], row[1]) if row else None


def _open_treatments_draft(db: sqlite_utils.Database, records: TreatmentCatalog) -> int | None:
    """An open draft whose latest revision proposes exactly these treatment records."""
    row = db.execute(
        "SELECT d.id FROM drafts d JOIN draft_revisions r "
        "ON r.draft_id = d.id AND r.revision = d.revision "
        f"WHERE r.treatments = ? AND d.status IN ({', '.join('?' for _ in _OPEN_DRAFT)}) "
        "ORDER BY d.id DESC LIMIT 1",
        [_records_json(records).decode(), *_OPEN_DRAFT],
    ).fetchone()
    return int(row[0]) if row else None


_records_json = msgspec.json.Encoder(order="deterministic").encode


def _sync_conflict(db: sqlite_utils.Database, key: str, file_hash: str, db_hash: str) -> bool:
    """Both sides moved since they last agreed on `key`."""
    synced = _synced(db, key)
    return synced is not None and synced[1] != db_hash and synced[0] != file_hash


def _approved_before(db: sqlite_utils.Database, locale: str, domain: str | None) -> dict[str, str]:
    """Digest -> when, of every state of the catalog of `locale` (or of one domain of it)
    that was once approved."""
    rows = db.execute(
        "SELECT after_hash, at FROM audit WHERE target = ? AND after_hash IS NOT NULL "
        "AND action IN ('catalog.import', 'catalog.approve') ORDER BY id",
        [catalog_target(locale, domain)],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def _treatments_hash(db: sqlite_utils.Database) -> str | None:
    row = db.execute(
        "SELECT content_hash FROM treatment_sets ORDER BY number DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def _propose(
    db: sqlite_utils.Database,
    content: _Files,
    read: _Read,
    author: Principal | None,
    say: Callable[[str], None],
) -> ImportReport:
    """Turn the files' changes into drafts and pending catalogs (inside the import's
    transaction). A changed catalog is staged as soon as it is read while nothing is
    refused; a refusal, an invalid file or a missing author found later raises, and the
    transaction rolls back whatever was staged. Drafts are made last, once nothing can be
    refused any more."""
    proposal = _Proposal(db, author)
    # The treatments before the catalogs: a refusal stops staging. (Every article is
    # handed over before the catalogs, in folder order, as the refusals are listed.)
    proposal.treatments(content.treatments)
    read(proposal.catalog, proposal.article, held=True)
    proposal.refuse_or_go_on()
    drafts = proposal.drafts(content, say)
    if content.template_header is not None:
        store_header(db, TEMPLATE_LOCALE, "approved", content.template_header)
    return ImportReport(
        new_versions={},
        unchanged=proposal.unchanged,
        treatments_changed=False,
        translations={},
        documents_written=0,
        drafts=drafts,
        pending=proposal.pending,
        awaiting=proposal.awaiting,
    )


class _Proposal:
    """What an import into a published database proposes, kind by kind (articles, the
    treatment records, catalogs): what is unchanged, what already awaits review, what is
    refused, and what goes to review."""

    def __init__(self, db: sqlite_utils.Database, author: Principal | None) -> None:
        self.db = db
        self.author = author
        self._article_refusals: list[str] = []
        self._records_refusals: list[str] = []
        self._catalog_refusals: list[str] = []
        self.unchanged: list[str] = []
        self._article_awaiting: list[str] = []
        self._records_awaiting: list[str] = []
        self._catalog_awaiting: list[str] = []
        self.articles: list[Article] = []
        self.records: TreatmentCatalog | None = None
        self.pending: list[str] = []
        self.staged: list[str] = []

    @property
    def refusals(self) -> list[str]:
        """What is refused: the articles', the treatment records', the catalogs'."""
        return [*self._article_refusals, *self._records_refusals, *self._catalog_refusals]

    @property
    def awaiting(self) -> list[str]:
        """What already awaits review, in the same order."""
        return [*self._article_awaiting, *self._records_awaiting, *self._catalog_awaiting]

    def article(self, article: Article, file: str) -> None:
        db = self.db
        digest = content_hash(article)
        key = f"article/{article.slug}"
        head = latest_version(db, article.slug)
        if head is not None and head.content_hash == digest:
            mark_synced(db, key, digest, digest)
            self.unchanged.append(article.slug)
            return
        if head is not None:
            behind = behind_published(article, _history(db, article.slug))
            if behind is not None:
                self._article_refusals.append(behind.explain(file))
                return
            if _sync_conflict(db, key, digest, head.content_hash):
                self._article_refusals.append(_both_changed(key))
                return
        if (existing := _open_draft(db, article.slug, digest)) is not None:
            self._article_awaiting.append(f"{file}: already draft {existing[0]} ({existing[1]})")
            return
        self.articles.append(article)

    def treatments(self, records: TreatmentCatalog) -> None:
        db = self.db
        digest = content_hash(records)
        if _treatments_hash(db) == digest:
            return
        earlier = db.execute(
            "SELECT number FROM treatment_sets WHERE content_hash = ? ORDER BY number DESC",
            [digest],
        ).fetchone()
        if earlier is not None:
            self._records_refusals.append(
                f"{TREATMENTS_FILE} is set {earlier[0]} of the treatment records; the database "
                f"has published up to set {treatments_number(db)}: nothing stored"
            )
        elif _sync_conflict(db, "treatments", digest, _treatments_hash(db) or ""):
            self._records_refusals.append(_both_changed("treatments"))
        elif (open_draft := _open_treatments_draft(db, records)) is not None:
            self._records_awaiting.append(f"{TREATMENTS_FILE}: already draft {open_draft}")
        else:
            self.records = records

    def catalog(self, catalog: ParsedCatalog) -> None:
        db = self.db
        domain = catalog.domain
        file = _catalog_file(catalog.locale, domain)
        approved = catalog_entries(db, catalog.locale, domain=domain)
        # Stale translations as an export writes them are what is stored (D8).
        digest = catalog_hash(as_stored(catalog.entries, approved))
        key = _sync_key(catalog.locale, domain)
        current = catalog_hash(approved)
        if digest == current:
            mark_synced(db, key, digest, digest)
            return
        if (when := _approved_before(db, catalog.locale, domain).get(digest)) is not None:
            self._catalog_refusals.append(
                f"{file} holds the {catalog.locale} translations approved at {when}; the "
                "database has approved newer ones since: nothing stored"
            )
            return
        if _sync_conflict(db, key, digest, current):
            self._catalog_refusals.append(_both_changed(key))
            return
        if catalog_hash(catalog_entries(db, catalog.locale, "pending", domain)) == digest:
            self._catalog_awaiting.append(f"{file}: already pending review")
            return
        label = _catalog_label(catalog.locale, domain)
        self.pending.append(label)
        if self.author is not None and not self.refusals:
            try:
                stage_catalog(db, self.author, catalog)
            except NothingChanged:
                # D8: what differs from the database is only what staging leaves out
                # (stale entries as an export writes them, entries equal to the approved
                # ones, version 2's fuzzy offers): the catalog is unchanged, and the rest of
                # the import goes on.
                self.pending.remove(label)
                return
            self.staged.append(
                f"catalog {label}: {len(catalog.entries)} translations pending review"
            )

    def refuse_or_go_on(self) -> None:
        """Raise what was refused; else the records join the article they describe."""
        if self.refusals:
            raise ImportRefused(self.refusals)
        if self.records is not None and not self.articles:
            # The records go to review beside the article they describe, unchanged itself.
            records = self.records.treatments
            slug = records[0].article if records else None
            head = latest_version(self.db, slug) if slug else None
            if slug and head is not None:
                self.articles.append(load_article(self.db, slug, head.number))

    def drafts(self, content: _Files, say: Callable[[str], None]) -> dict[str, int]:
        """Each changed article as a draft in review (the records with the first)."""
        if not self.articles and not self.pending:
            return {}
        if self.author is None:
            changed = [content.article_files.get(a.slug, a.slug) for a in self.articles]
            changed += [_label_file(label) for label in self.pending]
            raise AuthorRequired(
                "--author",
                "the database has published content, so changed files become drafts and "
                "pending catalogs for review, which need the name of who wrote them "
                f"({', '.join(changed)}); nothing was stored",
            )
        db, author, records = self.db, self.author, self.records
        drafts: dict[str, int] = {}
        for article in self.articles:
            file = content.article_files.get(article.slug, article.slug)
            head = latest_version(db, article.slug)
            # Not behind and not changed on both sides: the files were based on the head.
            read = article_etag(article.slug, head.number, treatments_number(db)) if head else None
            with_records, records = records, None
            message = f"import of {file}" + (f" and {TREATMENTS_FILE}" if with_records else "")
            draft = create_draft(db, author, article, message, read, treatments=with_records)
            submit_draft(db, author, draft.id, draft.etag)
            drafts[article.slug] = draft.id
            say(f"article {article.slug}: draft {draft.id}, in review")
        for line in self.staged:
            say(line)
        return drafts


def _catalog_file(locale: str, domain: str | None) -> str:
    """How messages name a catalog file (of a domain, or an earlier release's whole
    locale)."""
    return str(catalog_path(Path("locales"), locale, domain or LEGACY_DOMAIN))


def _catalog_label(locale: str, domain: str | None) -> str:
    """How reports name a catalog: `es` (the whole locale) or `es/<domain>`."""
    return locale if domain is None else f"{locale}/{domain}"


def _label_file(label: str) -> str:
    locale, _, domain = label.partition("/")
    return _catalog_file(locale, domain or None)


def _sync_key(locale: str, domain: str | None) -> str:
    """The file_sync key of a catalog file."""
    return f"catalog/{_catalog_label(locale, domain)}"


def _replay(db: sqlite_utils.Database, history: ArticleHistory, say: Callable[[str], None]) -> None:
    """Publish an article's earlier reviewed versions in order (inside the seed's
    transaction), each by the author and reviewer its log names, under the review rule,
    dated as the log dates it, beside the treatment records it was published with."""
    for entry, article, records in zip(
        history.log.versions[:-1], history.articles, history.treatments, strict=False
    ):
        may(
            Principal(name=entry.reviewer, role="reviewer"),
            "draft.review",
            Target.source(entry.authors, f"version {entry.number} of {article.slug}"),
        ).enforce()
        save_treatments(db, records)
        row = publish_version(
            db,
            article,
            authors=entry.authors,
            reviewer=entry.reviewer,
            message=entry.message,
            published_at=entry.published,
        )
        record_logged_version(db, article.slug, entry)
        record(
            db,
            IMPORTER,
            "article.import",
            f"articles/{article.slug}",
            after=row.content_hash,
            detail=f"version {row.number} from content/history/{article.slug} by "
            f"{entry.author}, reviewed by {entry.reviewer}",
        )
        say(f"article {article.slug}: version {row.number} (history)")
    last = history.log.versions[-1]
    may(
        Principal(name=last.reviewer, role="reviewer"),
        "draft.review",
        Target.source(last.authors, f"version {last.number} of {history.log.history}"),
    ).enforce()


def _store(
    db: sqlite_utils.Database,
    content: _Files,
    read: _Read,
    say: Callable[[str], None],
) -> ImportReport:
    """Store the treatments, catalogs and articles (inside the import's transaction); the
    report's documents_written is filled in once rendering has run. Each article and its
    catalogs are stored as they are read (one article at a time is held); what is stored
    is told about once every file has been read and found valid (an invalid one raises,
    and the transaction rolls it all back)."""
    new_versions: dict[str, int] = {}
    unchanged: list[str] = []
    translations: dict[str, int] = {}
    # Earlier reviewed versions first, each beside the records it was published with.
    latest = {h.log.history: h.log.versions[-1] for h in content.history}
    for history in content.history:
        _replay(db, history, say)
    # The records first: each version names the set of records it was published beside.
    treatments_changed = save_treatments(db, content.treatments)
    records_digest = content_hash(content.treatments)
    mark_synced(db, "treatments", records_digest, records_digest)

    def store(catalog: ParsedCatalog) -> None:
        digest = catalog_hash(catalog.entries)
        stored = catalog_entries(db, catalog.locale, domain=catalog.domain)
        key = _sync_key(catalog.locale, catalog.domain)
        if not _should_import(db, key, digest, catalog_hash(stored) if stored else None):
            return
        # Approved as the repository's file dates its revision, so that what readers are
        # told of the sign-off is the same in every database seeded from the same files.
        stored_count = replace_catalog(
            db,
            catalog,
            status="approved",
            author=IMPORTER.name,
            at=catalog.header.revised_at(),
        )
        translations[catalog.locale] = translations.get(catalog.locale, 0) + stored_count
        mark_synced(db, key, digest, digest)
        record(
            db,
            IMPORTER,
            "catalog.import",
            catalog_target(catalog.locale, catalog.domain),
            after=digest,
            detail=f"{len(catalog.entries)} entries",
        )

    def publish(article: Article, file: str) -> None:
        digest = content_hash(article)
        head = latest_version(db, article.slug)
        key = f"article/{article.slug}"
        if not _should_import(db, key, digest, head.content_hash if head else None):
            unchanged.append(article.slug)
            return
        logged = latest.get(article.slug)
        row = publish_version(
            db,
            article,
            authors=logged.authors if logged else (IMPORTER.name,),
            reviewer=logged.reviewer if logged else IMPORTER.name,
            message=logged.message if logged else "import from content/",
            published_at=logged.published if logged else None,
        )
        if logged is not None:
            record_logged_version(db, article.slug, logged)
        mark_synced(db, key, digest, digest)
        record(
            db,
            IMPORTER,
            "article.import",
            f"articles/{article.slug}",
            before=head.content_hash if head else None,
            after=digest,
            detail=f"version {row.number}",
        )
        new_versions[article.slug] = row.number

    read(store, publish)
    for slug, number in new_versions.items():
        say(f"article {slug}: version {number}")
    for locale, count in translations.items():
        say(f"catalog {locale}: {count} translations")
    if content.template_header is not None:
        store_header(db, TEMPLATE_LOCALE, "approved", content.template_header)
    return ImportReport(
        new_versions=new_versions,
        unchanged=unchanged,
        treatments_changed=treatments_changed,
        translations=translations,
        documents_written=0,
    )
