"""Webhooks as the Standard Webhooks specification describes them: the events partners can
subscribe to, their thin payloads (each carries the delta-sync cursor), the retry schedule,
and which endpoint URLs and addresses a sender may call."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

import msgspec

from api.core.errors import ValidationFailed
from api.core.text import text_problem

__all__ = [
    "CURSOR_DESCRIPTION",
    "EVENT_DATA",
    "EVENT_TYPES",
    "RETRY_SCHEDULE",
    "ArticlePublished",
    "ArticleWithdrawn",
    "EventData",
    "EventType",
    "ReviewOverdue",
    "ScheduleExecuted",
    "TranslationApproved",
    "address_refusal",
    "check_endpoint_url",
    "check_events",
    "event_type",
    "event_type_of",
    "example_payload",
    "next_delay",
    "payload",
]

EventType = Literal[
    "article.published",
    "article.withdrawn",
    "translation.approved",
    "review.overdue",
    "schedule.executed",
]
EVENT_TYPES: tuple[EventType, ...] = (
    "article.published",
    "article.withdrawn",
    "translation.approved",
    "review.overdue",
    "schedule.executed",
)

CURSOR_DESCRIPTION = (
    "The delta-sync cursor once this change is in the feed. Hold on to the cursor you last "
    "synced to: when this one is higher, `GET /v1/changes?since=<yours>` catches up on "
    "everything, events you missed included; when it is not, you have the change already."
)


class ArticlePublished(msgspec.Struct, frozen=True, kw_only=True):
    """A new version of an article reached readers."""

    slug: str
    version: int


class ArticleWithdrawn(msgspec.Struct, frozen=True, kw_only=True):
    """An article was taken away from readers (they get `410 Gone`)."""

    slug: str
    version: int


class TranslationApproved(msgspec.Struct, frozen=True, kw_only=True):
    """A reviewer approved translations into `locale`; these articles now read differently
    in it."""

    locale: str
    articles: tuple[str, ...]


class ReviewOverdue(msgspec.Struct, frozen=True, kw_only=True):
    """An article's medical review date passed: it is served flagged as overdue."""

    slug: str
    version: int
    next_review_due: str


class ScheduleExecuted(msgspec.Struct, frozen=True, kw_only=True):
    """A scheduled publication or withdrawal took effect."""

    slug: str
    action: Literal["publish", "withdraw"]
    version: int


EventData = (
    ArticlePublished | ArticleWithdrawn | TranslationApproved | ReviewOverdue | ScheduleExecuted
)

_TYPES: dict[type[msgspec.Struct], EventType] = {
    ArticlePublished: "article.published",
    ArticleWithdrawn: "article.withdrawn",
    TranslationApproved: "translation.approved",
    ReviewOverdue: "review.overdue",
    ScheduleExecuted: "schedule.executed",
}

EVENT_DATA: tuple[type[msgspec.Struct], ...] = tuple(_TYPES)
_encode = msgspec.json.Encoder().encode


def event_type(data: EventData) -> EventType:
    """The type an event's data announces."""
    return _TYPES[type(data)]


def event_type_of(kind: type[msgspec.Struct]) -> EventType:
    """The type the events of one data class announce."""
    return _TYPES[kind]


_SLUG = "stem-cell-therapy-for-hair-loss"
_EXAMPLES: dict[type[msgspec.Struct], msgspec.Struct] = {
    ArticlePublished: ArticlePublished(slug=_SLUG, version=3),
    ArticleWithdrawn: ArticleWithdrawn(slug=_SLUG, version=3),
    TranslationApproved: TranslationApproved(locale="es", articles=(_SLUG,)),
    ReviewOverdue: ReviewOverdue(slug=_SLUG, version=3, next_review_due="2027-12-01"),
    ScheduleExecuted: ScheduleExecuted(slug=_SLUG, action="publish", version=4),
}


def example_payload(kind: type[msgspec.Struct]) -> object:
    """A payload of this data class as a receiver gets it (for the contract)."""
    at = datetime(2026, 12, 7, 21, 41, 2, 512034, tzinfo=UTC)
    return msgspec.json.decode(payload(_EXAMPLES[kind], 42, at))  # type: ignore[arg-type]


def payload(data: EventData, cursor: int, at: datetime) -> bytes:
    """The exact bytes every attempt sends and signs: `type`, `timestamp` and `data` (the
    event's fields and the sync `cursor`), as the specification's payload structure says."""
    stamp = at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    fields = msgspec.to_builtins(data)
    return _encode(
        {"type": event_type(data), "timestamp": stamp, "data": {**fields, "cursor": cursor}}
    )


# The specification's example schedule: the delay before each attempt after the first.
RETRY_SCHEDULE: tuple[int, ...] = (
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
)
_JITTER = 0.2
_MAX_RETRY_AFTER = 24 * 3600


def next_delay(
    failed_attempts: int, retry_after: float | None = None, rng: random.Random | None = None
) -> float | None:
    """Seconds until the next attempt after `failed_attempts` failures (None: the schedule
    is over), the schedule's delay give or take 20 % so retries caused by load do not come
    back together; a receiver's `Retry-After` (up to a day) is waited for at least."""
    if failed_attempts < 1 or failed_attempts > len(RETRY_SCHEDULE):
        return None
    base = RETRY_SCHEDULE[failed_attempts - 1]
    delay = base * (rng or random).uniform(1 - _JITTER, 1 + _JITTER)
    if retry_after is not None:
        delay = max(delay, min(retry_after, _MAX_RETRY_AFTER))
    return delay


Url = Annotated[
    str,
    msgspec.Meta(
        min_length=8,
        max_length=2000,
        description="Where events are POSTed: an `https://` (or `http://`) URL without user "
        "or fragment. Hosts that resolve to private, loopback or link-local addresses are "
        "refused unless the operator allows their network.",
        examples=["https://partner.example/hooks/vetted"],
    ),
]


def check_endpoint_url(url: str, path: str = "$.url") -> str:
    """The URL as given when a sender may call it in form (scheme, host, port), else
    ValidationFailed naming `path`. Where the host leads is checked by `address_refusal`."""
    if (problem := text_problem(url)) is not None:
        raise ValidationFailed(f"url: {problem.reason}", path=path)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise ValidationFailed("url: must start with https:// (or http://)", path=path)
    if not parts.hostname:
        raise ValidationFailed("url: names no host", path=path)
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed("url: must not carry a user or password", path=path)
    if parts.fragment or "#" in url:
        raise ValidationFailed("url: must not have a fragment", path=path)
    if any(c.isspace() for c in url):
        raise ValidationFailed("url: must not contain spaces", path=path)
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise ValidationFailed("url: the port is not a number from 1 to 65535", path=path) from None
    return url


def check_events(events: Iterable[str], path: str = "$.events") -> tuple[EventType, ...]:
    """The event types as given, each known and named once, else ValidationFailed."""
    chosen: list[EventType] = []
    for event in events:
        if event not in EVENT_TYPES:
            known = ", ".join(EVENT_TYPES)
            raise ValidationFailed(f"events: {event!r} is not one of {known}", path=path)
        if event not in chosen:
            chosen.append(event)
    if not chosen:
        raise ValidationFailed("events: name at least one event type", path=path)
    return tuple(chosen)


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def address_refusal(address: str, allowed: Iterable[str] = ()) -> str | None:
    """Why a sender must not connect to `address` (a private, loopback, link-local or other
    non-public address outside the operator's `allowed` networks), or None when it may."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for network in allowed:
        if ip in ipaddress.ip_network(network, strict=False):
            return None
    if ip.is_loopback:
        return f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    if ip.is_private:
        return f"{ip} is a private address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return f"{ip} is not a public address"
    return None
