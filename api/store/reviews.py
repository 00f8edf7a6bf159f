"""Medical review of published articles: who reviewed each version and when, reviews that
found a version still accurate (no new version), per-locale translation sign-offs, and the
daily sweep that re-renders an article whose review status has moved on.

The rendered documents carry the dates (`last_reviewed`, `next_review_due`) and the status
computed against them when they were rendered. A status changes only on a date boundary,
so `sweep_review_status` (run when the server starts and once a day after) re-renders just
the articles whose status is no longer what their documents say: readers never get an
overdue article marked current, and nothing is rendered per request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import msgspec
import sqlite_utils

from api.core.access import Principal, Target, may
from api.core.errors import NotFound, ValidationFailed
from api.core.model import Article
from api.core.negotiation import DEFAULT_LOCALE
from api.core.output import ReviewerOut, ReviewOut, TranslationSignoffOut
from api.core.schedule import ReviewPolicy, ReviewStatus, next_review_due, review_status
from api.core.text import text_problem
from api.core.webhooks import ReviewOverdue
from api.core.workflow import article_etag, check_if_match
from api.store.accounts import OPERATOR
from api.store.audit import record
from api.store.schema import transaction
from api.store.versions import (
    VersionRow,
    latest_version,
    load_article,
    now,
    published_slugs,
    treatments_number,
    version_row,
)
from api.store.webhooks import enqueue_event

__all__ = [
    "ArticleReview",
    "ReviewEvent",
    "article_review",
    "confirm_review",
    "review_overview",
    "reviewer_profile",
    "set_credentials",
    "sweep_review_status",
    "today",
    "translation_signoff",
]


def today() -> date:
    """Today's date in UTC: what review dates are compared with."""
    return datetime.now(UTC).date()


class ReviewEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One medical review of a version: its publication, or a confirmation after."""

    reviewer: str
    at: str
    note: str | None = None


class ArticleReview(msgspec.Struct, frozen=True, kw_only=True):
    """An article's review state, as editors see it on the dashboard."""

    slug: str
    title: str
    version: int
    review: ReviewOut


def _day(stamp: str) -> date:
    return date.fromisoformat(stamp[:10])


def reviewer_profile(db: sqlite_utils.Database, name: str) -> ReviewerOut:
    """How a reviewer is shown to readers: the person's name (their display name when set),
    role and credentials as their account records them."""
    row = db.execute(
        "SELECT display_name, role, credentials FROM people WHERE name = ?", [name]
    ).fetchone()
    if row is None:
        return ReviewerOut(name=name)
    return ReviewerOut(name=row[0] or name, role=row[1], credentials=row[2] or None)


def set_credentials(
    db: sqlite_utils.Database, person: str, credentials: str, actor: Principal = OPERATOR
) -> None:
    """Record a person's professional credentials (e.g. `MD, dermatology`), shown to readers
    with every review they made; the documents naming them are rendered again."""
    from api.store.rendering import render_documents

    credentials = credentials.strip()
    if not credentials or len(credentials) > 200:
        raise ValidationFailed("credentials: 1 to 200 characters", path="credentials")
    if (problem := text_problem(credentials)) is not None:
        raise ValidationFailed(f"credentials: {problem.reason}", path="credentials")
    with transaction(db):
        if db.execute("SELECT 1 FROM people WHERE name = ?", [person]).fetchone() is None:
            raise NotFound(f"no person named {person!r}")
        db.execute("UPDATE people SET credentials = ? WHERE name = ?", [credentials, person])
        record(db, actor, "person.credentials", f"people/{person}", detail=credentials)
        render_documents(db, slugs={slug for slug, _ in published_slugs(db)}, latest_only=True)


def last_review(db: sqlite_utils.Database, row: VersionRow) -> ReviewEvent:
    """The latest review of a version: a confirmation after it was published, else its
    publication."""
    confirmed = db.execute(
        "SELECT reviewer, at, note FROM article_reviews WHERE slug = ? AND number = ? "
        "ORDER BY id DESC LIMIT 1",
        [row.slug, row.number],
    ).fetchone()
    if confirmed:
        return ReviewEvent(reviewer=confirmed[0], at=confirmed[1], note=confirmed[2])
    return ReviewEvent(reviewer=row.reviewer or row.author, at=row.published_at or row.created_at)


def translation_signoff(
    db: sqlite_utils.Database, slug: str, locale: str
) -> TranslationSignoffOut | None:
    """Who last approved a translation of the article's text into `locale`, and when: the
    catalog review's sign-off, else the approval the catalog was imported with."""
    low, high = f"{slug}/", f"{slug}0"  # every context of the article: "<slug>/..."
    signed = db.execute(
        "SELECT reviewer, at FROM catalog_signoffs WHERE locale = ? AND context >= ? "
        "AND context < ? AND decision = 'approved' ORDER BY id DESC LIMIT 1",
        [locale, low, high],
    ).fetchone()
    if signed is None:
        signed = db.execute(
            "SELECT author, updated_at FROM translations WHERE locale = ? AND context >= ? "
            "AND context < ? AND status = 'approved' ORDER BY updated_at DESC LIMIT 1",
            [locale, low, high],
        ).fetchone()
    if signed is None:
        return None
    return TranslationSignoffOut(
        locale=locale, approved_by=reviewer_profile(db, signed[0]), approved_at=signed[1]
    )


def article_review(
    db: sqlite_utils.Database, article: Article, row: VersionRow, current: int, on: date
) -> ReviewOut:
    """The review metadata of one version (the source's: `translation` is set per locale by
    the caller), its status as of `on`."""
    policy = article.review or ReviewPolicy()
    event = last_review(db, row)
    reviewed = _day(event.at)
    due: date | None = next_review_due(reviewed, policy)
    status: ReviewStatus = "superseded"
    if row.number == current and due is not None:
        status = review_status(due, on, policy)
    else:
        due = None
    return ReviewOut(
        reviewed_by=reviewer_profile(db, event.reviewer),
        last_reviewed=reviewed.isoformat(),
        next_review_due=due.isoformat() if due else None,
        review_status=status,
        interval_months=policy.interval_months,
        translation=None,
    )


def confirm_review(
    db: sqlite_utils.Database,
    actor: Principal,
    slug: str,
    if_match: str | None,
    note: str | None = None,
    on: date | None = None,
) -> ReviewOut:
    """Record that `actor` reviewed the published version they read (If-Match: its ETag)
    and found it still accurate: a review without a new version, under the review rule
    (never by anyone who wrote the version). Its documents are rendered again with the new
    dates."""
    from api.store.rendering import render_documents

    if note is not None and (problem := text_problem(note, newlines=True)) is not None:
        raise ValidationFailed(f"note: {problem.reason}", path="$.note")
    with transaction(db):
        head = latest_version(db, slug)
        if head is None:
            raise NotFound(f"no published article {slug!r}")
        check_if_match(if_match, article_etag(slug, head.number, treatments_number(db)))
        authors = head.authors or (head.author,)
        may(
            actor, "article.review", Target.source(authors, what=f"version {head.number}")
        ).enforce()
        stamp = now()
        db.table("article_reviews").insert(
            {"slug": slug, "number": head.number, "reviewer": actor.name, "at": stamp, "note": note}
        )
        record(
            db,
            actor,
            "article.review",
            f"articles/{slug}",
            before=head.content_hash,
            after=head.content_hash,
            detail=f"version {head.number} reviewed, still accurate"
            + (f": {note}" if note else ""),
        )
        render_documents(db, slugs={slug}, latest_only=True, on=on)
        article = load_article(db, slug, head.number)
        return article_review(db, article, head, head.number, on or today())


def _rendered_status(db: sqlite_utils.Database) -> dict[str, str]:
    """slug -> the review status its rendered documents state (from the source list's
    rows)."""
    rows = db.execute(
        "SELECT slug, review_status FROM article_list WHERE locale = ? "
        "AND review_status IS NOT NULL",
        [DEFAULT_LOCALE],
    )
    return {str(slug): str(status) for slug, status in rows}


def _due_review(db: sqlite_utils.Database, slug: str, on: date) -> tuple[int, ReviewOut]:
    row = latest_version(db, slug)
    assert row is not None
    article = load_article(db, slug, row.number)
    return row.number, article_review(db, article, row, row.number, on)


def sweep_review_status(
    db: sqlite_utils.Database, on: date | None = None, progress: Callable[[str], None] | None = None
) -> list[str]:
    """Re-render the articles whose review status on `on` (default today) differs from what
    their documents state; return their slugs. Cheap when nothing moved on: one stored list
    and each article's latest version are read."""
    from api.store.rendering import render_documents

    when = on or today()
    with transaction(db):
        stated = _rendered_status(db)
        due = {slug: _due_review(db, slug, when) for slug, _ in published_slugs(db)}
        moved = {
            slug for slug, (_, review) in due.items() if stated.get(slug) != review.review_status
        }
        if moved:
            render_documents(db, slugs=moved, latest_only=True, progress=progress, on=when)
        for slug in sorted(moved):
            number, review = due[slug]
            if review.review_status == "overdue" and review.next_review_due is not None:
                enqueue_event(
                    db,
                    ReviewOverdue(
                        slug=slug, version=number, next_review_due=review.next_review_due
                    ),
                )
    return sorted(moved)


def review_overview(db: sqlite_utils.Database, on: date | None = None) -> list[ArticleReview]:
    """Every published article's review state on `on`, most urgent first (overdue, due
    soon, then by due date): the editors' dashboard."""
    when = on or today()
    out: list[ArticleReview] = []
    for slug, number in published_slugs(db):
        row = version_row(db, slug, number)
        article = load_article(db, slug, number)
        review = article_review(db, article, row, number, when)
        out.append(ArticleReview(slug=slug, title=article.title, version=number, review=review))
    rank = {"overdue": 0, "due-soon": 1, "current": 2, "superseded": 3}
    return sorted(
        out,
        key=lambda a: (rank[a.review.review_status], a.review.next_review_due or "", a.slug),
    )
