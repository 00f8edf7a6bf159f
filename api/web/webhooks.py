"""Webhook endpoints for admins: subscribe, change, rotate the secret, remove; and each
endpoint's delivery log, with replay."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import sqlite_utils
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import JSONBody, PathParameter, QueryParameter

from api.actions import webhooks as actions
from api.core.access import Principal, may
from api.core.webhooks import EVENT_TYPES, EventType, Url
from api.store.deliveries import (
    Delivery,
    DeliveryDetail,
    DeliveryPage,
    get_delivery,
    list_deliveries,
)
from api.store.webhooks import (
    DEFAULT_OVERLAP,
    Endpoint,
    EndpointSecret,
    get_endpoint,
    list_endpoints,
)
from api.web.auth import BEARER, provide_principal, provide_writer, require_role, require_token
from api.web.bodies import refuse_unreadable_json
from api.web.examples import MAX_ID, IfMatch
from api.web.outbound import allowed_networks
from api.web.problems import problem_responses

__all__ = ["WebhooksController", "allowed_networks"]

EndpointId = Annotated[
    int, PathParameter(ge=1, le=MAX_ID, examples=[Example(summary="first endpoint", value=1)])
]
DeliveryId = Annotated[
    int, PathParameter(ge=1, le=MAX_ID, examples=[Example(summary="first delivery", value=1)])
]
Events = Annotated[
    list[EventType],
    msgspec.Meta(
        min_length=1,
        max_length=len(EVENT_TYPES),
        description="The event types to send: " + ", ".join(f"`{e}`" for e in EVENT_TYPES),
    ),
]
Description = Annotated[
    str,
    msgspec.Meta(max_length=200, description="A note for admins (plain text), e.g. who it is."),
]


class EndpointInput(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new subscription."""

    url: Url
    events: Events
    description: Description | None = None


class EndpointChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What to change of a subscription; what is left out stays."""

    url: Url | None = None
    events: Events | None = None
    description: Description | None = None
    enabled: bool | None = None
    """false stops sending (deliveries wait); true sends again, what waited included."""


_ENDPOINT = {
    "id": 1,
    "url": "https://partner.example/hooks/vetted",
    "events": ["article.published", "translation.approved"],
    "description": "Partner kiosk network",
    "enabled": True,
    "disabled_reason": None,
    "previous_secret_until": None,
    "created_by": "ana",
    "created_at": "2026-12-07T21:40:00Z",
    "updated_at": "2026-12-07T21:40:00Z",
    "etag": '"webhook-1-1"',
}
_SECRET = {"endpoint": _ENDPOINT, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
_DELIVERY = {
    "id": 7,
    "endpoint_id": 1,
    "webhook_id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
    "type": "article.published",
    "cursor": 42,
    "state": "delivered",
    "attempts": 2,
    "next_attempt_at": None,
    "created_at": "2026-12-07T21:41:02Z",
    "finished_at": "2026-12-07T21:41:08Z",
    "last_status": 200,
    "last_error": None,
}
_PAYLOAD = (
    '{"type":"article.published","timestamp":"2026-12-07T21:41:02.512034Z","data":'
    '{"slug":"stem-cell-therapy-for-hair-loss","version":3,"cursor":42}}'
)
_ATTEMPTS = [
    {
        "id": 11,
        "at": "2026-12-07T21:41:02Z",
        "trigger": "scheduled",
        "status": 503,
        "error": None,
        "duration_ms": 40,
        "response": "busy",
    },
    {
        "id": 12,
        "at": "2026-12-07T21:41:08Z",
        "trigger": "scheduled",
        "status": 200,
        "error": None,
        "duration_ms": 35,
        "response": None,
    },
]


def _spec(model: Any, example: Any, description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=model,
        generate_examples=False,
        description=description,
        examples=[Example(summary="example", value=example)],
    )


def _with_etag(endpoint: Endpoint, status: int = 200) -> Response[Endpoint]:
    return Response(endpoint, status_code=status, headers={"ETag": endpoint.etag})


_WRITE = problem_responses(400, 401, 403, 404, 408, 412, 413, 415, 422, 428, 503)


class WebhooksController(Controller):
    """Webhook subscriptions and their delivery log (admins only)."""

    path = "/v1/manage"
    tags = ["webhooks"]  # noqa: RUF012
    security = [{BEARER: []}]  # noqa: RUF012
    guards = [require_token, require_role]  # noqa: RUF012
    before_request = staticmethod(refuse_unreadable_json)
    opt = {"action": "webhook.manage"}  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "writer": Provide(provide_writer),
        "principal": Provide(provide_principal, sync_to_thread=False),
    }

    @get(
        "/webhooks",
        operation_id="listWebhookEndpoints",
        summary="List webhook endpoints",
        sync_to_thread=True,
        responses={
            200: _spec(list[Endpoint], [_ENDPOINT], "Every endpoint, oldest first."),
            **problem_responses(400, 401, 403),
        },
    )
    def list_all(
        self, writer: NamedDependency[sqlite_utils.Database], principal: NamedDependency[Principal]
    ) -> list[Endpoint]:
        """Every subscribed endpoint (never a secret)."""
        may(principal, "webhook.manage").enforce()
        return list_endpoints(writer)

    @post(
        "/webhooks",
        operation_id="createWebhookEndpoint",
        summary="Subscribe a webhook endpoint",
        sync_to_thread=True,
        status_code=201,
        responses={
            201: _spec(EndpointSecret, _SECRET, "The endpoint and its secret, shown only now."),
            **_WRITE,
        },
    )
    def create(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        data: JSONBody[EndpointInput],
    ) -> Response[EndpointSecret]:
        """Subscribe a URL to event types. The answer holds the signing secret (`whsec_…`):
        it is shown this once. A host that resolves to a private, loopback or link-local
        address is refused (422) unless the operator allows its network."""
        may(principal, "webhook.manage").enforce()
        made = actions.subscribe_endpoint(
            writer,
            principal,
            data.url,
            data.events,
            data.description,
            allowed_networks=allowed_networks(request),
        )
        return Response(made, status_code=201, headers={"ETag": made.endpoint.etag})

    @get(
        "/webhooks/{endpoint_id:int}",
        operation_id="getWebhookEndpoint",
        summary="Get a webhook endpoint",
        sync_to_thread=True,
        responses={
            200: _spec(Endpoint, _ENDPOINT, "The endpoint, with its ETag."),
            **problem_responses(400, 401, 403, 404),
        },
    )
    def get_one(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        endpoint_id: EndpointId,
    ) -> Response[Endpoint]:
        """One endpoint (never its secret)."""
        may(principal, "webhook.manage").enforce()
        return _with_etag(get_endpoint(writer, endpoint_id))

    @patch(
        "/webhooks/{endpoint_id:int}",
        operation_id="updateWebhookEndpoint",
        summary="Change a webhook endpoint",
        sync_to_thread=True,
        responses={200: _spec(Endpoint, _ENDPOINT, "The endpoint as changed."), **_WRITE},
    )
    def change(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        endpoint_id: EndpointId,
        data: JSONBody[EndpointChange],
        if_match: IfMatch = None,
    ) -> Response[Endpoint]:
        """Change the URL, the events, the note, or switch sending off and on (If-Match:
        the endpoint's ETag). Switched on again, what waited is sent."""
        may(principal, "webhook.manage").enforce()
        changed = actions.change_endpoint(
            writer,
            principal,
            endpoint_id,
            if_match,
            allowed_networks=allowed_networks(request),
            url=data.url,
            events=data.events,
            description=data.description,
            enabled=data.enabled,
        )
        return _with_etag(changed)

    @delete(
        "/webhooks/{endpoint_id:int}",
        operation_id="deleteWebhookEndpoint",
        summary="Remove a webhook endpoint",
        sync_to_thread=True,
        responses=problem_responses(400, 401, 403, 404, 412, 428, 503),
    )
    def remove(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        endpoint_id: EndpointId,
        if_match: IfMatch = None,
    ) -> None:
        """Remove the endpoint, its deliveries and their log (If-Match: its ETag)."""
        may(principal, "webhook.manage").enforce()
        actions.remove_endpoint(writer, principal, endpoint_id, if_match)

    @post(
        "/webhooks/{endpoint_id:int}/rotate-secret",
        operation_id="rotateWebhookSecret",
        summary="Give a webhook endpoint a new secret",
        sync_to_thread=True,
        status_code=200,
        responses={
            200: _spec(EndpointSecret, _SECRET, "The endpoint and its new secret, shown only now."),
            **_WRITE,
        },
    )
    def rotate(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        endpoint_id: EndpointId,
        if_match: IfMatch = None,
        overlap_seconds: Annotated[
            int,
            QueryParameter(
                ge=0,
                le=7 * 86400,
                description="How long the previous secret signs too, in seconds (at most "
                "a week; 0 ends it at once).",
            ),
        ] = DEFAULT_OVERLAP,
    ) -> Response[EndpointSecret]:
        """A new secret, shown this once (If-Match: the endpoint's ETag). For
        `overlap_seconds` (default a day) every attempt carries a signature made with the
        previous secret too, so the receiver can switch without missing a delivery."""
        may(principal, "webhook.manage").enforce()
        made = actions.rotate_endpoint_secret(
            writer, principal, endpoint_id, if_match, overlap_seconds
        )
        return Response(made, headers={"ETag": made.endpoint.etag})

    @get(
        "/webhooks/{endpoint_id:int}/deliveries",
        operation_id="listWebhookDeliveries",
        summary="List an endpoint's deliveries, newest first",
        sync_to_thread=True,
        responses={
            200: _spec(DeliveryPage, {"deliveries": [_DELIVERY], "next_before": None}, "A page."),
            **problem_responses(400, 401, 403, 404),
        },
    )
    def deliveries(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        endpoint_id: EndpointId,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        before: Annotated[
            int | None,
            QueryParameter(
                required=False,
                ge=1,
                le=MAX_ID,
                description="Cursor: `next_before` of the previous page.",
            ),
        ] = None,
    ) -> DeliveryPage:
        """Each event sent (or being sent) to the endpoint: its state and attempts."""
        may(principal, "webhook.manage").enforce()
        return list_deliveries(writer, endpoint_id, limit=limit, before_id=before)

    @get(
        "/webhook-deliveries/{delivery_id:int}",
        operation_id="getWebhookDelivery",
        summary="Get a delivery with its payload and every attempt",
        sync_to_thread=True,
        responses={
            200: _spec(
                DeliveryDetail,
                {"delivery": _DELIVERY, "payload": _PAYLOAD, "attempts": _ATTEMPTS},
                "The delivery log of one event for one endpoint.",
            ),
            **problem_responses(400, 401, 403, 404),
        },
    )
    def delivery(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        delivery_id: DeliveryId,
    ) -> DeliveryDetail:
        """The payload as sent and every attempt: when, why, the status or the error."""
        may(principal, "webhook.manage").enforce()
        return get_delivery(writer, delivery_id)

    @post(
        "/webhook-deliveries/{delivery_id:int}/replay",
        operation_id="replayWebhookDelivery",
        summary="Send a delivery again",
        sync_to_thread=True,
        status_code=202,
        responses={
            202: _spec(
                Delivery,
                {**_DELIVERY, "state": "pending", "next_attempt_at": "2026-12-07T22:00:00Z"},
                "Due now: the sender attempts it within moments.",
            ),
            **problem_responses(400, 401, 403, 404, 409, 503),
        },
    )
    def replay(
        self,
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        delivery_id: DeliveryId,
    ) -> Response[Delivery]:
        """Send it again now, with the same `webhook-id` and payload (a new timestamp and
        signature), and the retry schedule again should it fail. 409 while its endpoint
        is disabled."""
        may(principal, "webhook.manage").enforce()
        return Response(actions.replay_delivery(writer, principal, delivery_id), status_code=202)
