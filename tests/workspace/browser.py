"""The browser side of the workspace tests: a page that records every request and
console message, signs in through the form, runs axe-core inside the page and keeps a
screenshot of each page it checks (in tests/artifacts/, not committed)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page

from tests.conftest import ROOT

__all__ = ["ARTIFACTS", "AXE", "README_SHOTS", "Visit"]

ARTIFACTS = ROOT / "tests" / "artifacts"
# The screenshots the docs show (docs/editors/workspace.md; the record editor's, parts of
# pages, are taken in tests/workspace/test_browser_record_correction.py): page name -> file in
# docs/workspace/, written there too when VETTED_README_SCREENSHOTS=1
# (`VETTED_README_SCREENSHOTS=1 pytest tests/workspace`).
README_SHOTS = {
    "dashboard-reviewer": "dashboard.png",
    "correction-review": "review.png",
    "correction-catalog-review": "catalog-review.png",
    "session-kept-form": "session-kept.png",
    "find-search": "search.png",
    "preview-draft-ar": "preview.png",
}
# Pages too long to show whole in the docs: their docs picture is what the window shows.
_WINDOW_ONLY = frozenset({"find-search", "preview-draft-ar"})
README_DIR = ROOT / "docs" / "workspace"
AXE = ROOT / "contract" / "node_modules" / "axe-core" / "axe.min.js"
_SERIOUS = frozenset({"serious", "critical"})


class Visit:
    """A page of one browser context against the live server, and what it saw."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
        self.requests: list[str] = []
        self.console: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None

    def sign_in(self, secret: str, next_path: str = "") -> None:
        """Sign in through the form, as a person would."""
        self.goto("/workspace/" + (f"?next={next_path}" if next_path else ""))
        self.page.get_by_label("API token").fill(secret)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url("**/workspace/**")
        assert "/workspace/dashboard" in self.page.url or next_path in self.page.url

    def foreign_requests(self) -> list[str]:
        """Requests to any other origin (a kiosk has no internet: there must be none)."""
        return [
            url
            for url in self.requests
            if not url.startswith(self.origin + "/") and not url.startswith("data:")
        ]

    def csp_violations(self) -> list[str]:
        return [line for line in self.console if "Content Security Policy" in line]

    def axe_violations(self) -> list[dict[str, Any]]:
        """Serious and critical axe-core violations of the page as it is now.

        axe is evaluated through the DevTools protocol (`page.evaluate`), which the page's
        CSP does not govern, so the page keeps its real policy: no `bypass_csp`."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
        result = self.page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']})"
            ".then(r => JSON.stringify(r.violations))"
        )
        violations: list[dict[str, Any]] = json.loads(result)
        return [v for v in violations if v.get("impact") in _SERIOUS]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if name in README_SHOTS and os.environ.get("VETTED_README_SCREENSHOTS") == "1":
            README_DIR.mkdir(parents=True, exist_ok=True)
            if name in _WINDOW_ONLY:
                self.page.screenshot(path=str(README_DIR / README_SHOTS[name]))
            else:
                shutil.copyfile(path, README_DIR / README_SHOTS[name])
        return path

    def check(self, name: str) -> None:
        """What every page must be: accessible (axe), self-contained, within its CSP;
        and a screenshot of it."""
        self.screenshot(name)
        serious = self.axe_violations()
        assert not serious, json.dumps(
            [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in serious], indent=1
        )
        assert not self.foreign_requests(), self.foreign_requests()
        assert not self.csp_violations(), self.csp_violations()


@contextmanager
def signed_in(browser: Any, url: str, tokens: Mapping[str, str]) -> Iterator[Callable[..., Visit]]:
    """Open a signed-in browser context per person on the server at `url`:
    `open_as("reviewer")`, or `open_as("translator", width=360)`; all closed on the way out."""
    contexts: list[Any] = []

    def open_as(part: str, width: int = 1280) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        visit = Visit(context.new_page(), url)
        visit.sign_in(tokens[part])
        return visit

    try:
        yield open_as
    finally:
        for context in contexts:
            context.close()
