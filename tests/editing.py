"""Editorial steps as tests take them: a change published by an editor and a reviewer."""

from __future__ import annotations

import io

import sqlite_utils
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from api.actions.catalogs import upload_catalog
from api.core.access import Principal
from api.core.messages import article_messages
from api.core.model import Article, Paragraph, Section
from api.core.workflow import article_etag
from api.store.catalogs import pending_review
from api.store.drafts import (
    Draft,
    create_draft,
    publish_draft,
    request_rollback,
    submit_draft,
)
from api.store.versions import VersionRow, latest_version, load_article, treatments_number

EDITOR = Principal(name="ed", role="editor")
REVIEWER = Principal(name="rev", role="reviewer")
TRANSLATOR = Principal(name="tr", role="translator", locales=("es",))
ES_REVIEWER = Principal(name="rev-es", role="reviewer", locales=("es",))


def head_etag(db: sqlite_utils.Database, slug: str) -> str | None:
    """The If-Match a new draft of `slug` sends: the published head it was read from."""
    head = latest_version(db, slug)
    return article_etag(slug, head.number, treatments_number(db)) if head else None


def draft_in_review(
    db: sqlite_utils.Database, article: Article, message: str = "edit", author: Principal = EDITOR
) -> Draft:
    """A draft of `article` made from the head and submitted."""
    draft = create_draft(db, author, article, message, head_etag(db, article.slug))
    return submit_draft(db, author, draft.id, draft.etag)


def publish_change(
    db: sqlite_utils.Database,
    article: Article,
    message: str = "edit",
    author: Principal = EDITOR,
    reviewer: Principal = REVIEWER,
) -> VersionRow:
    """`article` published through the workflow: drafted by `author`, published by `reviewer`."""
    draft = draft_in_review(db, article, message, author)
    return publish_draft(db, reviewer, draft.id, draft.etag)


def roll_back(
    db: sqlite_utils.Database,
    slug: str,
    to_version: int,
    requester: Principal = EDITOR,
    reviewer: Principal = REVIEWER,
    reason: str = "The later change was wrong",
) -> VersionRow:
    """A rollback requested by one person and published by another."""
    draft = request_rollback(db, requester, slug, to_version, head_etag(db, slug), reason)
    return publish_draft(db, reviewer, draft.id, draft.etag)


def new_article(slug: str, title: str) -> Article:
    """The smallest article an editor can create: a title and one section of one paragraph."""
    return Article(
        slug=slug,
        title=title,
        sections=(
            Section(
                id="introduction",
                heading="Introduction",
                blocks=(Paragraph(id="opening", text=f"What {title.lower()} is about."),),
            ),
        ),
    )


def spanish_title_in_review(db: sqlite_utils.Database, slug: str, text: str) -> tuple[str, str]:
    """`slug`'s first message (its title) translated into Spanish as `text`, uploaded by
    the translator and awaiting review: the message's context and the review's ETag."""
    head = latest_version(db, slug)
    assert head is not None
    message = article_messages(load_article(db, slug, head.number))[0]
    catalog = Catalog(locale="es")
    catalog.add(message.source, text, context=message.context)
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    upload_catalog(db, TRANSLATOR, "es", out.getvalue(), slug)
    return message.context or "", pending_review(db, "es", slug).etag
