"""An editor and a reviewer publishing new versions of an article through the management
API, as people do: read the head, draft a change, submit it, have it published."""

from __future__ import annotations

import copy
import itertools
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.servers import ROOT

__all__ = ["Editorial", "create_token"]

_EDITED = ("introduction", "p1")
_run = time.strftime("%Y%m%dT%H%M%S")  # token names stay unique on a kept corpus
_editorials = itertools.count(1)
"""Numbers each Editorial of the run: one made on a copy of a database where another made
its tokens (the scale-out rows copy the real one) needs names of its own."""


def create_token(db: Path, name: str, role: str, locales: str | None = None) -> str:
    """A real API token made with `vetted token create` (scoped to `locales`, e.g. "es");
    returns the secret."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "token",
            "create",
            "--db",
            str(db),
            "--name",
            name,
            "--role",
            role,
            *(["--locales", locales] if locales else []),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


class Editorial:
    """Publishes revisions of one article; the editor drafts, the reviewer publishes."""

    def __init__(self, base_url: str, db: Path, slug: str) -> None:
        self.slug = slug
        self.client = httpx.Client(base_url=base_url, timeout=30)
        run = f"{_run}-{next(_editorials)}"
        self.editor = {
            "Authorization": f"Bearer {create_token(db, f'bench-editor-{run}', 'editor')}"
        }
        self.reviewer = {
            "Authorization": f"Bearer {create_token(db, f'bench-reviewer-{run}', 'reviewer')}"
        }
        self.published = 0
        self.publish_seconds: list[float] = []
        """How long each publishing request took (the reviewer's POST alone)."""
        self._original: str | None = None

    def publish_revision(self) -> int:
        """Publish the next revision (the first paragraph alternates between its shipped
        text and an edited one); return the new version number."""
        head = self._ok(self.client.get(f"/v1/manage/articles/{self.slug}", headers=self.editor))
        article: dict[str, Any] = copy.deepcopy(head.json()["article"])
        block = _block(article, *_EDITED)
        if self._original is None:
            self._original = str(block["text"])
        self.published += 1
        edited = f"{self._original} (Reviewed again: revision {self.published}.)"
        block["text"] = edited if block["text"] == self._original else self._original
        created = self._ok(
            self.client.post(
                f"/v1/manage/articles/{self.slug}/drafts",
                json={"article": article, "message": f"benchmark revision {self.published}"},
                headers={**self.editor, "If-Match": head.headers["etag"]},
            )
        )
        draft = created.json()["id"]
        submitted = self._ok(
            self.client.post(
                f"/v1/manage/drafts/{draft}/submit",
                headers={**self.editor, "If-Match": created.headers["etag"]},
            )
        )
        started = time.perf_counter()
        response = self.client.post(
            f"/v1/manage/drafts/{draft}/publish",
            headers={**self.reviewer, "If-Match": submitted.headers["etag"]},
        )
        self.publish_seconds.append(time.perf_counter() - started)
        published = self._ok(response)
        number: int = published.json()["number"]
        return number

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    @staticmethod
    def _ok(response: httpx.Response) -> httpx.Response:
        if response.status_code >= 300:
            raise RuntimeError(
                f"{response.request.method} {response.request.url.path}: "
                f"{response.status_code} {response.text[:500]}"
            )
        return response


def _block(article: dict[str, Any], section: str, block: str) -> dict[str, Any]:
    found = next(s for s in article["sections"] if s["id"] == section)
    result: dict[str, Any] = next(b for b in found["blocks"] if b["id"] == block)
    return result
