"""Tracked data files: ``ft.read_csv(...)`` and friends read the file *and* record its exact version.

Reading a file hashes it (blake3) and copies it into the outbox, which needs no server: it works
before ``configure`` and while the server is down. The version is sent to the server with the next
revision published, which links every data file read so far (the latest version of each). The server
is asked by hash first, so content it already has creates no new asset revision.
"""

from __future__ import annotations

import functools
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from figtrail.outbox import Outbox, default_outbox

POLARS_READERS = ("read_csv", "read_parquet")
ATTRS_KEY = "figtrail_asset"


@dataclass(frozen=True)
class TrackedFile:
    """One version of one data file, as read by this process."""

    local_id: str
    name: str
    path: str
    digest: str
    size: int


class AssetTracker:
    """The data files this process has read: the latest version of each, by absolute path."""

    def __init__(self) -> None:
        self._latest: dict[str, TrackedFile] = {}
        self._bound: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self.outbox_path: Path | None = None  # set by the active publisher; else the configured outbox

    def track(self, path: str | os.PathLike[str]) -> TrackedFile:
        """Hash and keep a copy of the file; the same content read again is the same version."""
        outbox = self._outbox()
        digest, size = outbox.put_file(path)
        key = os.path.abspath(os.fspath(path))
        with self._lock:
            known = self._latest.get(key)
            if known is not None and known.digest == digest:
                return known
            tracked = TrackedFile(str(uuid.uuid4()), os.path.basename(key), os.fspath(path), digest, size)
            self._latest[key] = tracked
            return tracked

    def current(self) -> list[TrackedFile]:
        with self._lock:
            return list(self._latest.values())

    def bind(self, tracked: TrackedFile, destination: str, make_job: Callable[[TrackedFile], str]) -> str:
        """The outbox job id of ``tracked`` for one server and account, creating the job once."""
        with self._lock:
            key = (tracked.local_id, destination)
            if key not in self._bound:
                self._bound[key] = make_job(tracked)
            return self._bound[key]

    def clear(self) -> None:
        """Forget the files read so far: later revisions link only files read after this."""
        with self._lock:
            self._latest.clear()

    def _outbox(self) -> Outbox:
        if self.outbox_path is None:
            self.outbox_path = default_outbox()
        return Outbox(self.outbox_path)


TRACKER = AssetTracker()


def sync(path: str | os.PathLike[str]) -> str:
    """Record the current version of any file; returns the path, so it can wrap an ``open`` call."""
    TRACKER.track(path)
    return os.fspath(path)


def _tracked_read(reader: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(reader)
    def read(source: Any, *args: Any, **kwargs: Any) -> Any:
        tracked = TRACKER.track(source) if _is_local_file(source) else None
        frame = reader(source, *args, **kwargs)
        if tracked is not None and hasattr(frame, "attrs"):
            frame.attrs[ATTRS_KEY] = {"name": tracked.name, "path": tracked.path, "blake3": tracked.digest}
        return frame

    return read


def _is_local_file(source: Any) -> bool:
    return (
        isinstance(source, (str, os.PathLike)) and "://" not in os.fspath(source) and os.path.isfile(source)
    )


@functools.cache
def pandas_reader(name: str) -> Callable[..., Any]:
    """``pandas.<name>`` with pandas' own signature and docs, recording the file it reads."""
    import pandas

    return _tracked_read(getattr(pandas, name))


@functools.cache
def polars_reader(name: str) -> Callable[..., Any]:
    import polars

    return _tracked_read(getattr(polars, name))
