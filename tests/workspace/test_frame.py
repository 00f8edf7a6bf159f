"""What every workspace page shares, in-process with the real app: security headers, the
fingerprinted assets, the language and direction of the interface, navigation by role,
templates that parse and hold no inline script or style, and the root page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from jinja2 import Environment
from litestar.testing import TestClient

from api.web.workspace.assets import ASSETS
from api.web.workspace.templates import TEMPLATES_DIR, environment
from tests.workspace import pages
from tests.workspace.people import sign_in

Client = TestClient[Any]


class _Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text += data.strip()


def parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def assert_no_inline_code(html: str) -> None:
    """No inline script, style element, style attribute or event handler attribute."""
    found = parse(html)
    assert found.script_text == ""
    for tag, attrs in found.tags:
        assert tag != "style"
        assert "style" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), tag
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/workspace/static/"), attrs


def test_every_template_parses_and_autoescape_is_on() -> None:
    env = environment()
    names = sorted(p.name for p in TEMPLATES_DIR.glob("*.html"))
    assert "base.html" in names
    for name in names:
        env.get_template(name)
    assert env.autoescape is True
    assert Environment(autoescape=True).from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"


def test_pages_carry_the_workspace_security_policy(ws: Client, tokens: dict[str, str]) -> None:
    sign_in(ws, tokens["editor"])
    for path in ("/workspace/", "/workspace/dashboard", "/"):
        response = ws.get(path, headers={"Accept": "text/html"})
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "form-action 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, path
        assert response.headers["x-frame-options"] == "DENY"
    # The API's JSON keeps its own, stricter policy.
    api = ws.get("/v1/locales")
    assert api.headers["content-security-policy"].startswith("default-src 'none'")


def test_pages_hold_no_inline_script_or_style(ws: Client, tokens: dict[str, str]) -> None:
    assert_no_inline_code(ws.get("/workspace/").text)
    assert_no_inline_code(ws.get("/", headers={"Accept": "text/html"}).text)
    sign_in(ws, tokens["admin"])
    assert_no_inline_code(ws.get("/workspace/dashboard").text)


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_assets_are_fingerprinted_and_immutable(ws: Client, name: str) -> None:
    page = ws.get("/workspace/").text
    urls = re.findall(rf'"(/workspace/static/{re.escape(name)}\?v=[0-9a-f]{{16}})"', page)
    if name.endswith(".css"):
        assert urls, page
    url = urls[0] if urls else f"/workspace/static/{name}?v={ASSETS[name].version}"
    hashed = ws.get(url)
    assert hashed.status_code == 200
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert hashed.content == ASSETS[name].body
    stale = ws.get(f"/workspace/static/{name}?v=0000000000000000")
    assert stale.headers["cache-control"] == "no-cache"
    assert ws.get("/workspace/static/nothing.css").status_code == 404


@pytest.mark.parametrize(
    ("accept_language", "lang", "words"),
    [
        (None, "en", "Sign in"),
        ("es-MX,es;q=0.9", "es", "Iniciar sesión"),
        ("de, es;q=0.5", "es", "Iniciar sesión"),
        ("ar", "en", "Sign in"),  # no Arabic interface yet: English, left to right
    ],
)
def test_the_interface_speaks_the_browsers_language(
    ws: Client, accept_language: str | None, lang: str, words: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    page = ws.get("/workspace/", headers=headers).text
    html = next(attrs for tag, attrs in parse(page).tags if tag == "html")
    assert html == {"lang": lang, "dir": "ltr"}
    assert words in pages.text_of(page)


@pytest.mark.parametrize(
    ("part", "shown", "hidden"),
    [
        ("editor", ["Dashboard", "Articles"], ["Admin", "Review queue", "Audit log"]),
        ("translator", ["Dashboard", "Articles"], ["Admin", "My drafts", "Review queue"]),
        ("reviewer", ["Review queue"], ["Admin", "Audit log"]),
        ("admin", ["Admin", "Review queue", "Audit log"], []),
    ],
)
def test_navigation_and_dashboard_show_what_the_role_allows(
    ws: Client, tokens: dict[str, str], part: str, shown: list[str], hidden: list[str]
) -> None:
    sign_in(ws, tokens[part])
    page = pages.text_of(ws.get("/workspace/dashboard").text)
    for word in shown:
        assert word in page, word
    for word in hidden:
        assert word not in page, word


def test_the_root_page_says_what_this_server_is(ws: Client) -> None:
    page = ws.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    links = {a.get("href") for a in pages.parse(page.text).select("a")}
    assert {"/docs", "/schema/openapi.yaml", "/workspace/", "/healthz"} <= links
    index = ws.get("/", headers={"Accept": "application/json"})
    assert index.headers["content-type"].startswith("application/json")
    body = index.json()
    assert body["name"] == "Vetted"
    assert {link["rel"]: link["href"] for link in body["links"]}["workspace"] == "/workspace/"
    assert "Accept" in index.headers["vary"]
    assert ws.get("/", headers={"Accept": "*/*"}).json() == body  # curl gets JSON
    spanish = ws.get("/", headers={"Accept-Language": "es", "Accept": "text/html"})
    assert pages.parse(spanish.text).one("html").attrs == {"lang": "es", "dir": "ltr"}
