"""Where a file of record stands against the published history of its article: current,
a new proposal, or behind (an old checkout that would undo what was published since)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from api.core.model import Article, content_hash, walk_sections

__all__ = ["Behind", "article_pieces", "behind_published"]

_encode = msgspec.json.Encoder(order="deterministic").encode


class Behind(msgspec.Struct, frozen=True, kw_only=True):
    """A file that holds, or is based on, an earlier published version."""

    version: int
    """The newest published version whose content the file still carries."""
    head: int
    """The version readers get now."""
    piece: str | None = None
    """The part (`title`, `<section>/heading`, `<section>/<block>`) whose text was
    replaced after `version`; None when the whole file equals `version`."""

    def explain(self, file: str) -> str:
        """The sentence the import prints."""
        if self.piece is None:
            what = f"{file} is version {self.version}"
        else:
            what = (
                f"{file} is based on version {self.version} ({self.piece} has version "
                f"{self.version}'s text, replaced since)"
            )
        return f"{what}; the database has published up to version {self.head}: nothing stored"


def article_pieces(article: Article) -> dict[str, bytes]:
    """The parts of an article a reader sees, each by a stable key."""
    pieces = {"title": article.title.encode()}
    for section in walk_sections(article.sections):
        if section.heading is not None:
            pieces[f"{section.id}/heading"] = section.heading.encode()
        for block in section.blocks:
            pieces[f"{section.id}/{block.id}"] = _encode(block)
    return pieces


def behind_published(file: Article, history: Sequence[tuple[int, Article]]) -> Behind | None:
    """Whether `file` would take readers back: it equals an earlier published version, or
    carries a part's text from an earlier version that a later version replaced or removed.

    `history` is every published version of the article, oldest first (the last is the
    head). A file equal to the head, or one that only adds new text, is not behind.
    """
    if not history:
        return None
    head_number, head = history[-1]
    digest = content_hash(file)
    if digest == content_hash(head):
        return None
    earlier = history[:-1]
    for number, version in reversed(earlier):
        if content_hash(version) == digest:
            return Behind(version=number, head=head_number)
    current = article_pieces(head)
    older = [(number, article_pieces(version)) for number, version in earlier]
    found: Behind | None = None
    for key, value in article_pieces(file).items():
        if current.get(key) == value:
            continue
        last = max((n for n, pieces in older if pieces.get(key) == value), default=None)
        if last is not None and (found is None or last > found.version):
            found = Behind(version=last, head=head_number, piece=key)
    return found
