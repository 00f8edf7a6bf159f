"""Pages of a long list the workspace shows: which slice of it, and the links to the
others (the query string kept, `page` replaced)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

__all__ = ["Pager", "paged"]

T = TypeVar("T")


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


@dataclass(frozen=True)
class Pager:
    """Where a page sits among the pages of a list."""

    number: int
    count: int
    total: int
    first: int
    """The position (1-based) of the page's first item in the list (0 for none)."""
    last: int
    links: tuple[PageLink, ...]
    previous: str | None
    next: str | None


def paged(
    items: Sequence[T], number: int, size: int, path: str, query: Mapping[str, str]
) -> tuple[list[T], Pager]:
    """The items of page `number` (clamped to the pages there are) and its pager."""
    count = max(1, -(-len(items) // size))
    number = min(max(1, number), count)
    start = (number - 1) * size
    shown = list(items[start : start + size])

    def url(n: int) -> str:
        params = {k: v for k, v in query.items() if v and k != "page"}
        if n > 1:
            params["page"] = str(n)
        return path + (f"?{urlencode(params)}" if params else "")

    links = tuple(PageLink(n, url(n), n == number) for n in range(1, count + 1))
    return shown, Pager(
        number=number,
        count=count,
        total=len(items),
        first=start + 1 if shown else 0,
        last=start + len(shown),
        links=links,
        previous=url(number - 1) if number > 1 else None,
        next=url(number + 1) if number < count else None,
    )
