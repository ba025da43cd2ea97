"""A queue for SQLite write transactions on hot paths (publishing a revision).

SQLite lets one writer in at a time. A connection that finds the database locked retries in its busy
handler, sleeping 1, 2, 5, 10, ... up to 100 ms between tries, so with several publishers most of a
request's time went to sleeping while the lock was in fact free again. Here writers first wait their
turn on a lock that wakes the next one as soon as it is released: a thread lock within a gunicorn
worker, and an ``flock`` on a file next to the database between workers.

This only orders writers; it grants nothing. SQLite's own locking still guards the data, so writers
that do not queue here (or other processes, like ``figtrail user add``) stay correct: they simply wait
in the busy handler as before. If the lock file cannot be used, the queue is per process only.
On other databases (PostgreSQL) this does nothing.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

_thread_lock = threading.Lock()
_held = threading.local()  # this thread's nesting depth, so that nested use does not wait on itself
_lock_file: tuple[int, int] | None = None  # (pid, fd): each forked worker opens its own


def _lock_fd() -> int | None:
    global _lock_file
    if _lock_file is not None and _lock_file[0] == os.getpid():
        return _lock_file[1]
    name = connection.settings_dict.get("NAME")
    if not name or str(name) == ":memory:" or str(name).startswith("file:"):
        return None
    try:
        fd = os.open(Path(f"{name}.write-queue"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    _lock_file = (os.getpid(), fd)
    return fd


@contextmanager
def queued_write() -> Iterator[None]:
    """Wait for this process's and then this database's turn to write; use around ``transaction.atomic()``."""
    if connection.vendor != "sqlite" or connection.in_atomic_block or getattr(_held, "depth", 0):
        yield  # another database, already queued, or inside a transaction (which holds the SQLite lock)
        return
    with _thread_lock:
        _held.depth = 1
        fd = _lock_fd()
        locked = False
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                locked = True
            except OSError:
                pass
        try:
            yield
        finally:
            _held.depth = 0
            if locked:
                fcntl.flock(fd, fcntl.LOCK_UN)
