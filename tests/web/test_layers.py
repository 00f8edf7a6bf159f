"""The layers as the imports draw them: a rule lives in `api.core` (pure) or in the
application layer (`api.actions`), never in a controller module, so no controller module
imports another to reach one (code review, finding 1). Only the modules that assemble the
app (and its contract) import controllers, to mount them."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

API = ROOT / "api"
WEB = API / "web"
_CONTROLLER_BASES = frozenset({"Controller", "WorkspaceController"})
# Mounting the controllers is these modules' job.
ASSEMBLY = frozenset({"api.web.app", "api.web.workspace"})


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _trees(root: Path) -> dict[str, ast.Module]:
    return {_module(p): ast.parse(p.read_text(), str(p)) for p in sorted(root.rglob("*.py"))}


def _imports(name: str, tree: ast.Module) -> set[str]:
    """Every module `name` imports, anywhere in it (a function's import too)."""
    found: set[str] = set()
    package = name if name.endswith("workspace") or name == "api.web" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def _controller_modules(trees: dict[str, ast.Module]) -> set[str]:
    out = set()
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ClassDef)
                and node.name not in _CONTROLLER_BASES  # the workspace's base class
                and any(isinstance(b, ast.Name) and b.id in _CONTROLLER_BASES for b in node.bases)
            ):
                out.add(name)
    return out


def test_no_controller_module_imports_another_for_a_rule() -> None:
    trees = _trees(WEB)
    controllers = _controller_modules(trees)
    # The walk sees the controllers it must (so it cannot pass by finding none).
    assert {
        "api.web.manage",
        "api.web.catalogs",
        "api.web.workspace.review",
        "api.web.workspace.records",
        "api.web.workspace.catalog_review",
    } <= controllers
    wrong = sorted(
        f"{name} imports {target}"
        for name, tree in trees.items()
        if name not in ASSEMBLY
        for target in _imports(name, tree) & controllers
        if target != name
    )
    assert wrong == []


def test_the_workspace_reaches_no_api_controller() -> None:
    trees = _trees(WEB)
    api_controllers = {c for c in _controller_modules(trees) if ".workspace" not in c}
    assert "api.web.manage" in api_controllers
    wrong = sorted(
        f"{name} imports {target}"
        for name, tree in trees.items()
        if name.startswith("api.web.workspace")
        for target in _imports(name, tree) & api_controllers
    )
    assert wrong == []


def test_core_is_pure_and_the_application_layer_has_no_web() -> None:
    for name, tree in _trees(API / "core").items():
        outside = {
            m for m in _imports(name, tree) if m.startswith("api.") and not m.startswith("api.core")
        }
        assert outside == set(), name
    for name, tree in _trees(API / "actions").items():
        web = {m for m in _imports(name, tree) if m.startswith(("api.web", "litestar"))}
        assert web == set(), name


def test_the_walk_sees_an_import_of_a_controller() -> None:
    """The check can fail: a module importing a controller is found."""
    tree = ast.parse("from api.web.manage import DraftsController\n")
    assert "api.web.manage" in _imports("api.web.workspace.example", tree)


# The store's write functions that a use case of `api.actions` wraps.
STORE_WRITES = frozenset(
    {
        "api.store.drafts.create_draft",
        "api.store.drafts.update_draft",
        "api.store.drafts.submit_draft",
        "api.store.drafts.withdraw_draft",
        "api.store.drafts.reject_draft",
        "api.store.drafts.publish_draft",
        "api.store.drafts.request_rollback",
        "api.store.reviews.confirm_review",
        "api.store.catalogs.stage_catalog",
        "api.store.catalogs.approve_catalog",
        "api.store.catalogs.reject_catalog",
        "api.store.catalogs.edit_entry",
        "api.store.catalogs.reject_entry",
        "api.store.accounts.create_token",
        "api.store.accounts.revoke_token",
        "api.store.drafts.schedule_draft",
        "api.store.drafts.unschedule_draft",
        "api.store.withdrawals.request_withdrawal",
        "api.store.withdrawals.approve_withdrawal",
        "api.store.withdrawals.reject_withdrawal",
        "api.store.withdrawals.cancel_withdrawal",
        "api.store.webhooks.create_endpoint",
        "api.store.webhooks.update_endpoint",
        "api.store.webhooks.delete_endpoint",
        "api.store.webhooks.rotate_secret",
        "api.store.deliveries.replay_delivery",
    }
)


def test_the_web_and_the_command_line_write_only_through_the_application_layer() -> None:
    callers = {**_trees(WEB), "api.cli": ast.parse((API / "cli.py").read_text())}
    wrong = sorted(
        f"{name} imports {target}"
        for name, tree in callers.items()
        for target in _imports(name, tree) & STORE_WRITES
    )
    assert wrong == []
    # Each of them is a real function of the store (the list cannot go stale silently).
    for target in STORE_WRITES:
        module, _, function = target.rpartition(".")
        tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text())
        assert any(isinstance(n, ast.FunctionDef) and n.name == function for n in tree.body), target
