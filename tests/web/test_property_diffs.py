"""Every diff names a change to a non-text field (a safety mark, a block's type, a fact's
figures, a treatment reference, a record's status), API and workspace; removing a safety mark
is a safety downgrade, refused at the door without a reason and called out to the reviewer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from api.core.diff import diff_articles
from api.core.model import (
    Article,
    Callout,
    Fact,
    Paragraph,
    Section,
    TreatmentRef,
    walk_sections,
)
from api.core.properties import PropertyChange
from api.sources import ContentSet
from api.store.accounts import create_token
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG
from tests.workspace.people import sign_in

Client = TestClient[Any]
HEAD = f"/v1/manage/articles/{SLUG}"
MARKED = "safety-and-efficacy"


def _edit(article: Article, section_id: str, block_id: str, **changes: Any) -> Article:
    def visit(sections: tuple[Section, ...]) -> tuple[Section, ...]:
        out = []
        for section in sections:
            blocks = tuple(
                msgspec.structs.replace(b, **changes)
                if section.id == section_id and b.id == block_id
                else b
                for b in section.blocks
            )
            out.append(
                msgspec.structs.replace(section, blocks=blocks, sections=visit(section.sections))
            )
        return tuple(out)

    return msgspec.structs.replace(article, sections=visit(article.sections))


def _block(article: Article, section_id: str, block_id: str) -> Any:
    section = next(s for s in walk_sections(article.sections) if s.id == section_id)
    return next(b for b in section.blocks if b.id == block_id)


def test_a_removed_safety_mark_is_named_and_a_downgrade(content: ContentSet) -> None:
    (article,) = content.articles
    assert _block(article, MARKED, "p1").safety
    (section,) = diff_articles(article, _edit(article, MARKED, "p1", safety=False))
    (block,) = section.blocks
    assert block.old == block.new  # the words are the same...
    assert block.properties == (PropertyChange(name="safety", old="true", new="false"),)
    assert block.safety_downgrade
    (marked,) = diff_articles(article, _edit(article, "introduction", "p1", safety=True))
    assert not marked.blocks[0].safety_downgrade  # adding a mark is no downgrade


def test_figures_types_and_references_are_named(content: ContentSet) -> None:
    (article,) = content.articles
    section = "process/treatment-procedure"
    fact = next(b for b in _section_blocks(article, section) if isinstance(b, Fact))
    changed = _edit(article, section, fact.id, max=fact.max + 1)
    (diff,) = diff_articles(article, changed)
    assert diff.blocks[0].properties == (
        PropertyChange(name="max", old=str(fact.max), new=str(fact.max + 1)),
    )
    ref = next(
        b
        for b in _section_blocks(article, "what-is-stem-cell-therapy")
        if isinstance(b, TreatmentRef)
    )
    (diff,) = diff_articles(
        article, _edit(article, "what-is-stem-cell-therapy", ref.id, treatment="prp")
    )
    assert diff.blocks[0].properties == (
        PropertyChange(name="treatment", old='"stem-cell-therapy"', new='"prp"'),
    )
    paragraph = _block(article, "introduction", "p1")
    assert isinstance(paragraph, Paragraph)
    callout = Callout(id=paragraph.id, kind="info", text=paragraph.text)
    as_callout = _replace_block(article, "introduction", callout)
    (diff,) = diff_articles(article, as_callout)
    names = {p.name: (p.old, p.new) for p in diff.blocks[0].properties}
    assert names == {"type": ('"paragraph"', '"callout"'), "kind": (None, '"info"')}


def _section_blocks(article: Article, section_id: str) -> tuple[Any, ...]:
    return next(s for s in walk_sections(article.sections) if s.id == section_id).blocks


def _replace_block(article: Article, section_id: str, block: Any) -> Article:
    def visit(sections: tuple[Section, ...]) -> tuple[Section, ...]:
        return tuple(
            msgspec.structs.replace(
                s,
                blocks=tuple(
                    block if s.id == section_id and b.id == block.id else b for b in s.blocks
                ),
                sections=visit(s.sections),
            )
            for s in sections
        )

    return msgspec.structs.replace(article, sections=visit(article.sections))


@pytest.fixture()
def people(db_path: Path) -> dict[str, dict[str, str]]:
    db = open_database(db_path)
    out = {}
    for name, role in (("ed", "editor"), ("rev", "reviewer")):
        out[name] = {
            "Authorization": f"Bearer {create_token(db, name=name, role=role, locales=[])[1]}"
        }
    db.conn.close()
    return out


def test_a_downgrade_needs_a_reason_and_the_reviewer_sees_it(
    db_path: Path, people: dict[str, dict[str, str]]
) -> None:
    with TestClient(create_app(db_path)) as client:
        read = client.get(HEAD, headers=people["ed"])
        article = msgspec.convert(read.json()["article"], Article)
        body = msgspec.to_builtins(_edit(article, MARKED, "p1", safety=False))
        headers = {**people["ed"], "If-Match": read.headers["etag"]}
        path = f"{HEAD}/drafts"
        refused = client.post(path, json={"article": body, "message": "unmark"}, headers=headers)
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert "safety-and-efficacy/p1" in problem["detail"] and "safety_reason" in refused.text
        reason = "The paragraph states no risk: the reviewer of version 2 agreed."
        created = client.post(
            path,
            json={"article": body, "message": "unmark", "safety_reason": reason},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        draft = created.json()["id"]
        diff = client.get(f"/v1/manage/drafts/{draft}/diff", headers=people["rev"]).json()
        assert diff["safety_reason"] == reason
        (change,) = diff["against_base"]
        assert change["field"] == f"block:{MARKED}/p1" and change["safety_downgrade"]
        assert change["properties"] == [{"name": "safety", "old": "true", "new": "false"}]
        # The workspace's review page calls it out, with the reason.
        sign_in(client, people["rev"]["Authorization"].removeprefix("Bearer "))
        page = client.get(f"/workspace/drafts/{draft}/review").text
        assert "Safety downgrade" in page and reason in page
        assert "<code>safety</code>: <del>true</del> → <ins>false</ins>" in page
