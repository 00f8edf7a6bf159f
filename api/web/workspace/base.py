"""The base of every signed-in workspace controller: a live session (else the sign-in
page, a form sent without one kept first: see `keeping`), the CSRF check on every unsafe
method, and the Principal and a write connection injected exactly as the management API
injects them."""

from __future__ import annotations

from litestar import Controller
from litestar.di import Provide

from api.web.auth import provide_principal, provide_writer
from api.web.workspace.csrf import check_csrf
from api.web.workspace.keeping import signed_in

__all__ = ["WorkspaceController"]


class WorkspaceController(Controller):
    """Subclass, set `path` (relative to /workspace), add handlers; list it in
    `api.web.workspace.CONTROLLERS`."""

    guards = [signed_in, check_csrf]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "writer": Provide(provide_writer),
        "principal": Provide(provide_principal, sync_to_thread=False),
    }
