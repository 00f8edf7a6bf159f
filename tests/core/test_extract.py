"""The Babel extractor yields every message with msgctxt and a translator comment."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from api.core.content import parse_article
from api.core.extract import extract_content
from api.core.messages import SAFETY_COMMENT, block_fields
from api.core.model import is_safety, walk_sections
from tests.conftest import ARTICLE_FILE, CONTENT, ROOT, SLUG, locale_catalog


def test_extractor_protocol_on_an_article() -> None:
    data = ARTICLE_FILE.read_bytes()
    results = list(extract_content(io.BytesIO(data), {}, [], {}))
    assert len(results) == 106
    lineno, funcname, (context, source), _ = results[1]
    assert funcname == "pgettext"
    assert context == f"{SLUG}/introduction/p1"
    assert source.startswith("Stem cell therapy for hair loss is a revolutionary approach")
    assert data.decode().splitlines()[lineno - 1].strip().startswith("text: Stem cell therapy")
    faq = [r for r in results if "/faq/q3/" in r[2][0]]
    assert [r[2][0].rsplit("/", 1)[1] for r in faq] == ["question", "answer"]
    assert faq[0][3] == ["Section: Frequently Asked Questions (faq question)"]


def test_safety_bearing_messages_carry_the_translate_first_comment() -> None:
    article = parse_article(ARTICLE_FILE.read_bytes(), "article.yaml")
    safety = {
        f"{SLUG}/{section.id}/{suffix}"
        for section in walk_sections(article.sections)
        for block in section.blocks
        if is_safety(block)
        for suffix, _ in block_fields(block)
    }
    assert f"{SLUG}/safety-and-efficacy/p1" in safety and f"{SLUG}/candidates/p1" in safety
    results = list(extract_content(io.BytesIO(ARTICLE_FILE.read_bytes()), {}, [], {}))
    marked = {context for _, _, (context, _), comments in results if SAFETY_COMMENT in comments}
    assert marked == safety
    assert f"{SLUG}/introduction/p1" not in marked
    records = (CONTENT / "treatments.yaml").read_bytes()
    regulatory = {
        context
        for _, _, (context, _), comments in extract_content(io.BytesIO(records), {}, [], {})
        if SAFETY_COMMENT in comments
    }
    assert "treatment/dutasteride/regulatory/0" in regulatory
    assert not any(context.endswith("/name") for context in regulatory)


def test_committed_template_and_catalogs_mark_safety_text() -> None:
    template = locale_catalog(ROOT / "locales")
    marked = {m.context for m in template if m.id and SAFETY_COMMENT in m.auto_comments}
    assert f"{SLUG}/safety-and-efficacy/p1" in marked
    for locale in ("es", "fr", "ar"):
        catalog = locale_catalog(ROOT / "locales", locale)
        assert {m.context for m in catalog if m.id and SAFETY_COMMENT in m.auto_comments} == (
            marked
        ), locale


def test_extractor_on_treatments() -> None:
    data = (CONTENT / "treatments.yaml").read_bytes()
    contexts = [r[2][0] for r in extract_content(io.BytesIO(data), {}, [], {})]
    assert "treatment/minoxidil/name" in contexts
    assert "treatment/dutasteride/regulatory/1" in contexts


def test_pybabel_extract_uses_the_registered_extractor(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(pot),
            "--no-wrap",
            "-c",
            "translators:",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    catalog = read_po(pot.open("rb"))
    contexts = {m.context for m in catalog if m.id}
    assert f"{SLUG}/faq/q3/answer" in contexts
    assert "fact/per" in contexts
    committed = locale_catalog(ROOT / "locales")
    assert {(m.context, m.id) for m in catalog if m.id} == {
        (m.context, m.id) for m in committed if m.id
    }
