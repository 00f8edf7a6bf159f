"""The translator workflow: an uploaded catalog waits as pending until a reviewer for the
locale approves it, entry by entry if they wish, under the review rule; each approved
entry is recorded in the locale's medical sign-off. Only approved translations are served.
"""

from __future__ import annotations

from collections.abc import Collection

import msgspec
import sqlite_utils

from api.core.access import Principal, Target, may
from api.core.catalog import CatalogEntry, ParsedCatalog, check_translation
from api.core.catalog_changes import (
    Key,
    PendingEntry,
    StaleEntry,
    check_pending_etag,
    find_entry,
    pending_entries,
    pending_etag,
    select_entries,
    stale_entries,
    text_hash,
)
from api.core.catalog_domains import SHARED_DOMAIN, domain_of
from api.core.errors import Conflict, NotFound, NothingChanged, ValidationFailed
from api.core.messages import Message, article_messages, current_messages
from api.core.text import checked_text
from api.core.webhooks import TranslationApproved
from api.store.audit import record
from api.store.history import earlier_messages
from api.store.paging import exact, newest_first
from api.store.rendering import render_documents
from api.store.schema import transaction
from api.store.translations import (
    catalog_entries,
    catalog_hash,
    catalog_header,
    domain_filter,
    store_header,
    store_translations,
)
from api.store.versions import (
    load_article,
    load_treatments,
    now,
    published_among,
    published_slugs,
)
from api.store.webhooks import enqueue_event

__all__ = [
    "CatalogApproval",
    "CatalogRejection",
    "EntryEdit",
    "EntryRejection",
    "EntryToTranslate",
    "PendingCatalog",
    "PendingReview",
    "RejectionNote",
    "SignoffEntry",
    "SignoffPage",
    "approve_catalog",
    "catalog_rejections",
    "catalog_signoff",
    "catalog_target",
    "edit_entry",
    "entry_to_translate",
    "pending_contexts",
    "pending_review",
    "reject_catalog",
    "reject_entry",
    "stage_catalog",
]


class PendingCatalog(msgspec.Struct, frozen=True, kw_only=True):
    """An uploaded catalog awaiting review: what it would change, and the entries of the
    upload that were not staged because they translate an old source text."""

    locale: str
    entries: int
    """Translated entries staged."""
    changed: int
    """Entries whose translation readers would get differs from today's."""
    source_changed: int
    """Of those, entries a reviewer must name to approve (translation unchanged, source
    changed)."""
    uploaded_by: str
    uploaded_at: str
    etag: str
    stale: tuple[StaleEntry, ...] = ()


class PendingReview(msgspec.Struct, frozen=True, kw_only=True):
    """What awaits review for a locale, entry by entry, with the ETag approval names."""

    locale: str
    etag: str
    uploaded_by: str
    uploaded_at: str
    entries: tuple[PendingEntry, ...]


class CatalogApproval(msgspec.Struct, frozen=True, kw_only=True):
    """What an approval made current, and what still awaits review."""

    locale: str
    approved: tuple[str, ...]
    """The msgctxt of each approved (or removed) entry."""
    count: int = 0
    """How many entries were approved (several fact phrases share one msgctxt)."""
    reviewer: str
    approved_at: str
    remaining: int
    etag: str | None
    """The pending ETag of what remains, if anything does."""


class CatalogRejection(msgspec.Struct, frozen=True, kw_only=True):
    """A pending upload sent back: it is discarded, the comment says why."""

    locale: str
    etag: str
    rejected_by: str
    rejected_at: str
    comment: str


class SignoffEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One reviewer's approval of one translation of one source text."""

    id: int
    context: str
    source_hash: str
    translation_hash: str | None
    """None when the decision removed the translation (readers get the fallback)."""
    decision: str
    uploaded_by: tuple[str, ...]
    reviewer: str
    at: str
    pending_etag: str


class SignoffPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of a locale's sign-off, newest first, with the cursor of the next page."""

    locale: str
    entries: tuple[SignoffEntry, ...]
    next_before: int | None


def catalog_target(locale: str, domain: str | None) -> str:
    """What the audit log names a locale's catalog, or one domain of it."""
    return f"catalogs/{locale}" if domain is None else f"catalogs/{locale}/{domain}"


def _current(db: sqlite_utils.Database, domain: str | None = None) -> list[Message]:
    """The current source's messages, of one domain or all (an article's domain reads that
    article alone)."""
    if domain is None:
        articles = [load_article(db, slug, number) for slug, number in published_slugs(db)]
        return current_messages(articles, load_treatments(db))
    if domain == SHARED_DOMAIN:
        return [
            m for m in current_messages([], load_treatments(db)) if domain_of(m.context) == domain
        ]
    row = db.execute("SELECT number FROM publications WHERE slug = ?", [domain]).fetchone()
    if row is None:
        raise NotFound(f"no published article {domain!r}: its catalog does not exist")
    return article_messages(load_article(db, domain, row[0]))


def _pending_rows(
    db: sqlite_utils.Database, locale: str, domain: str | None = None
) -> dict[Key, tuple[CatalogEntry, str]]:
    """The pending entries with the comma-joined names of who uploaded each."""
    where, bounds = domain_filter(domain)
    authors = dict(
        ((r[0], r[1]), r[2])
        for r in db.execute(
            "SELECT context, source, author FROM translations "
            f"WHERE locale = ? AND status = 'pending' AND {where}",
            [locale, *bounds],
        )
    )
    return {
        (e.context, e.source): (e, authors[(e.context, e.source)])
        for e in catalog_entries(db, locale, "pending", domain)
    }


def _names(joined: str) -> tuple[str, ...]:
    return tuple(sorted(filter(None, joined.split(","))))


def _view(
    db: sqlite_utils.Database,
    locale: str,
    current: list[Message],
    rows: dict[Key, tuple[CatalogEntry, str]],
    domain: str | None = None,
) -> list[PendingEntry]:
    authors = {key: _names(joined) for key, (_, joined) in rows.items()}
    everyone = tuple(sorted({name for names in authors.values() for name in names}))
    if domain is None:
        # The catalogs uploaded (each upload of a catalog holds at least one entry): an
        # article's catalog that nobody uploaded removes none of its translations.
        uploaded = {domain_of(context) for context, _ in rows}
        current = [m for m in current if domain_of(m.context) in uploaded]
    return pending_entries(
        current,
        catalog_entries(db, locale, domain=domain),
        (entry for entry, _ in rows.values()),
        authors,
        everyone,
    )


def _without_authors(entries: list[PendingEntry]) -> list[PendingEntry]:
    return [msgspec.structs.replace(e, uploaded_by=()) for e in entries]


def stage_catalog(
    db: sqlite_utils.Database, actor: Principal, catalog: ParsedCatalog
) -> PendingCatalog:
    """Make an uploaded, validated catalog the pending translations of its locale (of its
    domain of the locale: an article's catalog replaces only that article's pending
    entries).

    Entries of an old source text are left out and reported; an upload that would change
    nothing for readers, or nothing versus what is already pending, is refused
    (NothingChanged) and nothing is stored. An entry uploaded again unchanged keeps its
    earlier uploaders beside the new one: all of them wrote what a reviewer approves.
    """
    domain = catalog.domain
    file = f"{catalog.locale}.po" if domain is None else f"{catalog.locale}/{domain}.po"
    locale = catalog.locale
    where, bounds = domain_filter(domain)
    with transaction(db):
        current = _current(db, domain)
        approved = {(e.context, e.source): e for e in catalog_entries(db, locale, domain=domain)}
        # An earlier version's text, restated as approved, is what readers of that pinned
        # version get: kept as it is, not reported as out of date.
        kept = earlier_messages(db, domain)
        restated = {
            (e.context, e.source)
            for e in catalog.entries
            if (e.context, e.source) in kept
            and (a := approved.get((e.context, e.source))) is not None
            and (a.text, a.fuzzy) == (e.text, e.fuzzy)
        }
        stale = [
            s
            for s in stale_entries(catalog.entries, current, file)
            if (s.context, s.msgid) not in restated
        ]
        keys = {(m.context, m.source) for m in current}
        fresh = [e for e in catalog.entries if (e.context, e.source) in keys]
        before = _pending_rows(db, locale, domain)
        rows: dict[Key, tuple[CatalogEntry, str]] = {}
        for entry in fresh:
            key = (entry.context, entry.source)
            earlier = before.get(key)
            same = earlier is not None and (earlier[0].text, earlier[0].fuzzy) == (
                entry.text,
                entry.fuzzy,
            )
            # The latest uploader first, so the pending catalog can say who uploaded last.
            uploaders = [actor.name, *(_names(earlier[1]) if same and earlier else ())]
            rows[key] = (entry, ",".join(dict.fromkeys(uploaders)))
        # A file older than the source lacks the current entry of each stale one: that is
        # not a request to remove its approved translation, which stays as it is.
        stale_contexts = {s.context for s in stale}
        for message in current:
            key = (message.context, message.source)
            if message.context in stale_contexts and key not in rows and key in approved:
                rows[key] = (approved[key], actor.name)
        proposed = _view(db, locale, current, rows, domain)
        notes = [ValidationFailed(s.message, file=file, line=s.line, path=s.context) for s in stale]
        if not proposed:
            extra = f"; {len(stale)} entries translate an old source text" if stale else ""
            raise NothingChanged(
                f"nothing changed: every entry equals the approved translation{extra}", notes
            )
        if before and _without_authors(proposed) == _without_authors(
            _view(db, locale, current, before, domain)
        ):
            raise NothingChanged("nothing changed: the upload equals the pending one", notes)
        db.execute(
            f"DELETE FROM translations WHERE locale = ? AND status = 'pending' AND {where}",
            [locale, *bounds],
        )
        for entry, names in rows.values():
            store_translations(db, locale, (entry,), "pending", names)
        store_header(db, locale, "pending", catalog.header)
        etag = pending_etag(proposed)
        record(
            db,
            actor,
            "catalog.upload",
            catalog_target(locale, domain),
            before=catalog_hash([entry for entry, _ in before.values()]) if before else None,
            after=catalog_hash(fresh),
            detail=f"{len(fresh)} entries, {len(proposed)} to review"
            + (f", {len(stale)} of an old source text not staged" if stale else ""),
        )
        return PendingCatalog(
            locale=locale,
            entries=len(fresh),
            changed=len(proposed),
            source_changed=sum(1 for e in proposed if e.source_changed),
            uploaded_by=actor.name,
            uploaded_at=_uploaded_at(db, locale, domain),
            etag=etag,
            stale=tuple(stale),
        )


def _uploaded_at(db: sqlite_utils.Database, locale: str, domain: str | None = None) -> str:
    where, bounds = domain_filter(domain)
    row = db.execute(
        "SELECT max(updated_at) FROM translations WHERE locale = ? AND status = 'pending' "
        f"AND {where}",
        [locale, *bounds],
    ).fetchone()
    return str(row[0])


def _review(
    db: sqlite_utils.Database, locale: str, current: list[Message], domain: str | None = None
) -> tuple[PendingReview, dict[Key, tuple[CatalogEntry, str]]]:
    rows = _pending_rows(db, locale, domain)
    if not rows:
        what = f"{locale!r}" if domain is None else f"{locale!r} in the catalog {domain!r}"
        raise NotFound(f"no pending translations for {what}")
    entries = _view(db, locale, current, rows, domain)
    where, bounds = domain_filter(domain)
    latest = db.execute(
        "SELECT author FROM translations WHERE locale = ? AND status = 'pending' "
        f"AND {where} ORDER BY updated_at DESC LIMIT 1",
        [locale, *bounds],
    ).fetchone()
    review = PendingReview(
        locale=locale,
        etag=pending_etag(entries),
        uploaded_by=latest[0].partition(",")[0],
        uploaded_at=_uploaded_at(db, locale, domain),
        entries=tuple(entries),
    )
    return review, rows


def pending_contexts(db: sqlite_utils.Database, locale: str) -> set[str]:
    """The contexts of `locale`'s entries uploaded and awaiting review."""
    rows = db.execute(
        "SELECT context FROM translations WHERE locale = ? AND status = 'pending'", [locale]
    )
    return {row[0] for row in rows}


def pending_review(
    db: sqlite_utils.Database, locale: str, domain: str | None = None
) -> PendingReview:
    """What awaits review for a locale (or one domain of it), entry by entry, and the ETag
    an approval names."""
    return _review(db, locale, _current(db, domain), domain)[0]


def _discard_pending(db: sqlite_utils.Database, locale: str, domain: str | None = None) -> None:
    where, bounds = domain_filter(domain)
    db.execute(
        f"DELETE FROM translations WHERE locale = ? AND status = 'pending' AND {where}",
        [locale, *bounds],
    )
    left = db.execute(
        "SELECT 1 FROM translations WHERE locale = ? AND status = 'pending' LIMIT 1", [locale]
    ).fetchone()
    if left is None:
        db.execute("DELETE FROM catalog_headers WHERE locale = ?", [f"{locale}#pending"])


def _rendered_after_approval(db: sqlite_utils.Database, locale: str, domain: str | None) -> None:
    """Re-render what an approval can change: an article's domain changes that article's
    documents alone, unless the locale is new to readers (every document then gains it)."""
    if domain is None or domain == SHARED_DOMAIN:
        render_documents(db)
        return
    # Any approved translation outside this article (two range seeks by the primary key,
    # not a count of the locale's every translation).
    served = db.execute(
        "SELECT EXISTS (SELECT 1 FROM translations WHERE locale = ? AND context < ? "
        "AND status = 'approved') OR EXISTS (SELECT 1 FROM translations WHERE locale = ? "
        "AND context >= ? AND status = 'approved')",
        [locale, f"{domain}/", locale, f"{domain}0"],
    ).fetchone()[0]
    # Only this locale's texts changed: the locales showing them are rendered again.
    # An article's catalog: of the records, only that article's can show its texts.
    if served:
        render_documents(db, {domain}, language=locale, all_records=False)
    else:
        render_documents(db)


def approve_catalog(
    db: sqlite_utils.Database,
    actor: Principal,
    locale: str,
    if_match: str | None,
    entries: Collection[str] | None = None,
    domain: str | None = None,
) -> CatalogApproval:
    """Make the named pending entries (default: all whose source did not change) of the
    locale, or of one domain of it, the approved translations, record each in the
    sign-off, and re-render.

    The approver must pass the review rule against everyone who uploaded an approved
    entry, and name the exact pending ETag they reviewed.
    """
    with transaction(db):
        current = _current(db, domain)
        review, rows = _review(db, locale, current, domain)
        check_pending_etag(if_match, review.etag)
        chosen = select_entries(review.entries, entries)
        if not chosen:
            raise ValidationFailed(
                "every pending entry translates a changed source: name each one you "
                "confirm in `entries`",
                path="entries",
            )
        authors = {name for e in chosen for name in e.uploaded_by}
        may(actor, "catalog.review", Target.translation(locale, authors)).enforce()
        touched = sorted({domain_of(e.context) for e in chosen})
        before = {d: catalog_hash(catalog_entries(db, locale, domain=d)) for d in touched}
        stamp = now()
        for pending in chosen:
            _apply(db, locale, pending, rows.get((pending.context, pending.source)))
            _sign(db, locale, pending, actor, stamp, review.etag)
        header = catalog_header(db, locale, "pending")
        if header is not None:
            store_header(db, locale, "approved", header)
        remaining = _view(db, locale, current, rows, domain)
        if not remaining:
            _discard_pending(db, locale, domain)
        # One record per catalog (article) it changed: what an import compares a file with.
        for each in touched:
            record(
                db,
                actor,
                "catalog.approve",
                catalog_target(locale, each),
                before=before[each],
                after=catalog_hash(catalog_entries(db, locale, domain=each)),
                detail=f"{sum(1 for e in chosen if domain_of(e.context) == each)} approved of "
                f"{len(review.entries)} pending",
            )
        _rendered_after_approval(db, locale, domain)
        named = {e.context.partition("/")[0] for e in chosen}
        articles = tuple(slug for slug, _ in published_among(db, named))
        enqueue_event(db, TranslationApproved(locale=locale, articles=articles))
        return CatalogApproval(
            locale=locale,
            approved=tuple(dict.fromkeys(e.context for e in chosen)),
            count=len(chosen),
            reviewer=actor.name,
            approved_at=stamp,
            remaining=len(remaining),
            etag=pending_etag(remaining) if remaining else None,
        )


def _apply(
    db: sqlite_utils.Database,
    locale: str,
    pending: PendingEntry,
    row: tuple[CatalogEntry, str] | None,
) -> None:
    author = ",".join(pending.uploaded_by)
    if row is not None and (pending.proposed is not None or row[0].fuzzy):
        # A proposed translation, or a removal by a fuzzy entry (kept as a suggestion).
        store_translations(db, locale, (row[0],), "approved", author)
        return
    db.execute(
        "DELETE FROM translations WHERE locale = ? AND context = ? AND source = ? "
        "AND status = 'approved'",
        [locale, pending.context, pending.source],
    )


def _sign(
    db: sqlite_utils.Database,
    locale: str,
    pending: PendingEntry,
    reviewer: Principal,
    stamp: str,
    etag: str,
) -> None:
    db.execute(
        "INSERT INTO catalog_signoffs (locale, context, source_hash, translation_hash, "
        "decision, uploaded_by, reviewer, at, pending_etag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            locale,
            pending.context,
            text_hash(pending.source),
            text_hash(pending.proposed) if pending.proposed is not None else None,
            "removed" if pending.removed else "approved",
            ",".join(pending.uploaded_by),
            reviewer.name,
            stamp,
            etag,
        ],
    )


def reject_catalog(
    db: sqlite_utils.Database,
    actor: Principal,
    locale: str,
    if_match: str | None,
    comment: str,
    domain: str | None = None,
) -> CatalogRejection:
    """Discard the pending upload the reviewer saw (of the locale, or of one domain of it);
    the audit log keeps the comment (a person's text: it follows the text policy, or
    ValidationFailed names `$.comment`)."""
    comment = checked_text(comment, "$.comment", multiline=True)
    with transaction(db):
        review, rows = _review(db, locale, _current(db, domain), domain)
        check_pending_etag(if_match, review.etag)
        _discard_pending(db, locale, domain)
        stamp = now()
        uploaders = sorted({name for _, joined in rows.values() for name in _names(joined)})
        _note_rejection(db, locale, None, actor, ",".join(uploaders), comment, stamp)
        record(
            db,
            actor,
            "catalog.reject",
            catalog_target(locale, domain),
            before=catalog_hash([entry for entry, _ in rows.values()]),
            detail=comment,
        )
        return CatalogRejection(
            locale=locale,
            etag=review.etag,
            rejected_by=actor.name,
            rejected_at=stamp,
            comment=comment,
        )


_SIGNOFF_COLUMNS = (
    "id",
    "context",
    "source_hash",
    "translation_hash",
    "decision",
    "uploaded_by",
    "reviewer",
    "at",
    "pending_etag",
)


def catalog_signoff(
    db: sqlite_utils.Database, locale: str, *, limit: int = 100, before_id: int | None = None
) -> SignoffPage:
    """A locale's sign-off records, newest first."""
    rows, next_before = newest_first(
        db,
        "catalog_signoffs",
        _SIGNOFF_COLUMNS,
        [exact("locale", locale)],
        limit=limit,
        before_id=before_id,
    )
    entries = tuple(
        msgspec.convert({**r, "uploaded_by": _names(r["uploaded_by"] or "")}, SignoffEntry)
        for r in rows
    )
    return SignoffPage(locale=locale, entries=entries, next_before=next_before)


class EntryRejection(msgspec.Struct, frozen=True, kw_only=True):
    """One pending entry sent back with a reason; the rest still await review."""

    locale: str
    context: str
    source: str
    proposed: str | None
    """The translation that was rejected (None: a removal was rejected)."""
    uploaded_by: tuple[str, ...]
    rejected_by: str
    rejected_at: str
    comment: str
    remaining: int
    """Entries still awaiting review."""
    etag: str | None
    """The pending ETag of what remains, if anything does."""


class RejectionNote(msgspec.Struct, frozen=True, kw_only=True):
    """What a reviewer sent back, for the uploader to read: one entry, or a whole upload
    (`context` None)."""

    id: int
    locale: str
    context: str | None
    source: str | None
    text: str | None
    uploaded_by: tuple[str, ...]
    reviewer: str
    comment: str
    at: str


class EntryEdit(msgspec.Struct, frozen=True, kw_only=True):
    """A translation of one entry typed in (not uploaded): pending until a second person
    approves it under the review rule."""

    locale: str
    context: str
    source: str
    text: str
    edited_by: str
    edited_at: str
    etag: str
    """The pending ETag of the locale's catalog with this entry in it."""


class EntryToTranslate(msgspec.Struct, frozen=True, kw_only=True):
    """One current message as a translator edits it: where it is, whether it is
    safety-bearing, what readers get today and what awaits review."""

    locale: str
    context: str
    source: str
    comment: str
    """Where the text is (`Section: Introduction (paragraph)`)."""
    safety: bool
    approved: str | None
    """The approved translation of this source text, if any."""
    earlier_source: str | None
    """With no approved translation of this source: the earlier source text of the same
    message that has one (`earlier`)."""
    earlier: str | None
    pending: str | None
    """A translation awaiting review (None when none, or when it removes the approved one)."""
    pending_by: tuple[str, ...]
    rejection: RejectionNote | None
    """The latest reviewer's reason for sending a translation of this message back."""


def _message(current: list[Message], context: str, source: str) -> Message:
    found = next((m for m in current if m.context == context and m.source == source), None)
    if found is not None:
        return found
    if any(m.context == context for m in current):
        raise Conflict(
            f"the source text of {context} changed since you read it: open the entry again "
            "and translate the current text"
        )
    raise NotFound(f"no current message {context!r}")


def entry_to_translate(
    db: sqlite_utils.Database, locale: str, context: str, source: str | None = None
) -> EntryToTranslate:
    """The message `context` (its current source, or the named one) as its translator
    into `locale` sees it."""
    current = _current(db)
    if source is None:
        sources = [m.source for m in current if m.context == context]
        if len(sources) > 1:
            raise ValidationFailed(
                f"{context} has {len(sources)} messages: name the `source` too", path="source"
            )
        source = sources[0] if sources else ""
    message = _message(current, context, source)
    approved = {
        e.source: e.text
        for e in catalog_entries(db, locale)
        if e.context == context and e.text and not e.fuzzy
    }
    # (Fact phrases share a msgctxt: one of them is no earlier text of another.)
    alone = sum(1 for m in current if m.context == context) == 1
    earlier_source = next((s for s in approved if s != source), None) if alone else None
    pending = next(
        (
            (e, joined)
            for (c, s), (e, joined) in _pending_rows(db, locale).items()
            if (c, s) == (context, source)
        ),
        None,
    )
    notes = catalog_rejections(db, locale, context=context)
    return EntryToTranslate(
        locale=locale,
        context=context,
        source=source,
        comment=message.comment,
        safety=message.safety,
        approved=approved.get(source),
        earlier_source=earlier_source if source not in approved else None,
        earlier=approved.get(earlier_source or "") if source not in approved else None,
        pending=pending[0].text if pending and pending[0].text and not pending[0].fuzzy else None,
        pending_by=_names(pending[1]) if pending else (),
        rejection=next((n for n in notes if n.source == source), None),
    )


def edit_entry(
    db: sqlite_utils.Database,
    actor: Principal,
    locale: str,
    context: str,
    source: str,
    text: str,
    read_pending: str | None = None,
) -> EntryEdit:
    """Propose `text` as the translation of one current message, as if uploaded: checked by
    the upload's own code (`check_translation`), stored beside the locale's pending
    translations with `actor` as its author, audited. The source named must be the current
    one (Conflict otherwise: the translator read an older text); a translation that would
    change nothing for readers, or nothing versus what is pending, is NothingChanged.

    `read_pending` is the pending translation of the entry the translator read before
    typing (None: none was pending). When another one is pending now, someone typed or
    uploaded it meanwhile: Conflict naming them, and nothing is replaced."""
    text = check_translation(context, source, text)
    with transaction(db):
        current = _current(db)
        _message(current, context, source)
        rows = _pending_rows(db, locale)
        key = (context, source)
        earlier = rows.get(key)
        if earlier is not None and earlier[0].text == text and not earlier[0].fuzzy:
            raise NothingChanged("nothing changed: this translation already awaits review")
        approved = next(
            (e for e in catalog_entries(db, locale) if (e.context, e.source) == key), None
        )
        # A pending copy of the approved translation (a pending catalog is whole) is no
        # one's proposal: only a different text pending since it was read is a conflict.
        copy = (
            earlier is not None
            and approved is not None
            and (earlier[0].text, earlier[0].fuzzy) == (approved.text, approved.fuzzy)
        )
        if earlier is not None and not copy and earlier[0].text != read_pending:
            who = ", ".join(_names(earlier[1])) or "someone"
            raise Conflict(
                f"{who} proposed another translation of {context} meanwhile "
                f"({earlier[0].text!r}): read it, then type yours again"
            )
        entry = CatalogEntry(context=context, source=source, text=text, fuzzy=False)
        domain = domain_of(context)
        if not _pending_rows(db, locale, domain).keys() - {key}:
            # A pending catalog of an article is a whole catalog (an entry it lacks is one
            # it removes): the first typed entry joins a copy of what readers get today of
            # that article. (Refused below, this write rolls back with the transaction.)
            _pend_approved(db, locale, domain)
        store_translations(db, locale, (entry,), "pending", actor.name)
        after = _view(db, locale, current, _pending_rows(db, locale))
        if not any((e.context, e.source) == key for e in after):
            raise NothingChanged("nothing changed: this is the approved translation")
        record(
            db,
            actor,
            "catalog.edit",
            f"catalogs/{locale}",
            before=text_hash(earlier[0].text) if earlier is not None else None,
            after=text_hash(text),
            detail=context,
        )
        return EntryEdit(
            locale=locale,
            context=context,
            source=source,
            text=text,
            edited_by=actor.name,
            edited_at=_uploaded_at(db, locale),
            etag=pending_etag(after),
        )


def _pend_approved(db: sqlite_utils.Database, locale: str, domain: str) -> None:
    where, bounds = domain_filter(domain)
    db.execute(
        "INSERT OR REPLACE INTO translations (locale, context, source, text, fuzzy, status, "
        "author, updated_at, previous, comments) SELECT locale, context, source, text, fuzzy, "
        "'pending', author, updated_at, previous, comments FROM translations "
        f"WHERE locale = ? AND status = 'approved' AND {where}",
        [locale, *bounds],
    )
    header = catalog_header(db, locale)
    if header is not None:
        store_header(db, locale, "pending", header)


def reject_entry(
    db: sqlite_utils.Database,
    actor: Principal,
    locale: str,
    if_match: str | None,
    context: str,
    source: str | None,
    comment: str,
) -> EntryRejection:
    """Send one pending entry back with a reason (a person's text under the text policy,
    or ValidationFailed names `$.comment`): readers keep what they get today, the other
    entries still await review, and the uploader reads the reason on their locale's page.
    The reviewer names the exact pending ETag they read, as for an approval."""
    comment = checked_text(comment, "$.comment", multiline=True)
    with transaction(db):
        current = _current(db)
        review, rows = _review(db, locale, current)
        check_pending_etag(if_match, review.etag)
        entry = find_entry(review.entries, context, source)
        key = (entry.context, entry.source)
        approved = next(
            (e for e in catalog_entries(db, locale) if (e.context, e.source) == key), None
        )
        db.execute(
            "DELETE FROM translations WHERE locale = ? AND context = ? AND source = ? "
            "AND status = 'pending'",
            [locale, *key],
        )
        rows.pop(key, None)
        if approved is not None:
            # What readers get stays as it is: the approved entry, pending unchanged (a
            # missing pending entry would propose removing it).
            store_translations(db, locale, (approved,), "pending", ",".join(entry.uploaded_by))
            rows[key] = (approved, ",".join(entry.uploaded_by))
        stamp = now()
        _note_rejection(db, locale, entry, actor, ",".join(entry.uploaded_by), comment, stamp)
        remaining = _view(db, locale, current, rows)
        if not remaining:
            _discard_pending(db, locale)
        record(
            db,
            actor,
            "catalog.reject-entry",
            f"catalogs/{locale}",
            before=text_hash(entry.proposed) if entry.proposed is not None else None,
            detail=f"{entry.context}: {comment}",
        )
        return EntryRejection(
            locale=locale,
            context=entry.context,
            source=entry.source,
            proposed=entry.proposed,
            uploaded_by=entry.uploaded_by,
            rejected_by=actor.name,
            rejected_at=stamp,
            comment=comment,
            remaining=len(remaining),
            etag=pending_etag(remaining) if remaining else None,
        )


def _note_rejection(
    db: sqlite_utils.Database,
    locale: str,
    entry: PendingEntry | None,
    actor: Principal,
    uploaded_by: str,
    comment: str,
    stamp: str,
) -> None:
    db.execute(
        "INSERT INTO catalog_rejections (locale, context, source, text, uploaded_by, "
        "reviewer, comment, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            locale,
            entry.context if entry else None,
            entry.source if entry else None,
            entry.proposed if entry else None,
            uploaded_by,
            actor.name,
            comment,
            stamp,
        ],
    )


def catalog_rejections(
    db: sqlite_utils.Database, locale: str, *, context: str | None = None, limit: int = 20
) -> list[RejectionNote]:
    """What reviewers sent back for `locale` (of one message, with `context`), newest
    first."""
    where = "locale = ?" + (" AND context = ?" if context is not None else "")
    rows = db.execute(
        "SELECT id, locale, context, source, text, uploaded_by, reviewer, comment, at "
        f"FROM catalog_rejections WHERE {where} ORDER BY id DESC LIMIT ?",
        [locale, *([context] if context is not None else []), limit],
    ).fetchall()
    return [
        RejectionNote(
            id=r[0],
            locale=r[1],
            context=r[2],
            source=r[3],
            text=r[4],
            uploaded_by=_names(r[5] or ""),
            reviewer=r[6],
            comment=r[7],
            at=r[8],
        )
        for r in rows
    ]
