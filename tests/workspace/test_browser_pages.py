"""The dashboard, article, history and admin pages in a real browser against the real
server: what each person can do, and each page checked by axe-core and screenshotted."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import SLUG
from tests.workspace.conftest import LiveServer
from tests.workspace.seed import CHANGED

pytestmark = pytest.mark.browser

ARTICLE = f"/workspace/articles/{SLUG}"


def test_dashboard_of_a_reviewer(visit: Any, live: LiveServer) -> None:
    visit.sign_in(live.tokens["reviewer"])
    page = visit.page
    queue = page.get_by_role("region", name="Review queue")
    assert queue.get_by_role("link", name="Review").count() >= 1
    catalogs = page.get_by_role("region", name="Catalogs awaiting review")
    disabled = catalogs.locator("[aria-disabled=true]")
    assert disabled.count() == 1
    reason = disabled.get_attribute("aria-describedby")
    assert "not scoped to review translations into es" in page.locator(f"#{reason}").inner_text()
    visit.check("dashboard-reviewer")


def test_dashboard_of_the_spanish_reviewer_in_spanish(browser: Any, live: LiveServer) -> None:
    from tests.workspace.browser import Visit

    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 900})
    try:
        visit = Visit(context.new_page(), live.url)
        visit.goto("/workspace/")
        visit.page.get_by_label("Token de API").fill(live.tokens["es-reviewer"])
        visit.page.get_by_role("button", name="Iniciar sesión").click()
        visit.page.wait_for_url("**/workspace/dashboard")
        assert visit.page.locator("html").get_attribute("lang") == "es"
        assert visit.page.get_by_role("heading", name="Panel").is_visible()
        catalogs = visit.page.get_by_role("region", name="Catálogos pendientes de revisión")
        assert catalogs.get_by_role("link", name="Revisar").is_visible()
        visit.check("dashboard-es")
    finally:
        context.close()


def test_article_in_arabic_runs_right_to_left_with_marks(visit: Any, live: LiveServer) -> None:
    visit.sign_in(live.tokens["editor"])
    visit.goto(f"{ARTICLE}?locale=ar")
    page = visit.page
    arabic = page.locator('.block[lang="ar"]').first
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    english = page.locator('.block[lang="en"]').first
    assert english.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert page.locator(".mark-fallback").count() > 0
    assert page.locator(".mark-stale").count() >= 1
    visit.check("article-ar")
    # The form switches version and locale without JavaScript.
    page.get_by_label("Version").select_option("1")
    page.get_by_label("Compare with").select_option("es")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**version=1&locale=es")
    assert page.get_by_text("Version 1 of 2").is_visible()
    assert page.locator(".mark-stale").count() == 0
    section, block = CHANGED
    assert section in page.content() and block in page.content()


def test_history_diff_and_a_rollback_request(visit: Any, live: LiveServer) -> None:
    visit.sign_in(live.tokens["editor"])
    visit.goto(f"{ARTICLE}/history")
    page = visit.page
    page.get_by_label("From version").select_option("1")
    page.get_by_label("To version").select_option("2")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**from=1&to=2")
    assert page.locator("del").first.inner_text().startswith("[removed:")
    assert "is unlike" in page.locator("ins").first.inner_text()
    visit.check("history")
    page.get_by_role("link", name="Roll back to version 1…").click()
    assert page.locator("#reverts-2").is_visible()
    visit.check("history-rollback-confirm")
    page.get_by_label("Why roll back (the reviewer reads this)").fill("Back to the reviewed text")
    page.get_by_role("button", name="Request the rollback").click()
    status = page.get_by_role("status")
    assert re.search(r"Rollback to version 1 requested: draft \d+", status.inner_text())
    visit.check("history-rollback-requested")


def test_history_for_a_translator_shows_the_rollback_disabled(visit: Any, live: LiveServer) -> None:
    visit.sign_in(live.tokens["translator"])
    visit.goto(f"{ARTICLE}/history")
    page = visit.page
    assert page.get_by_role("link", name=re.compile("Roll back to version")).count() == 0
    disabled = page.locator("[aria-disabled=true]").first
    assert disabled.inner_text() == "Roll back to this version"
    reason = page.locator(f"#{disabled.get_attribute('aria-describedby')}").inner_text()
    assert reason == "role 'translator' may not article.rollback"
    assert page.get_by_role("link", name="Admin").count() == 0
    visit.check("history-translator")


def test_admin_creates_a_token_shown_once_and_revokes_it(visit: Any, live: LiveServer) -> None:
    visit.sign_in(live.tokens["admin"])
    visit.goto("/workspace/admin")
    page = visit.page
    page.get_by_label("Name").fill("kiosk-es")
    page.get_by_label("Role").select_option("translator")
    page.get_by_label("Locales (comma-separated; empty for source text)").fill("es")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#secret-value").inner_text()
    assert secret.startswith("vt_")
    assert page.get_by_role("button", name="Copy to clipboard").is_visible()  # our script ran
    visit.check("admin-token-created")
    visit.goto("/workspace/admin")
    assert secret not in page.content()
    page.get_by_role("link", name="Revoke kiosk-es").click()
    assert page.get_by_text("This cannot be undone").is_visible()
    visit.check("admin-revoke-confirm")
    page.get_by_role("button", name="Revoke kiosk-es").click()
    assert page.get_by_role("status").inner_text() == "Token kiosk-es is revoked."
    visit.check("admin")


def test_admin_audit_log_with_filters_and_refused_attempts(visit: Any, live: LiveServer) -> None:
    visit.sign_in(live.tokens["admin"])
    visit.goto("/workspace/admin/audit")
    page = visit.page
    page.get_by_label("Actor").fill("ana")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**actor=ana**")
    actors = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert actors and all(a.startswith("ana") for a in actors)
    visit.check("admin-audit")
    visit.goto("/workspace/admin/refusals")
    visit.check("admin-refusals")


def test_admin_subscribes_a_webhook_endpoint_and_sees_its_secret_once(
    visit: Any, live: LiveServer
) -> None:
    visit.sign_in(live.tokens["admin"])
    visit.goto("/workspace/admin")
    page = visit.page
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("URL").fill("https://93.184.215.14/hooks/vetted")
    page.get_by_label("article.published").check()
    page.get_by_label("Note").fill("Kiosk network")
    page.get_by_role("button", name="Subscribe").click()
    secret = page.locator("#secret-value").inner_text()
    assert secret.startswith("whsec_")
    visit.check("admin-webhook-created")
    page.get_by_role("link", name="https://93.184.215.14/hooks/vetted").click()
    assert secret not in page.content()
    assert page.get_by_text("Nothing was sent to this endpoint yet.").is_visible()
    visit.check("admin-webhook")


@pytest.mark.parametrize(
    "path",
    [
        f"{ARTICLE}?locale=ar",
        f"{ARTICLE}/history?from=1&to=2",
        "/workspace/admin",
        "/workspace/admin/audit",
        "/workspace/admin/refusals",
        "/workspace/admin/webhooks/",
    ],
)
def test_pages_fit_360_pixels(visit: Any, live: LiveServer, path: str) -> None:
    visit.page.set_viewport_size({"width": 360, "height": 740})
    visit.sign_in(live.tokens["admin"])
    visit.goto(path)
    assert visit.page.evaluate("() => document.documentElement.scrollWidth") <= 360
    name = path.strip("/").split("?")[0].replace("/", "-").replace(SLUG, "article")
    visit.check(f"{name}-360")
