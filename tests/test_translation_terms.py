"""Medical terms in the shipped translations of version 2 (medical review AR-1): in lay
Arabic, الثعلبة alone reads as alopecia areata, so the technical term for androgenetic
alopecia never stands alone. Version 2's Arabic (fuzzy until a translation reviewer
approves it) always pairs it with the patient's term; version 1's approved Arabic is kept
byte for byte, as docs/medical/editorial-decisions.md decides."""

from __future__ import annotations

import io
import re

from babel.messages.pofile import read_po

from tests.conftest import SHIPPED_LOCALES

TERM = "الثعلبة الأندروجينية"
# The patient's term before it, with the technical one in parentheses, or the gloss after.
GLOSSED = re.compile(
    rf"(?:تساقط الشعر الوراثي|الصلع الوراثي) \({TERM}\)|{TERM} \(تساقط الشعر بالنمط"
)


def unglossed(text: str) -> int:
    return text.count(TERM) - len(GLOSSED.findall(text))


def test_the_gloss_rule_finds_a_bare_term() -> None:
    assert unglossed(f"لعلاج {TERM} لدى الرجال") == 1
    assert unglossed(f"لعلاج تساقط الشعر الوراثي ({TERM}) لدى الرجال") == 0
    assert unglossed(f"المصابون ب{TERM} (تساقط الشعر بالنمط الذكوري أو الأنثوي)") == 0


def test_version_2_arabic_never_leaves_androgenetic_alopecia_unglossed() -> None:
    catalogs = sorted((SHIPPED_LOCALES / "ar" / "LC_MESSAGES").glob("*.po"))
    assert catalogs
    messages = [m for path in catalogs for m in read_po(io.BytesIO(path.read_bytes()))]
    new = [m for m in messages if m.id and m.fuzzy and isinstance(m.string, str) and m.string]
    assert len(new) >= 20
    with_term = [m for m in new if TERM in m.string]
    assert len(with_term) >= 8
    bare = [m.context for m in with_term if unglossed(m.string)]
    assert bare == []
