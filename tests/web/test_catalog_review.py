"""Reviewing uploaded catalogs over HTTP: the review rule, what reviewers see, stale
entries, approval of a subset with its sign-off, rejection, empty uploads and caching."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from litestar.testing import TestClient

from api.sources import read_content
from api.store.accounts import create_token
from api.store.importer import import_content
from api.store.schema import open_database
from api.web.app import create_app
from tests.conftest import SLUG

Client = TestClient[Any]
Auth = dict[str, dict[str, str]]
ARTICLE = f"/v1/articles/{SLUG}"
ES = "/v1/manage/catalogs/es"
ROLES = {
    "es-tr": ("translator", "es"),
    "es-tr2": ("translator", "es"),
    "es-rev": ("reviewer", "es"),
    "fr-rev": ("reviewer", "fr"),
    "rev": ("reviewer", ""),
    "root": ("admin", ""),
    "root2": ("admin", ""),
}
INTRO = f"{SLUG}/introduction/p1"
P2 = f"{SLUG}/introduction/p2"
P5 = f"{SLUG}/safety-and-efficacy/p5"
P6 = f"{SLUG}/safety-and-efficacy/p6"
P7 = f"{SLUG}/safety-and-efficacy/p7"
OLD_INTRO = (
    "Stem cell therapy for hair loss is a revolutionary approach that taps into the body’s "
    "natural regenerative abilities to restore thinning hair and revitalize dormant follicles."
)
NEW_INTRO = OLD_INTRO.replace("a revolutionary approach", "an approach")
OLD_P5 = "Not everyone experiences the same degree of transformation."
NEW_P5 = "Not everyone sees the same change."


def _tokens(db_path: Path) -> Auth:
    db = open_database(db_path)
    headers = {}
    for name, (role, locales) in ROLES.items():
        _, secret = create_token(db, name=name, role=role, locales=locales.split(","))
        headers[name] = {"Authorization": f"Bearer {secret}"}
    db.conn.close()
    return headers


@pytest.fixture()
def auth(db_path: Path) -> Auth:
    return _tokens(db_path)


@pytest.fixture()
def changed(tree: Path) -> Iterator[tuple[Client, Auth]]:
    """A database whose source changed after translation: the introduction and one
    safety sentence have new wording; the Spanish catalog still translates the old."""
    article = tree / "content" / "articles" / f"{SLUG}.yaml"
    text = article.read_text()
    assert OLD_INTRO in text and OLD_P5 in text
    article.write_text(text.replace(OLD_INTRO, NEW_INTRO).replace(OLD_P5, NEW_P5))
    db = open_database(tree / "v.db")
    import_content(db, read_content(tree / "content", tree / "locales"))
    db.conn.close()
    auth = _tokens(tree / "v.db")
    with TestClient(create_app(tree / "v.db")) as client:
        yield client, auth


def _edited(client: Client, who: dict[str, str], edit: Callable[[Catalog], None]) -> bytes:
    """The locale's exported catalog edited with Babel, as a PO editor would."""
    exported = client.get(ES, headers=who)
    assert exported.status_code == 200
    po = read_po(io.BytesIO(exported.content))
    edit(po)
    out = io.BytesIO()
    write_po(out, po, width=0)
    return out.getvalue()


def _message(po: Catalog, context: str) -> Any:
    found = next((m for m in po if m.context == context), None)
    assert found is not None, context
    return found


def _set(context: str, text: str) -> Callable[[Catalog], None]:
    def edit(po: Catalog) -> None:
        _message(po, context).string = text

    return edit


def _block(body: dict[str, Any], context: str) -> dict[str, Any]:
    _, section_id, block_id = context.split("/")
    section = next(s for s in body["sections"] if s["id"] == section_id)
    return next(b for b in section["blocks"] if b["id"] == block_id)


def _served(client: Client, context: str) -> dict[str, Any]:
    return _block(client.get(ARTICLE, params={"locale": "es"}).json(), context)


def _approve(
    client: Client, who: dict[str, str], etag: str, entries: list[str] | None = None
) -> Any:
    return client.post(
        f"{ES}/approve",
        headers={**who, "If-Match": etag},
        json={"entries": entries} if entries is not None else None,
    )


def _upload(client: Client, who: dict[str, str], body: bytes) -> Any:
    return client.put(ES, content=body, headers=who)


# 6. Honest caching across an approval


@pytest.mark.parametrize("locale", ["es", "en"])
def test_a_response_marked_immutable_never_changes_its_bytes(
    client: Client, auth: Auth, locale: str
) -> None:
    pinned = {"version": 1, "locale": locale}
    paths = [ARTICLE, f"{ARTICLE}/sections/introduction"]
    before = [client.get(path, params=pinned) for path in paths]
    staged = _upload(client, auth["es-tr"], _edited(client, auth["es-tr"], _set(P2, "Nuevo.")))
    assert _approve(client, auth["es-rev"], staged.json()["etag"]).status_code == 200
    after = [client.get(path, params=pinned) for path in paths]
    for old, new in zip(before, after, strict=True):
        if "immutable" in old.headers["cache-control"]:
            assert new.content == old.content
        else:
            assert "max-age=60" in old.headers["cache-control"]
    changed_bytes = [old.content != new.content for old, new in zip(before, after, strict=True)]
    assert changed_bytes == [locale == "es"] * 2
    if locale == "en":
        assert all("immutable" in r.headers["cache-control"] for r in before)
