"""Rate limits: management requests per client address (Litestar's rate-limit middleware)
and failed authentications per client address (a sliding window from `api.core.limits`).

Both count in the memory of one worker process; see docs/security/index.md for why they are not
shared between workers."""

from __future__ import annotations

import copy

from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import DurationUnit, RateLimitConfig
from litestar.openapi.spec import OpenAPI, OpenAPIHeader, OpenAPIResponse, OpenAPIType, Schema

from api.core.limits import Rate
from api.web.cors import MANAGEMENT_PREFIX

__all__ = ["document_rate_limits", "management_rate_limit"]

_UNITS: dict[int, DurationUnit] = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


def management_rate_limit(rate: Rate) -> DefineMiddleware:
    """Middleware limiting requests per client address, for the management router."""
    return RateLimitConfig(rate_limit=(_UNITS[rate.seconds], rate.limit)).middleware


_HEADERS = {
    "Retry-After": "Seconds to wait before trying again.",
    "RateLimit-Limit": "Requests allowed per window (management rate limit only).",
    "RateLimit-Reset": "Seconds until the window resets (management rate limit only).",
}


def document_rate_limits(schema: OpenAPI) -> None:
    """Add the 429 answer to every management operation, shaped like its 401 answer."""
    for path, item in (schema.paths or {}).items():
        if not path.startswith(MANAGEMENT_PREFIX):
            continue
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method)
            if operation is None or not operation.responses:
                continue
            model = operation.responses.get("401")
            if not isinstance(model, OpenAPIResponse):
                continue
            response = copy.deepcopy(model)
            response.description = (
                "Too many requests from this address, or too many failed authentications; "
                "wait `Retry-After` seconds."
            )
            for media in (response.content or {}).values():
                for example in (media.examples or {}).values():
                    if isinstance(example.value, dict):
                        example.summary = "too-many-requests"
                        example.value = {
                            **example.value,
                            "type": "/problems/too-many-requests",
                            "title": "Too many requests",
                            "status": 429,
                            "detail": "too many failed authentications from this address",
                            "instance": path,
                        }
            response.headers = {
                name: OpenAPIHeader(
                    schema=Schema(type=OpenAPIType.INTEGER), description=text, required=False
                )
                for name, text in _HEADERS.items()
            }
            operation.responses["429"] = response
