"""Review dates in a real browser against the real server: an article last reviewed long
ago is flagged overdue on the dashboard and its page, the author of its version cannot vouch
for it, and a reviewer who finds it still accurate records a review with one button."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pytest

from api.core.schedule import ReviewPolicy, next_review_due
from api.store.schema import open_database
from api.store.versions import load_article
from tests.conftest import SLUG
from tests.editing import publish_change
from tests.workspace.conftest import LiveServer
from tests.workspace.people import PEOPLE, make_tokens

ARTICLE = f"/workspace/articles/{SLUG}"


@pytest.fixture()
def overdue(tmp_path: Path, imported_db: Path) -> Iterator[LiveServer]:
    """A server whose article's current version (2, written by the editor and published by
    another reviewer) was published in March 2024: `vetted serve`'s start-up sweep flags it."""
    from bench.servers import free_port
    from tests.test_server import served

    db_path = tmp_path / "vetted.db"
    shutil.copyfile(imported_db, db_path)
    tokens = make_tokens(db_path)
    db = open_database(db_path)
    editor = PEOPLE["editor"][0]
    from api.core.access import Principal

    article = load_article(db, SLUG, 1)
    publish_change(
        db,
        msgspec.structs.replace(article, title="Stem cell therapy for hair loss (revised)"),
        author=Principal(name=editor, role="editor"),
        reviewer=Principal(name="doc", role="reviewer"),
    )
    db.execute("UPDATE versions SET published_at = '2024-03-01T08:00:00Z' WHERE number = 2")
    db.conn.commit()
    db.conn.close()
    port = free_port()
    with served(tmp_path, db_path, port):
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, tokens)


def _visit(browser: Any, server: LiveServer) -> Any:
    from tests.workspace.browser import Visit

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    return Visit(context.new_page(), server.url)


def test_overdue_is_flagged_and_a_reviewer_records_a_review(
    browser: Any, overdue: LiveServer
) -> None:
    editor = _visit(browser, overdue)
    try:
        editor.sign_in(overdue.tokens["editor"])
        page = editor.page
        dates = page.get_by_role("region", name="Review dates")
        assert "1 article is past its review date." in dates.inner_text()
        row = dates.get_by_role("row").filter(has_text="(revised)")
        assert row.locator(".status-overdue").inner_text() == "overdue"
        assert "2025-03-01" in row.inner_text()
        editor.check("dashboard-review-dates")
        editor.goto(ARTICLE)
        review = page.get_by_role("region", name="Medical review")
        assert "past its review date" in review.inner_text()
        # An editor does not review: the button is shown, refused, with the rule's reason.
        refused = review.locator("[aria-disabled=true]")
        assert refused.inner_text() == "Still accurate: record a review"
        reason = page.locator(f"#{refused.get_attribute('aria-describedby')}").inner_text()
        assert reason.startswith("an editor does not review: only a reviewer may confirm version")
    finally:
        editor.page.context.close()

    reviewer = _visit(browser, overdue)
    try:
        reviewer.sign_in(overdue.tokens["reviewer"])
        reviewer.goto(ARTICLE)
        page = reviewer.page
        review = page.get_by_role("region", name="Medical review")
        assert "2024-03-01" in review.inner_text()
        reviewer.check("article-overdue")
        page.get_by_label("What you checked").fill("Re-read against the cited sources.")
        review.get_by_role("button", name="Still accurate: record a review").click()
        page.wait_for_url(f"**{ARTICLE}")
        today = date.today()
        due = next_review_due(today, ReviewPolicy()).isoformat()
        assert f"Review recorded: next review due {due}." in page.content()
        review = page.get_by_role("region", name="Medical review")
        assert review.locator(".status-current").is_visible()
        assert f"{PEOPLE['reviewer'][0]} (reviewer)" in review.inner_text()
        assert "past its review date" not in review.inner_text()
        reviewer.check("article-reviewed")
    finally:
        reviewer.page.context.close()
