"""Admin: webhook endpoints (a new one's secret is shown once; rotation keeps the previous
secret signing for an overlap), each endpoint's delivery log, and replay — the same store
functions as the management API, for admins only."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import sqlite_utils
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from api.actions import webhooks as actions
from api.core.access import Principal, may
from api.core.errors import Conflict, NotFound, PreconditionRequired, StaleVersion
from api.core.errors import ValidationFailed as Invalid
from api.core.webhooks import EVENT_TYPES
from api.store.deliveries import DeliveryDetail, DeliveryPage, get_delivery, list_deliveries
from api.store.webhooks import (
    Endpoint,
    get_endpoint,
    list_endpoints,
)
from api.web.outbound import allowed_networks
from api.web.problems import domain_status
from api.web.workspace.base import WorkspaceController
from api.web.workspace.forms import ACTION_FORM, NEW_WEBHOOK_FORM, Form, FormBody, bounds
from api.web.workspace.layout import flash, render, ui
from api.web.workspace.session import WORKSPACE_PATH

__all__ = ["WebhooksController"]

WEBHOOKS_PATH = WORKSPACE_PATH + "/admin/webhooks"
_Id = Annotated[int, PathParameter(ge=1, le=2**63 - 1)]
_HOUR = 3600


class NewWebhookForm(Form, frozen=True, kw_only=True):
    """An endpoint to subscribe (one `events` field per ticked box)."""

    url: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    events: str | list[str] = ""
    description: Annotated[str, msgspec.Meta(max_length=200)] = ""


class EndpointForm(Form, frozen=True, kw_only=True):
    """A button acting on an endpoint, with the ETag of the state the page showed."""

    etag: Annotated[str, msgspec.Meta(max_length=100)] = ""
    enabled: Annotated[str, msgspec.Meta(max_length=5)] = ""
    overlap_hours: Annotated[str, msgspec.Meta(max_length=4)] = "24"


class WebhooksPage(msgspec.Struct, frozen=True, kw_only=True):
    """Every endpoint, the form for a new one, and a just-made one's secret."""

    endpoints: tuple[Endpoint, ...]
    events: tuple[str, ...]
    created: Endpoint | None = None
    secret: str | None = None
    form: NewWebhookForm | None = None
    chosen: tuple[str, ...] = ()
    error: str | None = None


class EndpointPage(msgspec.Struct, frozen=True, kw_only=True):
    """One endpoint, its newest deliveries, and its new secret right after a rotation."""

    endpoint: Endpoint
    deliveries: DeliveryPage
    secret: str | None = None
    error: str | None = None


class DeliveryView(msgspec.Struct, frozen=True, kw_only=True):
    """One delivery's payload and every attempt."""

    detail: DeliveryDetail
    endpoint: Endpoint


def _events(form: NewWebhookForm) -> tuple[str, ...]:
    return (form.events,) if isinstance(form.events, str) and form.events else tuple(form.events)


class WebhooksController(WorkspaceController):
    """Webhook endpoints and their delivery log."""

    path = "/admin/webhooks"

    def _list(
        self, request: Request[Any, Any, Any], page: WebhooksPage, status: int = 200
    ) -> Template:
        title = ui(request).gettext("Webhooks")
        return render(request, "webhooks.html", page, title=title, status_code=status)

    def _endpoint(
        self,
        request: Request[Any, Any, Any],
        writer: sqlite_utils.Database,
        endpoint_id: int,
        *,
        secret: str | None = None,
        error: str | None = None,
        status: int = 200,
    ) -> Template:
        page = EndpointPage(
            endpoint=get_endpoint(writer, endpoint_id),
            deliveries=list_deliveries(writer, endpoint_id, limit=50),
            secret=secret,
            error=error,
        )
        title = ui(request).gettext("Webhook %(id)s", id=endpoint_id)
        return render(request, "webhook.html", page, title=title, status_code=status)

    @get("/", sync_to_thread=True)
    def endpoints(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
    ) -> Template:
        """Every endpoint, and the form for a new one."""
        may(principal, "webhook.manage").enforce()
        return self._list(
            request, WebhooksPage(endpoints=tuple(list_endpoints(writer)), events=EVENT_TYPES)
        )

    @post("/", sync_to_thread=True, opt=bounds(NEW_WEBHOOK_FORM))
    def create(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        data: FormBody[NewWebhookForm],
    ) -> Template:
        """Subscribe an endpoint and show its secret, this once (never cached)."""
        may(principal, "webhook.manage").enforce()
        try:
            made = actions.subscribe_endpoint(
                writer,
                principal,
                data.url.strip(),
                _events(data),
                data.description.strip() or None,
                allowed_networks=allowed_networks(request),
            )
        except Invalid as exc:
            page = WebhooksPage(
                endpoints=tuple(list_endpoints(writer)),
                events=EVENT_TYPES,
                form=data,
                chosen=_events(data),
                error=exc.detail,
            )
            return self._list(request, page, domain_status(exc)[0])
        page = WebhooksPage(
            endpoints=tuple(list_endpoints(writer)),
            events=EVENT_TYPES,
            created=made.endpoint,
            secret=made.secret,
        )
        return self._list(request, page, 201)

    @get("/{endpoint_id:int}", sync_to_thread=True)
    def endpoint(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        endpoint_id: _Id,
    ) -> Template:
        """One endpoint: its state, its newest deliveries, rotation and switching."""
        may(principal, "webhook.manage").enforce()
        return self._endpoint(request, writer, endpoint_id)

    @post("/{endpoint_id:int}/rotate", sync_to_thread=True, opt=bounds(ACTION_FORM))
    def rotate(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        endpoint_id: _Id,
        data: FormBody[EndpointForm],
    ) -> Template:
        """A new secret, shown this once; the previous one signs too for the overlap."""
        may(principal, "webhook.manage").enforce()
        hours = int(data.overlap_hours) if data.overlap_hours.isdigit() else 24
        try:
            made = actions.rotate_endpoint_secret(
                writer, principal, endpoint_id, data.etag, min(hours, 168) * _HOUR
            )
        except (StaleVersion, PreconditionRequired) as exc:
            return self._endpoint(
                request, writer, endpoint_id, error=str(exc), status=domain_status(exc)[0]
            )
        return self._endpoint(request, writer, endpoint_id, secret=made.secret)

    @post("/{endpoint_id:int}/enabled", sync_to_thread=True, opt=bounds(ACTION_FORM))
    def switch(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        endpoint_id: _Id,
        data: FormBody[EndpointForm],
    ) -> Redirect:
        """Stop sending (deliveries wait), or send again (what waited goes too)."""
        may(principal, "webhook.manage").enforce()
        on = data.enabled == "on"
        actions.change_endpoint(
            writer,
            principal,
            endpoint_id,
            data.etag,
            allowed_networks=allowed_networks(request),
            enabled=on,
        )
        text = ui(request)
        message = text.gettext("Sending is on.") if on else text.gettext("Sending is off.")
        return Redirect(
            f"{WEBHOOKS_PATH}/{endpoint_id}", status_code=303, cookies=[flash(request, message)]
        )

    @get("/{endpoint_id:int}/delete", sync_to_thread=True)
    def confirm_delete(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        endpoint_id: _Id,
    ) -> Template:
        """Ask before an endpoint and its delivery log go."""
        may(principal, "webhook.manage").enforce()
        endpoint = get_endpoint(writer, endpoint_id)
        title = ui(request).gettext("Remove webhook %(id)s", id=endpoint_id)
        return render(request, "webhook_delete.html", endpoint, title=title)

    @post("/{endpoint_id:int}/delete", sync_to_thread=True, opt=bounds(ACTION_FORM))
    def delete(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        endpoint_id: _Id,
        data: FormBody[EndpointForm],
    ) -> Redirect:
        """Remove the endpoint, its deliveries and their log."""
        may(principal, "webhook.manage").enforce()
        actions.remove_endpoint(writer, principal, endpoint_id, data.etag)
        message = ui(request).gettext("Webhook %(id)s is removed.", id=endpoint_id)
        return Redirect(WEBHOOKS_PATH, status_code=303, cookies=[flash(request, message)])

    @get("/deliveries/{delivery_id:int}", sync_to_thread=True)
    def delivery(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        delivery_id: _Id,
    ) -> Template:
        """A delivery's payload and every attempt."""
        may(principal, "webhook.manage").enforce()
        detail = get_delivery(writer, delivery_id)
        view = DeliveryView(
            detail=detail, endpoint=get_endpoint(writer, detail.delivery.endpoint_id)
        )
        title = ui(request).gettext("Delivery %(id)s", id=delivery_id)
        return render(request, "webhook_delivery.html", view, title=title)

    @post("/deliveries/{delivery_id:int}/replay", sync_to_thread=True, opt=bounds(ACTION_FORM))
    def replay(
        self,
        request: Request[Any, Any, Any],
        writer: NamedDependency[sqlite_utils.Database],
        principal: NamedDependency[Principal],
        delivery_id: _Id,
        data: FormBody[Form],
    ) -> Redirect:
        """Send it again now, with the same webhook-id."""
        may(principal, "webhook.manage").enforce()
        text = ui(request)
        try:
            actions.replay_delivery(writer, principal, delivery_id)
            message = text.gettext("Delivery %(id)s is sent again.", id=delivery_id)
        except Conflict as exc:
            message = str(exc)
        except NotFound:
            raise
        return Redirect(
            f"{WEBHOOKS_PATH}/deliveries/{delivery_id}",
            status_code=303,
            cookies=[flash(request, message)],
        )
