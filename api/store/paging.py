"""Append-only logs read newest first, a page at a time, by an id cursor: the audit log,
the refusals and the catalog sign-offs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import sqlite_utils

__all__ = ["Filter", "exact", "newest_first", "prefix"]


class Filter(NamedTuple):
    """One condition of a WHERE clause, with its parameters."""

    sql: str
    params: tuple[object, ...]


def exact(column: str, value: object | None) -> Filter | None:
    """`column` equals `value`; no condition when `value` is None or empty."""
    return Filter(f"{column} = ?", (value,)) if value not in (None, "") else None


def prefix(column: str, value: str | None) -> Filter | None:
    """`column` starts with `value` (as text, so no LIKE wildcards apply)."""
    return Filter(f"substr({column}, 1, length(?)) = ?", (value, value)) if value else None


def newest_first(
    db: sqlite_utils.Database,
    table: str,
    columns: tuple[str, ...],
    filters: Iterable[Filter | None],
    *,
    limit: int,
    before_id: int | None,
) -> tuple[list[dict[str, Any]], int | None]:
    """Up to `limit` rows below `before_id`, newest first, and the cursor of the next page
    (None on the last)."""
    where = ["1 = 1"]
    params: list[object] = []
    for condition in filters:
        if condition is not None:
            where.append(condition.sql)
            params.extend(condition.params)
    if before_id is not None:
        where.append("id < ?")
        params.append(before_id)
    rows = db.execute(
        f"SELECT {', '.join(columns)} FROM {table} WHERE {' AND '.join(where)} "
        "ORDER BY id DESC LIMIT ?",
        [*params, limit + 1],
    ).fetchall()
    page = [dict(zip(columns, row, strict=True)) for row in rows[:limit]]
    return page, (int(page[-1]["id"]) if len(rows) > limit else None)
