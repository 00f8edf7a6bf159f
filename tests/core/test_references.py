"""References: an article's structured reference list, cited by id from its blocks and from
the claims of its treatment records; an id the list does not hold is refused at the door on
every path (here: the files and `vetted check`), and readers get the citations per block,
per section and per record, and the whole list in the article."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from api.core.content import check_article, dump_yaml, parse_article, parse_treatments
from api.core.errors import ImportRejected, ValidationFailed
from api.core.merge import merge_articles
from api.core.model import Article, Paragraph, Reference, Regulation, Section, TreatmentCatalog
from api.core.output import VersionInfo
from api.core.render import render_article, render_treatment, section_documents
from api.sources import read_content
from tests.conftest import SLUG

ARTICLE = Path("content") / "articles" / f"{SLUG}.yaml"
TREATMENTS = Path("content") / "treatments.yaml"
LABEL = Reference(
    id="test-label",
    title="A test label",
    publisher="A regulator",
    url="https://example.org/label",
    published="2024-05",
    accessed="2026-12-07",
)
REVIEW = Reference(
    id="test-review",
    title="A test review",
    authors=("A. Author", "B. Author"),
    doi="10.1000/test.1",
    accessed="2026-12-07",
)


def _with_cites(
    article: Article, section_id: str, block_id: str, cites: tuple[str, ...]
) -> Article:
    def section(s: Section) -> Section:
        blocks = tuple(
            msgspec.structs.replace(b, cites=cites)
            if s.id == section_id and b.id == block_id and isinstance(b, Paragraph)
            else b
            for b in s.blocks
        )
        return msgspec.structs.replace(
            s, blocks=blocks, sections=tuple(section(c) for c in s.sections)
        )

    return msgspec.structs.replace(article, sections=tuple(section(s) for s in article.sections))


def _article(root: Path) -> Article:
    return parse_article((root / ARTICLE).read_bytes(), str(ARTICLE))


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _refusal(root: Path) -> ValidationFailed:
    with pytest.raises(ImportRejected) as caught:
        read_content(root / "content", root / "locales", root)
    # (The catalogs' entries then name blocks of no valid article: listed after it.)
    return caught.value.errors[0]


def test_a_block_citing_an_unknown_reference_is_refused_with_file_and_line(tree: Path) -> None:
    article = msgspec.structs.replace(_article(tree), references=(LABEL,))
    article = _with_cites(article, "introduction", "p2", ("test-label", "no-such-source"))
    text = dump_yaml(article)
    (tree / ARTICLE).write_text(text, encoding="utf-8")
    error = _refusal(tree)
    assert error.file == str(ARTICLE)
    assert error.line == _line_of(text, "- no-such-source")
    assert "no-such-source" in error.detail and "test-label" in error.detail
    assert error.path.endswith(".blocks[1].cites[1]")


def test_a_record_citing_an_unknown_reference_is_refused_with_file_and_line(tree: Path) -> None:
    article = msgspec.structs.replace(_article(tree), references=(LABEL,))
    (tree / ARTICLE).write_text(dump_yaml(article), encoding="utf-8")
    records = parse_treatments((tree / TREATMENTS).read_bytes(), str(TREATMENTS))
    first = records.treatments[0]
    regulation = msgspec.structs.replace(first.regulatory[0], cites=("test-label", "nope"))
    changed = msgspec.structs.replace(first, regulatory=(regulation, *first.regulatory[1:]))
    text = dump_yaml(TreatmentCatalog(treatments=(changed, *records.treatments[1:])))
    (tree / TREATMENTS).write_text(text, encoding="utf-8")
    error = _refusal(tree)
    assert error.file == str(TREATMENTS)
    assert error.line == _line_of(text, "- nope")
    assert error.path == "$.treatments[0].regulatory[0].cites[1]"
    assert "'nope'" in error.detail


def test_cited_references_that_resolve_are_accepted_and_rendered(tree: Path) -> None:
    article = msgspec.structs.replace(_article(tree), references=(LABEL, REVIEW))
    article = _with_cites(article, "introduction", "p2", ("test-review",))
    (tree / ARTICLE).write_text(dump_yaml(article), encoding="utf-8")
    records = parse_treatments((tree / TREATMENTS).read_bytes(), str(TREATMENTS))
    first = records.treatments[0]
    regulation = msgspec.structs.replace(first.regulatory[0], cites=("test-label",))
    changed = msgspec.structs.replace(first, regulatory=(regulation, *first.regulatory[1:]))
    (tree / TREATMENTS).write_text(
        dump_yaml(TreatmentCatalog(treatments=(changed, *records.treatments[1:]))),
        encoding="utf-8",
    )
    content = read_content(tree / "content", tree / "locales", tree)
    (read,) = content.articles
    assert read.references == (LABEL, REVIEW)
    info = VersionInfo(number=1, content_hash="sha256:x", published_at="2026-12-07T00:00:00Z")
    rendered = render_article(read, info, "fr", {}, content.treatments)
    assert rendered.references == (LABEL, REVIEW)
    intro = rendered.sections[0]
    assert [getattr(b, "cites", ()) for b in intro.blocks][:2] == [(), ("test-review",)]
    documents = {d.section.id: d for d in section_documents(rendered)}
    assert documents["introduction"].references == (REVIEW,)
    assert documents["faq"].references == ()
    encoded = msgspec.json.encode(documents["faq"])
    assert b'"references"' not in encoded and b'"cites"' not in encoded
    record = render_treatment(changed, "fr", {}, read.references)
    assert record.regulatory[0].cites == ("test-label",)
    assert record.references == (LABEL,)
    assert next(e for e in record.evidence if e.claim == "regulatory/0").cites == ("test-label",)


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        (msgspec.structs.replace(LABEL, publisher=None), "neither authors nor a publisher"),
        (msgspec.structs.replace(LABEL, url=None), "neither a url nor a doi"),
    ],
)
def test_a_reference_names_who_and_where(tree: Path, reference: Reference, problem: str) -> None:
    article = msgspec.structs.replace(_article(tree), references=(reference,))
    with pytest.raises(ValidationFailed, match=problem) as caught:
        check_article(article)
    assert caught.value.path == "$.references[0]"


def test_a_duplicate_reference_id_and_a_bad_date_are_refused(tree: Path) -> None:
    article = msgspec.structs.replace(_article(tree), references=(LABEL, LABEL))
    with pytest.raises(ValidationFailed, match="duplicate reference id"):
        check_article(article)
    text = dump_yaml(msgspec.structs.replace(_article(tree), references=(LABEL,)))
    text = text.replace("accessed: '2026-12-07'", "accessed: 07/12/2026")
    with pytest.raises(ValidationFailed) as caught:
        parse_article(text, "a.yaml")
    assert caught.value.line == _line_of(text, "accessed: 07/12/2026")


def test_a_merge_takes_reference_changes_from_either_side(tree: Path) -> None:
    base = msgspec.structs.replace(_article(tree), references=(LABEL, REVIEW))
    retitled = msgspec.structs.replace(LABEL, title="A test label, revised")
    draft = msgspec.structs.replace(base, references=(retitled, REVIEW))
    head = _with_cites(base, "introduction", "p2", ("test-review",))
    merged = merge_articles(base, draft, head)
    assert merged.article is not None
    assert merged.article.references == (retitled, REVIEW)
    assert merged.article.sections[0].blocks[1].cites == ("test-review",)  # type: ignore[union-attr]
    # Both sides adding a reference is a conflict on their order, as for blocks.
    both = merge_articles(
        base,
        msgspec.structs.replace(
            base, references=(LABEL, REVIEW, msgspec.structs.replace(LABEL, id="x"))
        ),
        msgspec.structs.replace(
            base, references=(LABEL, REVIEW, msgspec.structs.replace(LABEL, id="y"))
        ),
    )
    assert [c.unit for c in both.conflicts] == ["references:"]
    # A head that cites what the draft removed is caught when the merge is checked.
    removed = merge_articles(base, msgspec.structs.replace(base, references=(LABEL,)), head)
    assert removed.article is not None
    with pytest.raises(ValidationFailed, match="test-review"):
        check_article(removed.article)


def test_a_regulation_without_cites_encodes_as_before() -> None:
    plain = Regulation(status="fda-approved", statement="x", source="a/b")
    assert msgspec.json.encode(plain) == b'{"status":"fda-approved","statement":"x","source":"a/b"}'
