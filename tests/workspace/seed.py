"""Work waiting in the live server's database, made through the same store functions as
the API: a second published version (so there is history, and translations it made stale),
a draft in review by the editor, and a Spanish catalog uploaded by the translator."""

from __future__ import annotations

import io
from pathlib import Path

import sqlite_utils
from babel.messages.pofile import read_po, write_po
from msgspec.structs import replace

from api.core.access import Principal
from api.core.catalog import parse_catalog
from api.core.messages import known_contexts
from api.core.model import Paragraph
from api.core.workflow import article_etag
from api.sources import catalog_path
from api.store.catalogs import stage_catalog
from api.store.drafts import create_draft, publish_draft, submit_draft
from api.store.schema import open_database
from api.store.versions import latest_version, load_article, load_treatments, treatments_number
from tests.conftest import LOCALES, SLUG
from tests.workspace.people import PEOPLE

__all__ = ["EDITED_P1", "person", "seed_work"]

EDITED_P1 = "Stem cell therapy for hair loss is an experimental approach"
# Version 2 rewords this paragraph: its translations become stale.
CHANGED = ("what-is-stem-cell-therapy", "p2")
CHANGED_WORDS = ("differs from", "is unlike")
REVISED_P2 = " (revisado)."


def person(part: str) -> Principal:
    """The Principal of one of the test's people."""
    name, role, locales = PEOPLE[part]
    return Principal(name=name, role=role, locales=tuple(locales))  # type: ignore[arg-type]


def seed_work(db_path: Path) -> None:
    """Version 2 (a paragraph reworded, reviewed by the reviewer), a draft in review (the
    introduction's first paragraph reworded) and a pending Spanish catalog (the
    introduction's second paragraph revised)."""
    db = open_database(db_path)
    try:
        _publish_version_2(db)
        head = latest_version(db, SLUG)
        assert head is not None
        article = load_article(db, SLUG, head.number)
        intro = article.sections[0]
        first = intro.blocks[0]
        assert isinstance(first, Paragraph)
        edited = replace(first, text=EDITED_P1 + first.text[first.text.index(" that ") :])
        changed = replace(
            article,
            sections=(replace(intro, blocks=(edited, *intro.blocks[1:])), *article.sections[1:]),
        )
        editor = person("editor")
        etag = article_etag(SLUG, head.number, treatments_number(db))
        draft = create_draft(db, editor, changed, "Say experimental", etag)
        submit_draft(db, editor, draft.id, draft.etag)

        po = read_po(catalog_path(LOCALES, "es", SLUG).open("rb"))
        for message in po:
            if message.context == f"{SLUG}/introduction/p2" and message.string:
                message.string = str(message.string).rstrip(".") + REVISED_P2
        out = io.BytesIO()
        write_po(out, po, width=0)
        contexts = known_contexts([article], load_treatments(db))
        stage_catalog(
            db, person("translator"), parse_catalog(out.getvalue(), "es.po", "es", contexts)
        )
    finally:
        db.conn.close()


def _publish_version_2(db: sqlite_utils.Database) -> None:
    article = load_article(db, SLUG, 1)
    section_id, block_id = CHANGED
    sections = []
    for section in article.sections:
        if section.id == section_id:
            blocks = tuple(
                replace(b, text=b.text.replace(*CHANGED_WORDS))
                if b.id == block_id and isinstance(b, Paragraph)
                else b
                for b in section.blocks
            )
            section = replace(section, blocks=blocks)
        sections.append(section)
    changed = replace(article, sections=tuple(sections))
    editor, reviewer = person("editor"), person("reviewer")
    draft = create_draft(
        db, editor, changed, "Plainer words", article_etag(SLUG, 1, treatments_number(db))
    )
    draft = submit_draft(db, editor, draft.id, draft.etag)
    publish_draft(db, reviewer, draft.id, draft.etag)
