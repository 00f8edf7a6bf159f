"""Version 1 of the article (kept in content/history/) carries the source text exactly, and
content validation names file:line."""

from __future__ import annotations

import msgspec
import pytest

from api.core.content import (
    MAX_ARTICLE_BLOCKS,
    MAX_ARTICLE_CHARS,
    MAX_SECTION_DEPTH,
    check_article,
    dump_yaml,
    parse_article,
    parse_treatments,
)
from api.core.errors import ValidationFailed
from api.core.messages import treatment_fields
from api.core.model import Callout, Fact, Faq, Paragraph, content_hash, walk_sections
from tests.conftest import (
    SHIPPED_ARTICLE,
    SHIPPED_CONTENT,
    VERSION_1_FILE,
    VERSION_1_RECORDS,
    source_text_path,
)
from tests.work import measured


def article_lines() -> list[str]:
    """Every text of version 1 of the article (the source, kept verbatim forever) in
    document order, as a reader meets it."""
    article = parse_article(VERSION_1_FILE.read_bytes(), "article.yaml")
    out: list[str] = []
    for section in walk_sections(article.sections):
        if section.heading:
            out.append(section.heading)
        for block in section.blocks:
            if isinstance(block, Paragraph | Callout):
                out.append(block.text)
            elif isinstance(block, Faq):
                out.extend([block.question, block.answer])
    return out


def test_article_is_the_source_text_line_for_line() -> None:
    source = source_text_path().read_text(encoding="utf-8").splitlines()
    assert [line for line in source if line.strip()] == article_lines()


def test_vendored_source_copy_matches_the_content_of_record() -> None:
    vendored = SHIPPED_CONTENT.parent / "tests" / "data" / source_text_path().name
    assert vendored.read_bytes() == source_text_path().read_bytes()


def test_title_and_treatment_statements_are_quoted_from_the_source() -> None:
    source = source_text_path().read_text(encoding="utf-8")
    article = parse_article(VERSION_1_FILE.read_bytes(), "article.yaml")
    assert article.title in source
    # The records published beside version 1 quote the source itself.
    treatments = parse_treatments(VERSION_1_RECORDS.read_bytes(), "treatments.yaml")
    quoted = [t.name for t in treatments.treatments]
    quoted += [text for t in treatments.treatments for _, text in treatment_fields(t)]
    assert len(quoted) > 60
    assert [q for q in quoted if q not in source] == []
    assert len(treatments.treatments) == 8


def test_nested_sections_and_faq() -> None:
    article = parse_article(SHIPPED_ARTICLE.read_bytes(), "article.yaml")
    ids = [s.id for s in walk_sections(article.sections)]
    for expected in (
        "process/treatment-procedure",
        "process/post-treatment-care",
        "alternatives/minoxidil",
        "alternatives/hair-transplants",
    ):
        assert expected in ids
    faq = next(s for s in article.sections if s.id == "faq")
    assert [b.id for b in faq.blocks if isinstance(b, Faq)] == ["q1", "q2", "q3", "q4"]


@pytest.mark.parametrize(
    ("fact_id", "low", "high", "unit", "stated"),
    [
        ("session-duration", 1, 3, "hour", "from 1 to 3 hours"),
        ("first-growth", 3, 6, "month", "3–6 months"),
        ("full-results", 9, 12, "month", "9 to 12 months"),
        ("stem-cell-plan-cost", 3000, 10000, "USD", "between $3,000 and $10,000"),
        ("prp-appointment-cost", 500, 2500, "USD", "from $500 to $2,500 per appointment"),
    ],
)
def test_figures_are_typed_facts_beside_the_sentence_stating_them(
    fact_id: str, low: int, high: int, unit: str, stated: str
) -> None:
    article = parse_article(VERSION_1_FILE.read_bytes(), "article.yaml")
    for section in walk_sections(article.sections):
        for n, block in enumerate(section.blocks):
            if isinstance(block, Fact) and block.id == fact_id:
                assert (block.min, block.max) == (low, high)
                assert unit in (block.unit, block.currency)
                texts = [b.text for b in section.blocks[:n] if isinstance(b, Paragraph)]
                texts += [b.answer for b in section.blocks[:n] if isinstance(b, Faq)]
                assert any(stated in text for text in texts)
                return
    pytest.fail(f"no fact {fact_id}")


def test_canonical_dump_reproduces_the_file_byte_for_byte() -> None:
    for file, records in (
        (SHIPPED_ARTICLE, SHIPPED_CONTENT / "treatments.yaml"),
        (VERSION_1_FILE, VERSION_1_RECORDS),
    ):
        text = file.read_text(encoding="utf-8")
        assert dump_yaml(parse_article(text, "a.yaml")) == text
        treatments = records.read_text(encoding="utf-8")
        assert dump_yaml(parse_treatments(treatments, "t.yaml")) == treatments


GOOD = """\
slug: demo
title: Demo
sections:
- id: intro
  blocks:
  - type: paragraph
    id: p1
    text: Hello.
- id: costs
  heading: Costs
  blocks:
  - type: fact
    id: price
    kind: cost
    min: 1
    max: 2
    currency: USD
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("type: paragraph", "type: video", 6, "Invalid value 'video'"),
        ("- id: intro\n", "- heading: Intro\n", 4, "missing required field `id`"),
        ("- id: costs", "- id: intro", 9, "duplicate section id 'intro'"),
        ("min: 1", "min: 5", 15, "greater than max"),
        ("currency: USD", "currency: XYZ", 17, "unknown currency"),
        ("    text: Hello.", "    text: Hello.\n    text: Again.", 9, "duplicate key"),
        ("title: Demo", "title: &t Demo\nsummary: *t", 2, "anchors"),
        ("title: Demo", "title: !!python/object:os.system Demo", 2, "tag"),
        ("title: Demo", "title: [unclosed", 3, "YAML syntax"),
        ("id: p1", "id: P 1", 7, "id"),
    ],
)
def test_invalid_content_names_file_and_line(old: str, new: str, line: int, message: str) -> None:
    assert old in GOOD
    with pytest.raises(ValidationFailed) as caught:
        parse_article(GOOD.replace(old, new), "content/articles/demo.yaml")
    assert caught.value.file == "content/articles/demo.yaml"
    assert caught.value.line == line
    assert message in str(caught.value)


def test_good_content_parses() -> None:
    assert parse_article(GOOD, "demo.yaml").sections[1].heading == "Costs"


def test_not_utf8_and_oversized_are_rejected() -> None:
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        parse_article(GOOD.encode() + b"\xff", "demo.yaml")
    with pytest.raises(ValidationFailed, match="larger than"):
        parse_article(GOOD + "#" * 3_000_000, "demo.yaml")


LAUGHS = (
    "slug: demo\n"
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("slug: !!python/object/apply:os.system ['true']\n", 1, "tag"),
        ("title: Demo\nslug: !!python/name:os.system\n", 2, "tag"),
        ("slug: !custom demo\n", 1, "tag"),
        (LAUGHS, 2, "anchors and aliases"),
        ("slug: " + "[" * 10_000 + "]" * 10_000 + "\n", 1, "nests deeper than 64"),
        ("".join(" " * n + f"k{n}:\n" for n in range(1_000)), 65, "nests deeper than 64"),
        ("title: x\n" + "#" * 2_000_001, 2, "larger than 2000000 bytes"),
        (b"slug: demo\ntitle: Caf\xe9\n", 2, "not UTF-8"),
        (b"\xff\xfes\x00l\x00u\x00g\x00", 1, "not UTF-8"),
        (bytes(range(256)) * 8, 2, "not UTF-8"),
    ],
    ids=[
        "python-apply",
        "python-name",
        "custom-tag",
        "billion-laughs",
        "deep-flow",
        "deep-block",
        "oversized",
        "latin-1",
        "utf-16",
        "binary",
    ],
)
def test_hostile_yaml_is_refused_with_file_and_line(
    text: str | bytes, line: int, message: str
) -> None:
    # Refused quickly, not after expanding: counted, not timed. Refusals come from the
    # event stream before anything is composed, in a few hundred Python lines; expanding
    # the aliases (9^4 values, several lines each) runs tens of thousands. The 1,000
    # nested keys cost ~4,400 (a few per line of the file), within the bound.
    with (
        measured(parse_article, max_lines=8_000) as work,
        pytest.raises(ValidationFailed) as caught,
    ):
        parse_article(text, "content/articles/evil.yaml")
    assert work.entered == 1
    assert (caught.value.file, caught.value.line) == ("content/articles/evil.yaml", line)
    assert message in caught.value.detail


# --- one text policy, bounded numbers and sizes (the same checks as drafts over HTTP) ---


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("text: Hello.", "text: <script>alert(1)</script>", 8, "markup (at $.sections[0]"),
        ("text: Hello.", 'text: "Hello\\u202e.olleH"', 8, "bidi control character U+202E"),
        ("text: Hello.", 'text: "Hello\\e[31m"', 8, "control character U+001B"),
        ("text: Hello.", 'text: "Hello\\0"', 8, "control character U+0000"),
        ("text: Hello.", 'text: "Hel\\u200blo."', 8, "invisible format character U+200B"),
        ("text: Hello.", 'text: "Hello\\U000E0041"', 8, "invisible format character U+E0041"),
        ("text: Hello.", 'text: "Hello\\uE000"', 8, "private-use character U+E000"),
        ("title: Demo", 'title: "Demo\\uFFFF"', 2, "noncharacter U+FFFF"),
        ("heading: Costs", "heading: <b>Costs</b>", 10, "markup (at $.sections[1].heading)"),
        ("title: Demo", "title: Demo\nlocale: " + "<script>" * 625, 3, "locale"),
        ("title: Demo", "title: Demo\nlocale: zzz", 3, "'zzz' is not a locale CLDR knows"),
        ("title: Demo", "title: Demo\nlocale: und", 3, "'und' is not a locale CLDR knows"),
        ("title: Demo", "title: Demo\nlocale: fr", 3, "the source locale is 'en'"),
        ("title: Demo", "title: Demo\naudience: ['<script>']", 3, "audience"),
        ("max: 2", "max: 1.0e+25", 16, "<= 1000000000000"),
        ("max: 2", "max: 10000000000000000000000000", 16, "<= 1000000000000"),
        ("max: 2", "max: .inf", 16, "<= 1000000000000"),
        ("max: 2", "max: .nan", 16, "max"),
        ("min: 1", "min: -1", 15, ">= 0"),
    ],
)
def test_hostile_content_names_file_and_line(old: str, new: str, line: int, message: str) -> None:
    assert old in GOOD
    with pytest.raises(ValidationFailed) as caught:
        parse_article(GOOD.replace(old, new), "content/articles/demo.yaml")
    assert (caught.value.file, caught.value.line) == ("content/articles/demo.yaml", line)
    assert message in caught.value.detail


def test_source_text_is_stored_in_nfc() -> None:
    composed = parse_article(GOOD.replace("Hello.", "Introducción"), "a.yaml")
    decomposed = parse_article(GOOD.replace("Hello.", "Introduccio\u0301n"), "a.yaml")
    assert decomposed == composed
    assert content_hash(decomposed) == content_hash(composed)


def test_treatment_records_follow_the_text_policy() -> None:
    text = (SHIPPED_CONTENT / "treatments.yaml").read_text(encoding="utf-8")
    assert "name: Minoxidil" in text
    with pytest.raises(ValidationFailed) as caught:
        parse_treatments(text.replace("name: Minoxidil", 'name: "Mino\\u202exidil"'), "t.yaml")
    assert "bidi control character U+202E" in caught.value.detail
    assert caught.value.line == text[: text.index("name: Minoxidil")].count("\n") + 1


def _paragraphs(count: int, length: int) -> str:
    blocks = "".join(
        f"  - type: paragraph\n    id: p{n}\n    text: {'x' * length}\n" for n in range(count)
    )
    return f"slug: demo\ntitle: Demo\nsections:\n- id: intro\n  blocks:\n{blocks}"


@pytest.mark.parametrize(
    ("count", "length", "message"),
    [
        (MAX_ARTICLE_CHARS // 10_000 + 1, 10_000, "characters of text; the limit is 200000"),
        (MAX_ARTICLE_BLOCKS + 1, 1, f"blocks; the limit is {MAX_ARTICLE_BLOCKS}"),
    ],
)
def test_an_article_has_a_size_limit(count: int, length: int, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_article(_paragraphs(count, length), "demo.yaml")
    assert message in caught.value.detail
    assert parse_article(_paragraphs(MAX_ARTICLE_CHARS // 10_000 - 1, 10_000), "demo.yaml")


def _nested(levels: int) -> str:
    """An article whose sections nest `levels` deep, one paragraph in the deepest."""
    out, ids = "slug: demo\ntitle: Demo\nsections:\n", "s"
    for level in range(levels):
        pad = "  " * (2 * level)
        out += f"{pad}- id: {ids}\n{pad}  sections:\n" if level < levels - 1 else ""
        if level < levels - 1:
            ids += "/s"
    pad = "  " * (2 * (levels - 1))
    return out + f"{pad}- id: {ids}\n{pad}  blocks:\n{pad}  - {{type: paragraph, id: p, text: x}}\n"


def test_sections_nest_at_most_six_levels_deep() -> None:
    deepest = parse_article(_nested(MAX_SECTION_DEPTH), "demo.yaml")
    assert max(s.id.count("/") for s in walk_sections(deepest.sections)) == MAX_SECTION_DEPTH - 1
    text = _nested(MAX_SECTION_DEPTH + 1)
    with pytest.raises(ValidationFailed) as caught:
        parse_article(text, "demo.yaml")
    assert caught.value.detail == f"sections nest at most {MAX_SECTION_DEPTH} levels deep"
    assert caught.value.path == "$.sections[0]" + ".sections[0]" * MAX_SECTION_DEPTH
    assert caught.value.line == text.count("\n") - 2


def test_an_article_made_in_code_is_still_checked_against_its_type() -> None:
    """A file's article was just converted by msgspec; one made in code (a merged draft)
    may break its type's constraints, and check_article still refuses it."""
    article = parse_article(GOOD, "demo.yaml")
    too_long = msgspec.structs.replace(article, title="x" * 10_001)
    with pytest.raises(ValidationFailed) as caught:
        check_article(too_long)
    assert caught.value.path == "$.title"
    assert "length <= 10000" in caught.value.detail
