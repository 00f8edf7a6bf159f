"""The people who use the workspace in tests, their tokens, and signing in over HTTP."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from api.store.accounts import create_token
from api.store.schema import open_database

__all__ = ["PEOPLE", "csrf_of", "make_tokens", "sign_in"]

PEOPLE = {
    "editor": ("ana", "editor", []),
    "reviewer": ("ben", "reviewer", []),
    "es-reviewer": ("marta", "reviewer", ["es"]),
    "translator": ("lucia", "translator", ["es"]),
    "admin": ("root", "admin", []),
}
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def make_tokens(db_path: Path) -> dict[str, str]:
    """A token for each person (by their part: editor, reviewer, …); the secrets."""
    db = open_database(db_path)
    try:
        return {
            part: create_token(db, name=name, role=role, locales=locales)[1]
            for part, (name, role, locales) in PEOPLE.items()
        }
    finally:
        db.conn.close()


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient[Any], secret: str) -> str:
    """Sign in through the form as a browser would; returns the session's CSRF token."""
    form = client.get("/workspace/")
    assert form.status_code == 200, form.text
    response = client.post(
        "/workspace/sign-in",
        data={"token": secret, "_csrf_token": csrf_of(form.text), "next": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    dashboard = client.get(response.headers["location"])
    assert dashboard.status_code == 200, dashboard.text
    return csrf_of(dashboard.text)
