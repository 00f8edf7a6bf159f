"""The workspace in a real browser (Debian's Chromium): signing in and out, an expired
session, CSRF, keyboard use and what every page must be (axe-core, no other origin)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from api.store.schema import open_database
from api.store.sessions import SessionLimits, find_session
from tests.workspace.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_sign_in_dashboard_and_sign_out(visit: Any, live: LiveServer) -> None:
    visit.goto("/workspace/")
    visit.check("sign-in")
    visit.sign_in(live.tokens["admin"])
    page = visit.page
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_role("link", name="Admin").is_visible()
    visit.check("dashboard")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/workspace/")
    assert page.get_by_text("You are signed out.").is_visible()


def test_a_bad_token_keeps_the_form_with_an_alert(visit: Any) -> None:
    visit.goto("/workspace/")
    visit.page.get_by_label("API token").fill("vt_99_not-a-real-token-at-all")
    visit.page.get_by_role("button", name="Sign in").click()
    assert visit.page.get_by_role("alert").inner_text().startswith("That token is not valid")
    visit.check("sign-in-refused")


def test_keyboard_only_sign_in_with_a_visible_skip_link(visit: Any, live: LiveServer) -> None:
    visit.goto("/workspace/")
    page = visit.page
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("e => e === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0  # moved into view when focused
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    page.get_by_label("API token").focus()
    page.keyboard.type(live.tokens["editor"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/workspace/dashboard")
    assert page.get_by_role("heading", name="Dashboard").is_visible()


def test_an_expired_session_returns_to_sign_in(visit: Any, live: LiveServer) -> None:
    visit.sign_in(live.tokens["editor"])
    cookie = next(c for c in visit.page.context.cookies() if c["name"] == "vetted_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    # Time passes for the session: looked up an hour later than its idle limit allows.
    db = open_database(live.db_path)
    later = int(time.time()) + 3600
    assert (
        find_session(
            db, cookie["value"], now=later, limits=SessionLimits(idle=1800, lifetime=43200)
        )
        is None
    )
    db.conn.close()
    visit.goto("/workspace/dashboard")
    assert "/workspace/?next=" in visit.page.url
    assert visit.page.get_by_label("API token").is_visible()


def test_a_form_posted_without_its_csrf_token_is_refused(visit: Any, live: LiveServer) -> None:
    visit.sign_in(live.tokens["editor"])
    page = visit.page
    page.locator("form[action='/workspace/sign-out'] input[name=_csrf_token]").evaluate(
        "e => e.remove()"
    )
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("heading", name="This form cannot be accepted").is_visible()
    visit.check("csrf-refused")
    visit.goto("/workspace/dashboard")
    assert page.get_by_role("heading", name="Dashboard").is_visible()  # still signed in


def test_the_root_page_in_a_browser(visit: Any) -> None:
    visit.goto("/")
    assert visit.page.get_by_role("link", name="Editorial workspace").is_visible()
    visit.check("root")


def test_usable_at_360_pixels(visit: Any, live: LiveServer) -> None:
    visit.page.set_viewport_size({"width": 360, "height": 740})
    visit.sign_in(live.tokens["reviewer"])
    width = visit.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360
    visit.check("dashboard-360")


def test_the_accessibility_check_finds_what_it_should(visit: Any) -> None:
    # The harness itself: axe runs inside the page and reports a control without a label.
    visit.page.set_content("<!DOCTYPE html><html lang='en'><title>t</title><input id='x'></html>")
    assert "label" in {v["id"] for v in visit.axe_violations()}
