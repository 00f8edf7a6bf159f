"""The request path only looks up stored bytes: no rendering, formatting or catalog work."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from types import FrameType

from litestar.testing import TestClient

from api.web.app import create_app
from tests.conftest import SLUG

# Modules whose code only publish/import time may run.
PUBLISH_TIME = (
    "api/core/render.py",
    "api/core/formatting.py",
    "api/core/messages.py",
    "api/core/catalog.py",
    "api/store/rendering.py",
    "api/core/html.py",
    "api/core/sitemap.py",
    "api/store/catch_up.py",
    "babel/",
)
SERVING = "api/store/reader.py"
REQUESTS = [
    (f"/v1/articles/{SLUG}", {"Accept-Language": "es-MX,es;q=0.9"}),
    (f"/v1/articles/{SLUG}?locale=ar", {}),
    (f"/v1/articles/{SLUG}/sections/alternatives/minoxidil?locale=fr", {}),
    (f"/v1/articles/{SLUG}?version=1&locale=es", {"Accept-Encoding": "br"}),
    ("/v1/treatments/minoxidil?locale=es", {"Accept-Encoding": "gzip"}),
    ("/v1/bundles/es", {}),
    ("/v1/changes?since=0&locale=ar", {}),
    ("/v1/search?q=celulas&locale=es", {}),
    ("/v1/locales", {}),
    ("/v1/articles", {"Accept-Language": "pt-BR"}),
    (f"/v1/articles/{SLUG}/html?locale=ar", {"Accept-Encoding": "gzip"}),
    ("/v1/sitemap", {}),
]
ROUNDS = 30


def test_hundreds_of_requests_do_no_rendering_work(db_path: Path) -> None:
    calls: Counter[str] = Counter()
    measuring = threading.Event()

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call" and measuring.is_set():
            filename = frame.f_code.co_filename.replace("\\", "/")
            for module in (*PUBLISH_TIME, SERVING):
                if module in filename:
                    calls[module] += 1

    # Set before the client starts, so the thread serving the app is profiled too.
    threading.setprofile(profile)  # type: ignore[arg-type]
    try:
        with TestClient(create_app(db_path)) as client:
            for path, headers in REQUESTS:  # the first requests fill per-process caches
                assert client.get(path, headers=headers).status_code == 200
            measuring.set()
            statuses = Counter(
                client.get(path, headers=headers).status_code
                for _ in range(ROUNDS)
                for path, headers in REQUESTS
            )
            measuring.clear()
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    assert statuses == Counter({200: ROUNDS * len(REQUESTS)})
    # The hook saw the requests being served (so the check below cannot pass vacuously)...
    assert calls.pop(SERVING) >= ROUNDS * len(REQUESTS)
    # ...and none of them rendered, formatted or parsed anything.
    assert calls == Counter()
