"""Structured logs: one JSON object per line on stderr, carrying the current request id.

The server's own lines, the access log and granian's lines all go through the same
formatter, so an operator's log pipeline reads one format."""

from __future__ import annotations

import logging
import sys
import time
import traceback
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import msgspec

__all__ = ["JsonFormatter", "configure_logging", "granian_log_config", "request_id"]

# Set for the duration of each request by the web layer; read by the formatter.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_encode = msgspec.json.Encoder().encode


@lru_cache(maxsize=4)
def _second(epoch: int) -> str:
    # Many lines share a second; formatting it once each is a tenth of a line's cost.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, request id, and the
    record's `fields` (a dict passed as `extra={"fields": …}`)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": f"{_second(int(record.created))}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        # Lines written while a request runs carry its id even when they do not say it.
        if line.get("request_id") is None and (rid := request_id.get()) is not None:
            line["request_id"] = rid
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return _encode(line).decode()


def configure_logging(level: str) -> None:
    """Send every logger's records to stderr as JSON lines, at `level` and above."""
    # The access log writes a record per request: skip what our lines never show (the
    # caller's file and line, thread and process names), as the logging docs advise.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Litestar and granian configure their own handlers; route them through ours.
    for name in ("litestar", "_granian", "granian.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def granian_log_config(level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for granian's own lines, in the same JSON format."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "api.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "_granian": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "granian.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }
