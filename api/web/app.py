"""The Litestar application factory: routes, dependencies, the contract, and the ASGI
layers every response passes through (api.web.stack)."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, License, SecurityScheme, Server

from api.config import SETTINGS_ENV, Settings, decode_settings, load_settings
from api.core.limits import SlidingWindow
from api.logs import configure_logging
from api.store.reader import Reader
from api.web.audit import AuditController
from api.web.auth import BEARER
from api.web.bodies import MAX_BODY_BYTES
from api.web.catalogs import CatalogsController, document_catalog_upload
from api.web.contract import PlainYamlRenderPlugin, build_contract, merge_number_unions
from api.web.cors import describe_cors_and_head
from api.web.delivery import (
    ArticlesController,
    LocalesController,
    SitemapController,
    TreatmentsController,
)
from api.web.docs import docs_asset, docs_page, old_docs_page
from api.web.health import healthz, readyz
from api.web.history import HistoryController
from api.web.lifecycle import LifecycleController
from api.web.lifecycle_gate import LifecycleGate, catch_up
from api.web.litestar_private import cache_signatures
from api.web.manage import DraftsController
from api.web.parameters import check_query, delivery_queries, document_query_rules
from api.web.problems import document_retry_after, exception_handlers
from api.web.proxy import Proxy
from api.web.replay import ResponseCache
from api.web.root import document_index_page, root
from api.web.search import SearchController
from api.web.sending import document_delivery_headers
from api.web.stack import layer, wrap
from api.web.sweeper import daily_review_sweep, schedule_sweep
from api.web.sync import SyncController
from api.web.throttle import document_rate_limits, management_rate_limit
from api.web.webhooks import WebhooksController
from api.web.workspace import template_config, workspace_router
from api.web.workspace.session import session_limits
from api.web.workspace.shared import shared_preview_router

__all__ = ["API_VERSION", "create_app", "create_app_from_env"]

API_VERSION = "1.0.0"

# Every app after the first reuses what Litestar derived from the handlers' signatures.
cache_signatures()


def create_app(db_path: str | Path, settings: Settings | None = None) -> Litestar:
    """The app serving the database at `db_path` (its other settings from `settings`)."""
    settings = settings or Settings(db=str(db_path))

    @asynccontextmanager
    async def open_reader(app: Litestar) -> AsyncIterator[None]:
        app.state.reader = Reader(db_path, max_bytes=settings.response_cache_mb * 1_000_000)
        app.state.db_path = db_path
        app.state.busy_timeout = settings.busy_timeout
        app.state.session_limits = session_limits(settings)
        app.state.proxy = Proxy.from_settings(settings)
        replay = layer(app, ResponseCache)
        replay.generation = app.state.reader.generation
        gate = layer(app, LifecycleGate)
        gate.seconds_left = app.state.reader.seconds_to_next_change
        gate.run_due = partial(catch_up, db_path, settings.busy_timeout)
        sweeper = asyncio.create_task(daily_review_sweep(db_path, settings.busy_timeout))
        schedules = asyncio.create_task(schedule_sweep(gate.seconds_left, gate.run_due))
        try:
            yield
        finally:
            sweeper.cancel()
            schedules.cancel()
            replay.generation = None
            gate.seconds_left = gate.run_due = None
            app.state.reader.close()

    def provide_reader(state: State) -> Reader:
        reader: Reader = state.reader
        return reader

    app = Litestar(
        route_handlers=[
            ArticlesController,
            HistoryController,
            # Management controllers carry their own /v1/manage paths; the router only
            # gives them the rate limit, so delivery requests never pass through it.
            Router(
                path="/",
                route_handlers=[
                    DraftsController,
                    LifecycleController,
                    CatalogsController,
                    AuditController,
                    WebhooksController,
                ],
                middleware=(
                    [management_rate_limit(settings.rate_limit_manage)]
                    if settings.rate_limit_manage
                    else []
                ),
            ),
            TreatmentsController,
            LocalesController,
            SitemapController,
            SyncController,
            SearchController,
            healthz,
            readyz,
            docs_page,
            docs_asset,
            old_docs_page,
            root,
            workspace_router(),
            shared_preview_router(),
        ],
        template_config=template_config(),
        dependencies={"reader": Provide(provide_reader, sync_to_thread=False)},
        lifespan=[open_reader],
        exception_handlers=exception_handlers,
        before_request=check_query,
        openapi_config=OpenAPIConfig(
            title="Vetted",
            version=API_VERSION,
            description="Vetted medical content, structured, versioned and translated. "
            "Delivery routes are public and cacheable; every error is "
            "application/problem+json (RFC 9457).\n\n" + describe_cors_and_head(),
            # The contract's terms are the partner agreement's; no open licence is granted.
            license=License(name="Proprietary", identifier="LicenseRef-Proprietary"),
            path="/schema",
            servers=[Server(url="/")],
            render_plugins=[
                PlainYamlRenderPlugin(),
                JsonRenderPlugin(),
            ],
            use_handler_docstrings=True,
            components=Components(
                security_schemes={
                    BEARER: SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An API token from `vetted token create`.",
                    )
                }
            ),
        ),
        # Debug only makes the framework log more: problems.py never puts a traceback in
        # a response, whatever this says.
        debug=settings.debug,
        # Logging belongs to api.logs (JSON lines); Litestar's own config would replace the
        # root handlers and, in debug, log every 4xx with a traceback.
        logging_config=None,
        request_max_body_size=MAX_BODY_BYTES,
    )
    rate = settings.rate_limit_auth_failures
    app.state.auth_failures = SlidingWindow(rate) if rate else None
    app.state.delivery_queries = delivery_queries(app)
    app.state.webhook_allowed_networks = settings.webhook_allowed_networks
    wrap(app, settings)
    build_contract(
        app,
        document_delivery_headers,
        document_catalog_upload,
        merge_number_unions,
        document_rate_limits,
        document_retry_after,
        document_index_page,
        document_query_rules,
    )
    return app


def create_app_from_env() -> Litestar:
    """Factory for ASGI servers: the settings `vetted serve` validated (in
    `VETTED_SETTINGS`), else read from the environment here."""
    encoded = os.environ.get(SETTINGS_ENV)
    settings = decode_settings(encoded) if encoded else load_settings({}, os.environ)
    configure_logging("debug" if settings.debug else settings.log_level)
    app = create_app(settings.db, settings)
    _out_of_the_collectors_walks()
    return app


def _out_of_the_collectors_walks() -> None:
    """The objects a worker made to start (the app, its routes and contract, the modules)
    live as long as it does: a full collection walked all ~100,000 of them, stopping the
    event loop for 55-70 ms, while the caches' entries made one happen now and then.
    Frozen, a full collection walks only what came after. Only in server workers: a test
    process making app after app would never free the earlier ones."""
    gc.collect()
    gc.freeze()
