"""The Litestar application factory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Server
from litestar.response import Redirect

from api.store.reader import Reader
from api.web.audit import AuditController
from api.web.auth import BEARER
from api.web.catalogs import CatalogsController, document_catalog_upload
from api.web.contract import PlainYamlRenderPlugin, merge_number_unions
from api.web.delivery import ArticlesController, LocalesController, TreatmentsController
from api.web.health import healthz, readyz
from api.web.history import HistoryController
from api.web.manage import DraftsController
from api.web.problems import exception_handlers
from api.web.search import SearchController
from api.web.sending import document_delivery_headers
from api.web.sync import SyncController

__all__ = ["API_VERSION", "DB_ENV", "create_app", "create_app_from_env"]

API_VERSION = "1.0.0"
MAX_BODY_BYTES = 5_000_000
DB_ENV = "VETTED_DB"


@get("/docs", include_in_schema=False)
async def docs() -> Redirect:
    """Interactive API documentation lives beside the schema."""
    return Redirect("/schema/docs")


def create_app(db_path: str | Path) -> Litestar:
    """The app serving the database at `db_path`."""

    @asynccontextmanager
    async def open_reader(app: Litestar) -> AsyncIterator[None]:
        app.state.reader = Reader(db_path)
        app.state.db_path = db_path
        try:
            yield
        finally:
            app.state.reader.close()

    def provide_reader(state: State) -> Reader:
        reader: Reader = state.reader
        return reader

    app = Litestar(
        route_handlers=[
            ArticlesController,
            HistoryController,
            DraftsController,
            CatalogsController,
            AuditController,
            TreatmentsController,
            LocalesController,
            SyncController,
            SearchController,
            healthz,
            readyz,
            docs,
        ],
        dependencies={"reader": Provide(provide_reader, sync_to_thread=False)},
        lifespan=[open_reader],
        exception_handlers=exception_handlers,
        openapi_config=OpenAPIConfig(
            title="Vetted",
            version=API_VERSION,
            description="Vetted medical content, structured, versioned and translated. "
            "Delivery routes are public and cacheable; every error is "
            "application/problem+json (RFC 9457).",
            path="/schema",
            servers=[Server(url="/")],
            render_plugins=[
                PlainYamlRenderPlugin(),
                JsonRenderPlugin(),
                ScalarRenderPlugin(path="/docs"),
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
        debug=False,
        request_max_body_size=MAX_BODY_BYTES,
    )
    document_delivery_headers(app.openapi_schema)
    document_catalog_upload(app.openapi_schema)
    merge_number_unions(app.openapi_schema)
    return app


def create_app_from_env() -> Litestar:
    """Factory for ASGI servers: the database path comes from `VETTED_DB`."""
    return create_app(os.environ.get(DB_ENV, "vetted.db"))
