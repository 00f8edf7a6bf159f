"""Reading and posting the editing pages as a browser would, for in-process page tests:
a section form's values as they stand, and a signed-in browser per person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from api.web.app import create_app
from tests.workspace.people import sign_in

Client = TestClient[Any]
_FIELD = re.compile(r'name="([^"]+)"[^>]*?value="([^"]*)"')
_TEXTAREA = re.compile(r'<textarea id="f-([^"]+)" name="[^"]+"[^>]*>([^<]*)</textarea>')
_CHECKED = re.compile(r'name="(block-\d+-safety)" type="checkbox" checked')
_SELECTED = re.compile(r'<select id="f-([^"]+)".*?</select>', re.S)


def unescape(text: str) -> str:
    return (
        text.replace("&#39;", "'")
        .replace("&#34;", '"')
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def form_values(html: str) -> dict[str, str]:
    """What a browser would post for the page's section form, as it stands."""
    form = html[html.index('class="section-form"') :]
    values = {name: unescape(value) for name, value in _FIELD.findall(form)}
    values.update({name: unescape(text) for name, text in _TEXTAREA.findall(form)})
    for block in _SELECTED.finditer(form):
        picked = re.search(r'<option value="([^"]*)" selected>', block.group(0))
        values[block.group(1)] = unescape(picked.group(1)) if picked else ""
    for name in _CHECKED.findall(form):
        values[name] = "on"
    values.pop("do", None)
    return values


def block_index(values: dict[str, str], block_id: str) -> int:
    return next(
        int(name.split("-")[1])
        for name, value in values.items()
        if name.endswith("-id") and value == block_id
    )


class People:
    """A signed-in browser per person, opened when first asked for: (client, CSRF token)."""

    def __init__(self, db_path: Path, tokens: dict[str, str]) -> None:
        self.db_path = db_path
        self.tokens = tokens
        self.open: dict[str, tuple[Client, str]] = {}

    def __getitem__(self, part: str) -> tuple[Client, str]:
        if part not in self.open:
            client = TestClient(create_app(self.db_path))
            client.__enter__()
            self.open[part] = (client, sign_in(client, self.tokens[part]))
        return self.open[part]


def signed_in(db_path: Path, tokens: dict[str, str]) -> Iterator[People]:
    """People for one test; their browsers are closed after it."""
    found = People(db_path, tokens)
    yield found
    for client, _ in found.open.values():
        client.__exit__(None, None, None)
