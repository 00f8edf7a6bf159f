"""Splitting an earlier release's one catalog per locale (`content.po`, and its template
`messages.pot`) into one catalog per domain (api.core.catalog_domains), entry by entry.

The split works on the text: every entry is copied whole, byte for byte (its comments,
flags, `#| msgid` line and translation), under the file's own header, so nothing a
translator or a reviewer wrote is lost or rewritten; each domain's entries keep their
order. Obsolete (`#~`) entries go with their msgctxt.
"""

from __future__ import annotations

import re

from api.core.catalog_domains import domain_of
from api.core.errors import ValidationFailed

__all__ = ["split_catalog"]

_CONTEXT = re.compile(r'^(?:#~\s*)?msgctxt\s+"((?:[^"\\]|\\.)*)"', re.MULTILINE)
_GAP = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")


def split_catalog(text: str, file: str) -> dict[str, str]:
    """The text of each domain's catalog (domain -> text), in the order domains first
    appear. Every entry but the header must have a msgctxt (content's always do)."""
    body = text.strip("\n")
    lead = len(text) - len(text.lstrip("\n"))
    starts = [0, *(gap.end() for gap in _GAP.finditer(body))]
    ends = [*(gap.start() for gap in _GAP.finditer(body)), len(body)]
    parts = [(start, body[start:end]) for start, end in zip(starts, ends, strict=True)]
    header = parts[0][1]
    if not re.search(r'^msgid ""', header, re.MULTILINE) or _CONTEXT.search(header):
        raise ValidationFailed("the catalog does not begin with its header entry", file=file)
    by_domain: dict[str, list[str]] = {}
    for start, entry in parts[1:]:
        found = _CONTEXT.search(entry)
        if found is None:
            line = lead + body.count("\n", 0, start) + 1
            raise ValidationFailed(
                "an entry without msgctxt: content's messages always have one", file=file, line=line
            )
        by_domain.setdefault(domain_of(found.group(1)), []).append(entry)
    ending = text[len(text.rstrip("\n")) :] or "\n"
    return {domain: "\n\n".join([header, *kept]) + ending for domain, kept in by_domain.items()}
