"""Previews in a real browser against the real server (issue 25 point 7, workspace walk
"Preview"): an editor previews a draft as Arabic readers will get it, makes a preview
link for an outside clinician, who opens it without an account (never cached, indexed or
leaking a referrer; each view audited); the editor revokes it and the clinician's next
view shows nothing. Driven by clicks and typing only (the clinician types the URL they
were sent); each page is checked with axe-core, for other origins and CSP violations,
and photographed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.store.audit import list_audit
from api.store.schema import open_database
from tests.workspace.conftest import LiveServer
from tests.workspace.seed import EDITED_P1

pytestmark = pytest.mark.browser

DRAFT = 2  # the seeded draft in review: the introduction's first paragraph reworded
CLINICIAN = "Dr Amal Haddad, dermatologist"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seeded_template: Any) -> Iterator[LiveServer]:
    """`vetted serve` over this module's own copy of the seeded database (a draft in
    review), so its links and audit entries are its own."""
    from bench.servers import free_port
    from tests.test_server import served

    folder = tmp_path_factory.mktemp("preview")
    db_path = folder / "vetted.db"
    shutil.copyfile(seeded_template.path, db_path)
    port = free_port()
    with served(folder, db_path, port):
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, dict(seeded_template.tokens))


def _views(db_path: Path) -> list[str]:
    db = open_database(db_path)
    try:
        entries = list_audit(db, target=f"drafts/{DRAFT}/previews").entries
        return [f"{e.actor} {e.action}" for e in entries]
    finally:
        db.conn.close()


def test_preview_in_any_locale_and_a_revocable_link_for_a_clinician(
    browser: Any, server: LiveServer
) -> None:
    from tests.workspace.browser import Visit

    editor_context = browser.new_context(viewport={"width": 1280, "height": 900})
    clinician_context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        ana = Visit(editor_context.new_page(), server.url)
        ana.sign_in(server.tokens["editor"])
        page = ana.page
        page.get_by_role("link", name="Drafts").click()
        page.get_by_role("link", name=f"Draft {DRAFT}", exact=False).first.click()
        page.get_by_role("link", name="Preview as readers will see it").click()
        page.wait_for_url(f"**/drafts/{DRAFT}/preview")
        assert EDITED_P1 in page.locator("article.reader").inner_text()
        # The same draft as Arabic readers will get it: right to left, the new sentence
        # (not translated yet) marked as English fallback.
        page.get_by_label("Language").select_option("ar")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**/preview?locale=ar")
        reader = page.locator("article.reader")
        assert reader.get_attribute("lang") == "ar" and reader.get_attribute("dir") == "rtl"
        edited = reader.locator(".reader-block").filter(has_text=EDITED_P1)
        assert edited.get_attribute("lang") == "en" and edited.get_attribute("dir") == "ltr"
        assert "fallback: en" in edited.inner_text()
        ana.check("preview-draft-ar")

        # A link for the clinician, in Arabic, for a day.
        page.get_by_label("Who the link is for (name and role)").fill(CLINICIAN)
        page.get_by_label("Works for").select_option("1")
        page.get_by_role("button", name="Make a preview link in ar").click()
        link = page.locator("#link-value").inner_text()
        assert "/preview/" in link
        ana.check("preview-link-made")

        # The clinician opens it with no account: headers keep it private.
        clinician = Visit(clinician_context.new_page(), server.url)
        response = clinician.page.goto(link)
        assert response is not None and response.status == 200
        headers = response.headers
        assert headers["cache-control"] == "no-store"
        assert headers["x-robots-tag"] == "noindex, nofollow, noarchive"
        assert headers["referrer-policy"] == "no-referrer"
        shown = clinician.page.locator("article.reader")
        assert shown.get_attribute("lang") == "ar"
        assert EDITED_P1 in shown.inner_text()
        assert CLINICIAN in clinician.page.locator("#preview-about ~ p").inner_text()
        assert clinician.page.get_by_role("link", name="Sign out").count() == 0
        clinician.check("preview-link-opened")
        assert _views(server.db_path).count(f"preview link 1 ({CLINICIAN}) preview.view") == 1

        # The editor sees the view counted, and revokes the link.
        page.get_by_role("button", name="Show").click()  # the page again, not the form
        row = page.locator("table tbody tr").filter(has_text=CLINICIAN)
        assert row.locator("td").nth(4).inner_text() == "1" and "works" in row.inner_text()
        row.get_by_role("button", name=f"Revoke the link for {CLINICIAN}").click()
        page.get_by_text(f"The link for {CLINICIAN} is revoked").wait_for()
        assert "revoked by ana" in page.locator("table tbody tr").first.inner_text()
        ana.check("preview-link-revoked")

        # The clinician's next view shows nothing, and is audited as refused.
        gone = clinician.page.reload()
        assert gone is not None and gone.status == 410
        assert gone.headers["cache-control"] == "no-store"
        assert clinician.page.get_by_text("This preview link was revoked.").is_visible()
        assert EDITED_P1 not in clinician.page.content()
        clinician.check("preview-link-gone")
        assert f"preview link 1 ({CLINICIAN}) preview.refused" in _views(server.db_path)
    finally:
        editor_context.close()
        clinician_context.close()
