"""The one text policy for every human-entered string: source content, translations,
the catalog headers and translator comments they come with, draft messages and review
comments. It is checked at the door on every path (API, workspace, command line); the
reason for each class of character it refuses is written beside it here and in
docs/security/text-policy.md.

Text is stored in Unicode NFC, so the same sentence typed in NFC or NFD is the same text
(one content hash, one msgid). It is plain: no HTML or XML tags, no character entities
(catalog headers may name people as `Name <email>`). It has no characters that change what
a reader sees without being seen themselves:

- control characters (Unicode category Cc: C0, DEL, C1; line and paragraph separators):
  terminal escapes (ESC), NUL and friends reach logs, terminals and partner apps;
- the bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069),
  which reorder text on screen (spoofing what a reviewer approves); the marks LRM, RLM
  and ALM are allowed, because right-to-left text needs them to place neutral characters;
- invisible format characters (category Cf) such as U+200B ZERO WIDTH SPACE, U+00AD
  SOFT HYPHEN (hyphenation is the client's), U+2060, U+FEFF and the TAG characters
  U+E0000–U+E007F (they can carry hidden text; this also refuses subdivision flag emoji
  such as England's), and the Hangul and Braille blank letters;
- every other Default_Ignorable_Code_Point of Unicode (api.core.unicode_tables, from the
  Unicode Character Database): characters a renderer shows as nothing, so they split a
  word unseen (search evasion, look-alike names) or carry hidden data. Among them U+034F
  COMBINING GRAPHEME JOINER, U+17B4/U+17B5 KHMER VOWEL INHERENT AQ/AA (Unicode advises
  against their use), the Mongolian free variation selectors U+180B–U+180F and the code
  points Unicode reserves as default-ignorable (U+2065, U+FFF0–U+FFF8, U+E0000–U+E0FFF);
- private-use characters (category Co), surrogates and noncharacters (U+FFFF, U+FDD0…);
- runs of variation selectors (one after a character selects a glyph, as emoji need;
  many in a row are a known way to hide data);
- runs of more than MAX_COMBINING_RUN combining marks (categories Mn, Mc, Me) in a row:
  stacked marks ("Zalgo" text) draw over the lines around them. Real text stacks few:
  Arabic harakat two or three (a shadda with a vowel), Vietnamese in NFD two; the
  shipped content and catalogs stack at most two.

Allowed on purpose: U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER, which
Persian, Arabic and Indic scripts need to spell words correctly and emoji sequences need
to join; LRM, RLM and ALM (above); one variation selector after a character (U+FE00–FE0F,
U+E0100–E01EF; emoji and CJK glyph variants); the visible prepended concatenation marks
(U+0600 ARABIC NUMBER SIGN…); code points not yet assigned in this Python's Unicode
database (newer emoji), unless Unicode reserves them as default-ignorable; every space
character (French typography needs U+00A0 and U+202F).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from typing import NamedTuple

from api.core.errors import ValidationFailed
from api.core.unicode_tables import COMBINING_MARKS, DEFAULT_IGNORABLE

__all__ = [
    "ALLOWED_FORMAT",
    "ALLOWED_IGNORABLE",
    "MARKUP",
    "MAX_COMBINING_RUN",
    "TextProblem",
    "checked_text",
    "nfc",
    "text_problem",
]

MARKUP = re.compile(r"</?[a-zA-Z!?][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
ALLOWED_FORMAT = frozenset(
    "\u200c\u200d\u200e\u200f\u061c"
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
"""Format characters (Cf) that stay: ZWNJ, ZWJ, LRM, RLM, ALM (scripts need them), and
the prepended concatenation marks such as U+0600 ARABIC NUMBER SIGN (visible signs)."""
ALLOWED_IGNORABLE = frozenset(
    "\u200c\u200d\u200e\u200f\u061c"
    + "".join(map(chr, (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0))))
)
"""Default-ignorable characters that stay: ZWNJ, ZWJ, LRM, RLM, ALM, and the variation
selectors (one at a time: a run of them is refused by its own rule)."""
MAX_COMBINING_RUN = 8
"""The most combining marks allowed in a row (see the module's docstring)."""
_EMAIL = re.compile(r"<[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+>")
_BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_VARIATION_RUN = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]{2,}")


def _kind(char: str) -> str | None:
    """Why `char` may not appear in text, or None when it may."""
    if char in _BIDI_CONTROLS:
        return "bidi control character"
    category = unicodedata.category(char)
    if category == "Cc" or category in ("Zl", "Zp"):
        return "control character"
    if category == "Cf" and char not in ALLOWED_FORMAT:
        return "invisible format character"
    if category == "Co":
        return "private-use character"
    if category == "Cs":
        return "surrogate"
    code = ord(char)
    if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return "noncharacter"
    if char in _BLANK_LETTERS:
        return "invisible letter"
    if _ignorable(code) and char not in ALLOWED_IGNORABLE:
        return "invisible character"
    return None


_IGNORABLE_STARTS = [first for first, _ in DEFAULT_IGNORABLE]


def _ignorable(code: int) -> bool:
    """Whether Unicode says `code` is a Default_Ignorable_Code_Point."""
    at = bisect_right(_IGNORABLE_STARTS, code) - 1
    return at >= 0 and code <= DEFAULT_IGNORABLE[at][1]


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    """The ranges as the inside of a regex character class."""
    return "".join(f"{chr(a)}-{chr(b)}" if a < b else chr(a) for a, b in ranges)


# Every refused code point in one character class (written out: deriving it from
# unicodedata at import takes seconds; a test keeps the two equal). Cf as of Unicode 14
# minus ALLOWED_FORMAT, then Cc but U+000A, Zl, Zp, Cs, Co, the noncharacters, the
# blank letters and the other default-ignorables but ALLOWED_IGNORABLE. (Kept in two
# parts for _SUSPECT.)
_REFUSED_BMP = (
    "\u00ad\u034f\u17b4\u17b5\u180b-\u180d\u180e\u180f\u200b\u202a-\u202e\u2060-\u206f"
    "\ufeff\ufff0-\ufff8\ufff9-\ufffb"
    "\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
    "\ue000-\uf8ff\ufdd0-\ufdef\ufffe\uffff" + "".join(sorted(_BLANK_LETTERS))
)
_REFUSED_ASTRAL = (
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e00ff\U000e01f0-\U000e0fff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
)
_REFUSED = re.compile(f"[{_REFUSED_BMP}{_REFUSED_ASTRAL}]")
_MARKS = _class(COMBINING_MARKS)
_MARK_RUN = re.compile(f"[{_MARKS}]{{{MAX_COMBINING_RUN + 1},}}")
# Every character where one of text_problem's rules can start (a refused one, U+000A, a
# variation selector, `<`, `&`), every character beyond the BMP, and a run of combining
# marks too long: a text without any breaks no rule, which one search tells (tests check
# every code point and every run). The pattern begins with one class of BMP characters
# and one range, so the regex engine skips at C speed to the first character in it; a
# lone mark (an Arabic vowel sign) costs one more class test. _REFUSED, whose characters
# beyond the BMP the engine tries as a list of ranges one by one, takes over ten times
# as long on clean text.
_BMP_MARKS = _class(tuple((a, min(b, 0xFFFF)) for a, b in COMBINING_MARKS if a <= 0xFFFF))
_SUSPECT_CHARS = f"{_REFUSED_BMP}\n<&\ufe00-\ufe0f\U00010000-\U0010ffff"
_SUSPECT = re.compile(
    f"[{_SUSPECT_CHARS}{_BMP_MARKS}]"
    f"(?:(?<=[{_SUSPECT_CHARS}])|[{_BMP_MARKS}]{{{MAX_COMBINING_RUN}}})"
)


class TextProblem(NamedTuple):
    """Why a text breaks the policy, and where (the index of the offending character)."""

    reason: str
    position: int


def text_problem(text: str, *, emails: bool = False, newlines: bool = False) -> TextProblem | None:
    """What makes `text` break the policy, or None when it is fine.

    `emails=True` allows `<name@host>` among the markup refused (catalog header comments
    name people as `Name <email>`); `newlines=True` allows U+000A (multi-line text).
    """
    if _SUSPECT.search(text) is None:
        return None
    return _problem(text, emails=emails, newlines=newlines)


def _problem(text: str, *, emails: bool, newlines: bool) -> TextProblem | None:
    """text_problem's answer, rule by rule (the first rule broken, at its position)."""
    found = _REFUSED.search(text)
    if not newlines and (line := text.find("\n")) >= 0 and (found is None or line < found.start()):
        return TextProblem("control character U+000A", line)
    if found is not None:
        char = found.group()
        return TextProblem(f"{_kind(char)} U+{ord(char):04X}", found.start())
    if (run := _VARIATION_RUN.search(text)) is not None:
        return TextProblem(f"{len(run.group())} variation selectors in a row", run.start())
    if (run := _MARK_RUN.search(text)) is not None:
        return TextProblem(
            f"{len(run.group())} combining marks in a row (at most {MAX_COMBINING_RUN})",
            run.start(),
        )
    for tag in MARKUP.finditer(text):
        if not (emails and _EMAIL.fullmatch(tag.group())):
            return TextProblem("markup", tag.start())
    return None


def checked_text(text: str, field: str, *, multiline: bool = False) -> str:
    """A human-entered string (a draft message, a review comment) as it is stored: in NFC,
    line breaks as U+000A; or ValidationFailed naming `field` when it breaks the policy.
    `multiline` allows line breaks (comments are written in a text area, whose form
    value has CR LF line breaks)."""
    if multiline and "\r" in text:
        text = text.replace("\r\n", "\n")
    problem = text_problem(text, newlines=multiline)
    if problem is not None:
        raise ValidationFailed(f"{problem.reason} (at {field})", path=field)
    return nfc(text)


def nfc(text: str) -> str:
    """`text` in Unicode normalization form C."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
