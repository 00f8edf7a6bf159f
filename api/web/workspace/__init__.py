"""The editorial workspace: server-rendered pages at /workspace/ on the same core, store
and review rule as the API.

To add pages: write a `WorkspaceController` subclass (see `base.py`) and append it to
`CONTROLLERS`; add a navigation link to `layout.NAV_EXTENSIONS` if it needs one."""

from __future__ import annotations

from litestar import Router
from litestar.types import ControllerRouterHandler

from api.web.workspace.admin import AdminController
from api.web.workspace.article import ArticlesController
from api.web.workspace.assets import static_asset
from api.web.workspace.catalog_entries import CatalogEntriesController
from api.web.workspace.catalog_review import CatalogReviewController
from api.web.workspace.conflicts import ConflictsController
from api.web.workspace.dashboard import DashboardController
from api.web.workspace.drafts import DraftsController
from api.web.workspace.editor import EditorController
from api.web.workspace.errors import workspace_exception_handlers
from api.web.workspace.history import HistoryController
from api.web.workspace.layout import N_, NAV_EXTENSIONS
from api.web.workspace.new_article import NewArticleController
from api.web.workspace.preview import PreviewController
from api.web.workspace.records import RecordsController
from api.web.workspace.review import ReviewController
from api.web.workspace.search import SearchController
from api.web.workspace.session import WORKSPACE_PATH
from api.web.workspace.signin import SignInController
from api.web.workspace.templates import template_config
from api.web.workspace.translator import TranslatorController
from api.web.workspace.webhooks import WebhooksController

__all__ = ["CONTROLLERS", "WORKSPACE_PATH", "template_config", "workspace_router"]

CONTROLLERS: list[ControllerRouterHandler] = [
    SignInController,
    DashboardController,
    ArticlesController,
    HistoryController,
    AdminController,
    WebhooksController,
    NewArticleController,
    DraftsController,
    EditorController,
    ConflictsController,
    RecordsController,
    ReviewController,
    CatalogReviewController,
    CatalogEntriesController,
    TranslatorController,
    SearchController,
    PreviewController,
]
NAV_EXTENSIONS.extend(
    [
        (N_("Drafts"), "/drafts", "draft.read"),
        (N_("Review"), "/review", "draft.review"),
        (N_("Translations"), "/catalogs", "catalog.read"),
        (N_("Search"), "/search", None),
    ]
)


def workspace_router() -> Router:
    """Every workspace route under /workspace, outside the OpenAPI contract."""
    return Router(
        path=WORKSPACE_PATH,
        route_handlers=[static_asset, *CONTROLLERS],
        include_in_schema=False,
        exception_handlers=workspace_exception_handlers,
    )
