"""The page parser the workspace tests assert with (tests/workspace/pages.py)."""

from __future__ import annotations

import pytest

from tests.workspace.pages import form_values, parse, text_of

PAGE = """<!doctype html><html lang="en"><body>
<p class="reason note" id="why">&#39;ben&#39; is not scoped to locale &#39;es&#39;</p>
<ul><li><a href="/a?x=1&amp;y=2" aria-disabled="true">A<br>b</a><li>second</ul>
<form class="section-form"><input name="etag" value="&#34;v2&#34;"><input name="keep"
 type="checkbox" checked><input name="drop" type="checkbox"><textarea name="t">
x &lt; y</textarea><select name="s"><option value="1">one<option value="2" selected>two
</select><button name="do" value="save">Save</button></form></body></html>"""


def test_text_and_attributes_are_decoded_as_a_browser_shows_them() -> None:
    page = parse(PAGE)
    assert page.one("p#why").text == "'ben' is not scoped to locale 'es'"
    assert page.one("p.reason.note") is page.one("#why")
    assert page.one('a[aria-disabled="true"]').get("href") == "/a?x=1&y=2"
    assert [li.text for li in page.select("ul li")] == ["Ab", "second"]
    assert "'ben' is not scoped" in text_of(PAGE)


def test_a_selector_matching_nothing_or_twice_fails_one() -> None:
    page = parse(PAGE)
    assert page.select("table td") == []
    with pytest.raises(AssertionError, match="0 elements"):
        page.one("table")
    with pytest.raises(AssertionError, match="2 elements"):
        page.one("li")


def test_a_form_posts_what_a_browser_would() -> None:
    assert form_values(PAGE) == {"etag": '"v2"', "keep": "on", "t": "x < y", "s": "2"}
