"""The webhook sender's lease: an OS file lock (`flock`) on a small file beside the
database, `<database>-sender.lock`, so that one sender per database sends.

Why a file lock, and not a row in the database renewed on a timer: every reader cache is
keyed on `PRAGMA data_version`, which moves with every commit another connection makes, so
a lease renewed by a commit every few seconds emptied every cache of every worker that
often on a server where nothing happened (search p99 went from under 4 ms to tens of ms,
and a bundle slower to make than the renewal period could never be kept). A lock held on
an open file costs no write at all while it is held, and the kernel releases it when its
holder's file is closed, however the process ends (SIGKILL too): a killed server's
successor takes it at once, with no expiry to wait out and no process-id guessing. Why
not a sidecar SQLite file with the old rows: it would keep the timer and the expiry, only
moving their writes elsewhere, and still need the pid check for a quick takeover.

Other machines: a database in WAL mode is only ever opened on one machine (its readers
and writers share memory through the `-shm` file), so one machine's kernel sees every
holder; on a network file system Linux carries `flock` over as a whole-file lock.

The file holds nothing but who holds the lock (`host/pid/random`, for operators and
tests); it is made when a sender first opens it, needs no backup, and a restore (`vetted
restore`, a Litestream restore drill) neither needs nor touches it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

__all__ = ["SenderLease", "lease_holder", "lease_path"]


def lease_path(db_path: str | Path) -> Path:
    """The lock file of the database at `db_path`."""
    return Path(f"{db_path}-sender.lock")


class SenderLease:
    """One sender's hold (or wish to hold) on the lease of a database."""

    def __init__(self, db_path: str | Path, holder: str) -> None:
        self.path = lease_path(db_path)
        self.holder = holder
        self._fd: int | None = None
        self.held = False

    def acquire(self) -> bool:
        """Take the lease if it is free, without waiting; True when this holder has it (a
        call while holding it is True at once). Cheap enough to try every few
        milliseconds: one `flock` call on a file kept open."""
        if self.held:
            return True
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, self.holder.encode(), 0)
        self.held = True
        return True

    def release(self) -> None:
        """Give the lease up (a sender stopping cleanly), so another may take it at once."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if self.held:
            self.held = False
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
        os.close(fd)  # the lock goes with the last descriptor of this open file


def lease_holder(db_path: str | Path) -> str | None:
    """Who holds the lease of the database at `db_path` now, if anyone."""
    try:
        fd = os.open(lease_path(db_path), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            # A shared lock is refused only while an exclusive one is held.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 4096, 0).decode(errors="replace") or None
        return None
    finally:
        os.close(fd)  # and with it the shared lock, if it was taken
