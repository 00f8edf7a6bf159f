"""Refused management requests (API or workspace) leave a trace for admins: written after
the answer is sent, on a connection of its own, so the refused write's rolled-back
transaction and the event loop are never involved."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.background_tasks import BackgroundTask

from api.core.errors import VettedError
from api.logs import request_id
from api.store.refusals import Refusal, record_refusal_at
from api.web.cors import MANAGEMENT_PREFIX

__all__ = ["REFUSED_STATUSES", "refusal_trace"]

REFUSED_STATUSES = frozenset({401, 403, 409, 412, 428})
# The management API and the workspace, whose forms make the same writes.
_RECORDED = (MANAGEMENT_PREFIX, "/workspace")
# Whatever a caller sends, a token-shaped string is never kept (paths and details echo
# input, such as an If-Match header).
_TOKEN = re.compile(r"vt_\d+_[A-Za-z0-9_-]+")
log = logging.getLogger("vetted.web")


def _redacted(text: str, limit: int) -> str:
    text = _TOKEN.sub("vt_…", text)
    return text if len(text) <= limit else text[:limit] + "…"


def _store(db_path: str | Path, refusal: Refusal, rid: str | None) -> None:
    try:
        record_refusal_at(db_path, refusal)
    except sqlite3.Error:
        log.exception("could not record a refusal", extra={"fields": {"request_id": rid}})


def refusal_trace(
    request: Request[Any, Any, Any], exc: VettedError, status: int, problem: str
) -> BackgroundTask | None:
    """The task that records this answer, when it refuses a management request."""
    db_path = getattr(request.app.state, "db_path", None)
    path = request.url.path
    if status not in REFUSED_STATUSES or db_path is None:
        return None
    if not any(path == prefix or path.startswith(prefix + "/") for prefix in _RECORDED):
        return None
    principal = getattr(request.state, "principal", None)
    operation = getattr(request.scope.get("route_handler"), "operation_id", None)
    refusal = Refusal(
        actor=getattr(principal, "name", None),
        role=getattr(principal, "role", None),
        method=request.method,
        path=_redacted(path, 300),
        operation=operation if isinstance(operation, str) else None,
        status=status,
        problem=problem,
        detail=_redacted(str(exc), 500),
    )
    return BackgroundTask(_store, db_path, refusal, request_id.get())
