"""The one text policy for everything readers or translators see: source content,
translations and the catalog headers they come with, checked at the door on every path.

Text is stored in Unicode NFC, so the same sentence typed in NFC or NFD is the same text
(one content hash, one msgid). It is plain: no HTML or XML tags, no character entities.
It has no characters that change what a reader sees without being seen themselves:

- control characters (Unicode category Cc: C0, DEL, C1; line and paragraph separators);
- the bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069),
  which reorder text on screen (spoofing); the marks LRM, RLM and ALM are allowed,
  because right-to-left text needs them to place neutral characters;
- invisible format characters (category Cf) such as U+200B ZERO WIDTH SPACE, U+00AD
  SOFT HYPHEN (hyphenation is the client's), U+2060, U+FEFF and the TAG characters
  U+E0000–U+E007F (they can carry hidden text; this also refuses subdivision flag emoji
  such as England's), and the Hangul and Braille blank letters;
- private-use characters (category Co), surrogates and noncharacters (U+FFFF, U+FDD0…);
- runs of variation selectors (one after a character selects a glyph, as emoji need;
  many in a row are a known way to hide data).

Allowed on purpose: U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER, which
Persian, Arabic and Indic scripts need to spell words correctly and emoji sequences need
to join; the visible prepended concatenation marks (U+0600 ARABIC NUMBER SIGN…); code
points not yet assigned in this Python's Unicode database (newer emoji);
every space character (French typography needs U+00A0 and U+202F).
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

__all__ = ["ALLOWED_FORMAT", "MARKUP", "TextProblem", "nfc", "text_problem"]

MARKUP = re.compile(r"</?[a-zA-Z!?][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
ALLOWED_FORMAT = frozenset(
    "\u200c\u200d\u200e\u200f\u061c"
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
"""Format characters (Cf) that stay: ZWNJ, ZWJ, LRM, RLM, ALM (scripts need them), and
the prepended concatenation marks such as U+0600 ARABIC NUMBER SIGN (visible signs)."""
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
    return None


# Every refused code point in one character class (written out: deriving it from
# unicodedata at import takes seconds; a test keeps the two equal). Cf as of Unicode 14
# minus ALLOWED_FORMAT, then Cc but U+000A, Zl, Zp, Cs, Co, the noncharacters and the
# blank letters. (Kept in two parts for _SUSPECT.)
_REFUSED_BMP = (
    "\u00ad\u180e\u200b\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
    "\ue000-\uf8ff\ufdd0-\ufdef\ufffe\uffff" + "".join(sorted(_BLANK_LETTERS))
)
_REFUSED_ASTRAL = (
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000f0000-\U000ffffd\U00100000-\U0010fffd"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
)
_REFUSED = re.compile(f"[{_REFUSED_BMP}{_REFUSED_ASTRAL}]")
# Every character where one of text_problem's rules can start (a refused one, U+000A, a
# variation selector, `<`, `&`), and every character beyond the BMP: a text without any
# breaks no rule, which one search tells (a test checks every code point). It is one class
# of BMP characters and one range; _REFUSED, whose characters beyond the BMP the regex
# engine tries as a list of ranges one by one, takes over ten times as long on clean text.
_SUSPECT = re.compile(f"[{_REFUSED_BMP}\n<&\ufe00-\ufe0f\U00010000-\U0010ffff]")


class TextProblem(NamedTuple):
    """Why a text breaks the policy, and where (the index of the offending character)."""

    reason: str
    position: int


def text_problem(text: str, *, markup: bool = True, newlines: bool = False) -> TextProblem | None:
    """What makes `text` break the policy, or None when it is fine.

    `markup=False` skips the markup rule (catalog header comments name people as
    `Name <email>`); `newlines=True` allows U+000A (multi-line header text).
    """
    if _SUSPECT.search(text) is None:
        return None
    return _problem(text, markup=markup, newlines=newlines)


def _problem(text: str, *, markup: bool, newlines: bool) -> TextProblem | None:
    """text_problem's answer, rule by rule (the first rule broken, at its position)."""
    found = _REFUSED.search(text)
    if not newlines and (line := text.find("\n")) >= 0 and (found is None or line < found.start()):
        return TextProblem("control character U+000A", line)
    if found is not None:
        char = found.group()
        return TextProblem(f"{_kind(char)} U+{ord(char):04X}", found.start())
    if (run := _VARIATION_RUN.search(text)) is not None:
        return TextProblem(f"{len(run.group())} variation selectors in a row", run.start())
    if markup and (tag := MARKUP.search(text)) is not None:
        return TextProblem("markup", tag.start())
    return None


def nfc(text: str) -> str:
    """`text` in Unicode normalization form C."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
