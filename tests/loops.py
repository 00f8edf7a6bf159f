"""An event loop of its own for a test's coroutine: the test's thread may run one already
(Playwright's, in a process that ran the browser tests)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine

from api.store.reader import Reader

__all__ = ["run_on_own_loop"]


def run_on_own_loop(
    look: Callable[[], Coroutine[None, None, None]],
    *readers: Reader,
    timeout: float = 120.0,
    release: Callable[[], None] | None = None,
) -> None:
    """Run `look` on an event loop of its own thread; then `release` (what the coroutine
    may still wait for, such as a reader's thread held busy) and close `readers`, whatever
    happened. What `look` raised is raised here."""
    failed: list[BaseException] = []

    def main() -> None:
        try:
            asyncio.run(look())
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=main)
    thread.start()
    thread.join(timeout=timeout)
    if release is not None:
        release()
        thread.join(timeout=10)
    for reader in readers:
        reader.close()
    assert not thread.is_alive()
    if failed:
        raise failed[0]
