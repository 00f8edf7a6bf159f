"""Reading and posting pages as a browser would, for in-process page tests: a page
parsed into elements (stdlib html.parser; entities decoded as a browser shows them) to
assert on by selector and text, a section form's values as they stand, and a signed-in
browser per person."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from api.web.app import create_app
from tests.workspace.people import sign_in

Client = TestClient[Any]
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
# Elements whose start ends an open one of the same kind, up to their container.
_CLOSES_ITS_SIBLING = {
    "li": {"ul", "ol"},
    "option": {"select", "datalist"},
    "tr": {"table", "tbody", "thead", "tfoot"},
    "td": {"tr"},
    "th": {"tr"},
    "dt": {"dl"},
    "dd": {"dl"},
    "p": {"div", "section", "body"},
}
_COMPOUND = re.compile(
    r"([a-z][a-z0-9]*)?((?:#[\w-]+|\.[\w-]+|\[[\w-]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\]]*))?\])*)"
)
_PART = re.compile(r"#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:=(\"[^\"]*\"|'[^']*'|[^\]]*))?\]")


class Element:
    """An element of a parsed page: its tag, its attributes (entities decoded), and what
    it holds (elements and text, entities decoded)."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"

    @property
    def text(self) -> str:
        """The text inside, as a reader sees it: white space collapsed."""
        return " ".join(self.raw_text.split())

    @property
    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    def iter(self) -> Iterator[Element]:
        """Every element inside, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def select(self, selector: str) -> list[Element]:
        """The elements inside matching a small CSS selector: compounds of `tag`, `#id`,
        `.class`, `[attr]` and `[attr=value]`, separated by spaces (descendants)."""
        found: list[Element] = [self]
        for compound in selector.split():
            matches = _compound(compound)
            found = list({id(e): e for root in found for e in root.iter() if matches(e)}.values())
        return found

    def one(self, selector: str) -> Element:
        """The one element matching `selector` (fails the test unless there is exactly one)."""
        found = self.select(selector)
        assert len(found) == 1, f"{len(found)} elements match {selector!r}"
        return found[0]


def _compound(text: str) -> Callable[[Element], bool]:
    whole = _COMPOUND.fullmatch(text)
    assert whole is not None, f"unsupported selector {text!r}"
    tag = whole.group(1)
    tests: list[Callable[[Element], bool]] = []
    for ident, cls, attr, value in _PART.findall(whole.group(2) or ""):
        if ident:
            tests.append(lambda e, v=ident: e.attrs.get("id") == v)
        elif cls:
            tests.append(lambda e, v=cls: v in e.classes)
        elif value:
            wanted = value[1:-1] if value[:1] in "\"'" else value
            tests.append(lambda e, a=attr, v=wanted: e.attrs.get(a) == v)
        else:
            tests.append(lambda e, a=attr: a in e.attrs)
    return lambda e: (tag is None or e.tag == tag) and all(t(e) for t in tests)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.open = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CLOSES_ITS_SIBLING:  # `<li>a<li>b`: the second li ends the first
            open_: Element | None = self.open
            while open_ is not None and open_.tag not in _CLOSES_ITS_SIBLING[tag]:
                if open_.tag == tag and open_.parent is not None:
                    self.open = open_.parent
                    break
                open_ = open_.parent
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.open)
        self.open.children.append(element)
        if tag not in _VOID:
            self.open = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.children.append(
            Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.open)
        )

    def handle_endtag(self, tag: str) -> None:
        element: Element | None = self.open
        while element is not None and element.tag != tag:
            element = element.parent
        if element is not None and element.parent is not None:
            self.open = element.parent  # closes what was left open inside it too

    def handle_data(self, data: str) -> None:
        self.open.children.append(data)


def parse(html: str) -> Element:
    """The page as a tree (stdlib html.parser): entities decoded, as a browser shows it."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def text_of(html: str) -> str:
    """The page's text as a reader sees it (entities decoded, white space collapsed)."""
    return parse(html).text


def unescape(text: str) -> str:
    return html_unescape(text)


def form_values(html: str, form_class: str = "section-form") -> dict[str, str]:
    """What a browser would post for the page's section form (or the form of another
    class: `record-form`), as it stands (the submit buttons aside)."""
    form = parse(html).one(f"form.{form_class}")
    values: dict[str, str] = {}
    for field in form.iter():
        name = field.get("name")
        if name is None or name == "do":
            continue
        if field.tag == "input":
            kind = field.get("type") or "text"
            if kind in ("checkbox", "radio"):
                if "checked" in field.attrs:
                    values[name] = field.get("value") or "on"
            elif kind not in ("submit", "button", "image", "reset"):
                values[name] = field.get("value") or ""
        elif field.tag == "textarea":
            values[name] = field.raw_text.removeprefix("\n")
        elif field.tag == "select":
            picked = [o for o in field.select("option") if "selected" in o.attrs]
            values[name] = (picked[0].get("value") or "") if picked else ""
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
