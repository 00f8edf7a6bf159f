"""The Babel extractor for `content/**.yaml`, registered as `vetted_content`.

`pybabel extract -F babel.cfg` calls it with each content file; it yields every
message with its msgctxt and a comment that tells the translator where it stands, plus
`safety: translate first` on safety-bearing text (a section is served in the reader's
language only once all of its safety text is).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

from api.core.content import parse_article, parse_treatments
from api.core.messages import SAFETY_COMMENT, Message, article_messages, treatment_messages

__all__ = ["content_messages", "extract_content"]

Extracted = tuple[int, str, tuple[str, str], list[str]]


def content_messages(text: bytes, file: str) -> list[Message]:
    """The messages of one content file, whichever kind of file it is."""
    head = yaml.safe_load(text.split(b"\n", 1)[0]) if text else None
    if isinstance(head, dict) and "treatments" in head:
        return treatment_messages(parse_treatments(text, file))
    if isinstance(head, dict) and "history" in head:
        # An article's history log: its versions' files are extracted themselves, so the
        # template keeps the messages of every published version (their translations stay).
        return []
    return article_messages(parse_article(text, file))


def extract_content(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel extractor protocol: yield (lineno, funcname, (msgctxt, msgid), comments)."""
    text = fileobj.read()
    decoded = text.decode("utf-8")
    cursor = 0
    for message in content_messages(text, str(getattr(fileobj, "name", "content.yaml"))):
        # Messages come in document order, so the next occurrence is the right one.
        found = decoded.find(message.source[:60], cursor)
        if found >= 0:
            cursor = found
        lineno = decoded.count("\n", 0, cursor) + 1
        comments = [message.comment, SAFETY_COMMENT] if message.safety else [message.comment]
        yield lineno, "pgettext", (message.context, message.source), comments
