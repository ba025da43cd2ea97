"""The durable on-disk outbox: every revision is written here before ``publish`` returns.

It is the layer below both ``figtrail.capture`` (which writes captured figures into it) and
``figtrail.client`` (which sends them), and imports neither.

Layout (all written atomically: a temporary file, fsync, rename)::

    jobs/<seq>.json     what waits to be sent, oldest first (revisions and asset versions)
    held/<seq>.json     what the server refused, kept with its error until the user retries it
    blobs/<blake3>      payload bytes, stored once by content hash and shared between jobs
    resolved/<id>       asset version ids learned from the server, for revisions that link them
    .lock               taken while a process sends, so two senders don't post the same job at once

Nothing leaves the outbox except after the server has confirmed it (201, or 409 for "already there").
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, TypedDict, TypeGuard

import blake3

from figtrail.files import sync_file, sync_folder, write_atomic
from figtrail.settings_table import read

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the server's 409 still prevents duplicates
    fcntl = None

JOB_FORMAT = 1  # the on-disk format of the job files below; a newer one is shown, never sent


class JobData(TypedDict, total=False):
    """One payload of a job: its bytes are ``blobs/<blob>``; ``api_id`` once the server stored it."""

    name: str
    type: str  # "image", "code", "text", "dataframe", "file"
    metadata: dict[str, Any]
    blob: str
    api_id: str
    is_clean_room: bool  # part of a @reproducible run's record (its source, manifest, parameters)


class RenderPlan(TypedDict, total=False):
    """What is still to render for a revision, from the frozen copy ``blobs/<snapshot>``."""

    backend: str
    deferred: list[str]  # formats not rendered yet
    snapshot: str | None
    watermark: bool
    qr_code: bool
    save_pickle: bool


class AssetRef(TypedDict, total=False):
    """A data file a revision links: an asset job of this outbox (``local``), or a known version."""

    local: str
    name: str
    asset_revision: str


class _QueuedJob(TypedDict, total=False):
    """What every job has: its place in the queue, whose it is, and why it is held, if it is."""

    format: int
    seq: str
    created: float
    id: str
    stage: str  # revisions: "capture" > "ready" > "render" > "update"; assets: "ready"
    url: str
    account: str | None
    owner: str
    target: dict[str, Any]  # {"workspace", "analysis", "figure"}: FindByName / ApiId specs
    error: str
    error_status: int | None
    held_at: float


class RevisionJob(_QueuedJob, total=False):
    kind: Literal["revision"]
    short_id: str | None
    link: str
    figure_name: str | None
    metadata: dict[str, Any]
    data: list[JobData]  # sent with the revision
    later: list[JobData]  # sent with the update: the pickle, the package list
    notes: list[str]  # what is missing and why, for ``figtrail_notes``
    facts: dict[str, Any]  # what the figure shows (title, axes): metadata, until the primary step
    context: dict[str, Any]  # the provenance read at publish(), until the annotators ran
    render: RenderPlan
    assets: list[AssetRef]
    followup: bool  # an update follows the revision
    is_clean_room: bool  # published from a @reproducible function


class AssetJob(_QueuedJob, total=False):
    kind: Literal["asset"]
    name: str
    path: str
    digest: str
    size: int
    blob: str


# A job as read from disk: a revision or a data file's version (or one that cannot be read: "unreadable")
Job = RevisionJob | AssetJob | dict[str, Any]
BLOB_GRACE_SECONDS = 10.0
_counter = itertools.count()


def is_asset_job(job: Job) -> TypeGuard[AssetJob]:
    """A data file's version (``kind`` "asset")."""
    return job.get("kind") == "asset"


def is_revision_job(job: Job) -> TypeGuard[RevisionJob]:
    """A revision (``kind`` "revision"); an unreadable job is neither kind."""
    return job.get("kind") == "revision"


class Outbox:
    """A folder of jobs waiting for the server. Safe to share between processes."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        for name in ("jobs", "held", "blobs", "resolved"):
            (self.path / name).mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o700)
        self._lock = threading.Lock()
        self._local = threading.local()  # per thread: the payloads written inside ``synced_together``

    # -- payload bytes -------------------------------------------------------------------------------

    def put_blob(self, data: bytes) -> str:
        digest = blake3.blake3(data).hexdigest()
        target = self.path / "blobs" / digest
        try:
            os.utime(target)  # already stored: mark it fresh so a concurrent clean-up keeps it
        except FileNotFoundError:
            later: list[Path] | None = getattr(self._local, "unsynced", None)
            write_atomic(target, data, durable=later is None)
            if later is not None:
                later.append(target)
        return digest

    @contextlib.contextmanager
    def synced_together(self) -> Iterator[None]:
        """The payloads this thread puts inside are made durable together on leaving: each file, then
        their folder once, instead of a folder sync for each. Inside, they can already be read (by
        other processes too); once it is left, they are on disk."""
        self._local.unsynced = []
        try:
            yield
        finally:
            written, self._local.unsynced = self._local.unsynced, None
            for path in written:
                sync_file(path)
            if written:
                sync_folder(self.path / "blobs")

    def put_file(self, source: str | os.PathLike[str]) -> tuple[str, int]:
        """Copy a file in by content hash, streaming (data files can be large); returns (hash, size)."""
        hasher, size = blake3.blake3(), 0
        tmp = self.path / "blobs" / f".incoming.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            with open(source, "rb") as reader, open(tmp, "wb") as writer:
                while chunk := reader.read(1 << 20):
                    hasher.update(chunk)
                    writer.write(chunk)
                    size += len(chunk)
                writer.flush()
                os.fsync(writer.fileno())
            digest = hasher.hexdigest()
            target = self.path / "blobs" / digest
            if target.exists():
                os.utime(target)
            else:
                os.replace(tmp, target)
                sync_folder(target.parent)
        finally:
            tmp.unlink(missing_ok=True)
        return digest, size

    def blob(self, digest: str) -> bytes:
        return (self.path / "blobs" / digest).read_bytes()

    def has_blob(self, digest: str) -> bool:
        return (self.path / "blobs" / digest).exists()

    # -- jobs ------------------------------------------------------------------------------------------

    def add(self, job: Job) -> Job:
        """Give the job its place in the queue and write it; returns the job with ``seq`` set."""
        job.setdefault("format", JOB_FORMAT)
        job.setdefault("created", time.time())
        job["seq"] = f"{time.time_ns():020d}-{os.getpid():07d}-{next(_counter):05d}"
        self.write(job)
        return job

    def write(self, job: Job, folder: str = "jobs", durable: bool = True) -> None:
        """Write a job atomically. ``durable=False`` skips the fsync, for a job moving on to a later
        stage: if a power cut loses the write, the job is found in its earlier stage, durable on disk,
        and that stage is simply done again (a revision created twice is a harmless 409)."""
        write_atomic(self.path / folder / f"{job['seq']}.json", json.dumps(job).encode(), durable)

    def pending(self) -> list[Job]:
        return self._read_folder("jobs")

    def held(self) -> list[Job]:
        return self._read_folder("held")

    def find(self, job_id: str) -> tuple[str, Job] | None:
        for folder in ("jobs", "held"):
            for job in self._read_folder(folder):
                if job["id"] == job_id:
                    return folder, job
        return None

    def hold(self, job: Job, error: str, status: int | None = None) -> None:
        """Set a refused job aside with the server's reason; it stays until the user retries it."""
        job["error"], job["error_status"], job["held_at"] = error, status, time.time()
        self.write(job, "held")
        (self.path / "jobs" / f"{job['seq']}.json").unlink(missing_ok=True)

    def release_held(self) -> int:
        """Put every held job back in the queue, in its original place (``figtrail outbox flush``)."""
        released = 0
        for job in self.held():
            job.pop("held_at", None)
            self.write(job, "jobs")
            (self.path / "held" / f"{job['seq']}.json").unlink(missing_ok=True)
            released += 1
        return released

    def done(self, job: Job) -> None:
        """The server has the job: forget it, and the payloads no other job needs."""
        for folder in ("jobs", "held"):
            (self.path / folder / f"{job['seq']}.json").unlink(missing_ok=True)
        self.collect_blobs(job_blobs(job))

    def remember_asset(self, local_id: str, asset_revision_id: str) -> None:
        write_atomic(self.path / "resolved" / local_id, asset_revision_id.encode())

    def asset_revision_for(self, local_id: str) -> str | None:
        try:
            return (self.path / "resolved" / local_id).read_text().strip()
        except FileNotFoundError:
            return None

    @contextlib.contextmanager
    def sending(self, wait: bool = True) -> Iterator[bool]:
        """Hold the send lock; yields False (without waiting) when another process is sending."""
        with self._lock, open(self.path / ".lock", "a+") as handle:
            if fcntl is None:
                yield True
                return
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_folder(self, folder: str) -> list[Job]:
        jobs = []
        for path in sorted((self.path / folder).glob("*.json")):
            try:
                job = json.loads(path.read_bytes())
            except FileNotFoundError:
                continue  # sent by another process while we listed
            except ValueError:
                job = _unreadable(path, f"{path} is not valid JSON; inspect or delete it by hand")
            if isinstance(job.get("format"), int) and job["format"] > JOB_FORMAT:
                job = _unreadable(
                    path,
                    f"{path} was written by a newer figtrail (job format {job['format']}; this one reads "
                    f"{JOB_FORMAT}): upgrade figtrail (pip install -U figtrail) to send it",
                )
            jobs.append(job)
        return jobs

    def collect_blobs(self, candidates: set[str]) -> None:
        """Delete the given payloads unless a job still refers to them or they were just stored.

        The grace period covers a payload stored for a job that is about to be written (by this or
        another process): it is not referenced yet, but it is needed.
        """
        self._delete_unneeded(candidates, BLOB_GRACE_SECONDS)

    def sweep(self, older_than: float = 600.0) -> None:
        """Delete payloads no job refers to, left by a crash or by a delivery inside the grace period
        (``figtrail outbox flush`` sweeps after sending)."""
        blobs = {path.name for path in (self.path / "blobs").iterdir() if not path.name.startswith(".")}
        self._delete_unneeded(blobs, older_than)

    def _delete_unneeded(self, candidates: set[str], older_than: float) -> None:
        if not candidates:
            return
        jobs = self.pending() + self.held()
        if any(job.get("kind") == "unreadable" for job in jobs):
            return  # a job this client cannot read (a newer format) may need any payload: keep them all
        still_needed = set().union(*(job_blobs(job) for job in jobs))
        cutoff = time.time() - older_than
        for digest in candidates - still_needed:
            path = self.path / "blobs" / digest
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()


def default_outbox() -> Path:
    """FIGTRAIL_OUTBOX, else ``$XDG_DATA_HOME/figtrail/outbox`` (``~/.local/share/figtrail/outbox``)."""
    explicit: Path | None = read("FIGTRAIL_OUTBOX")
    if explicit:
        return explicit
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "figtrail" / "outbox"


def job_blobs(job: Job) -> set[str]:
    """Every payload hash a job refers to, read field by field whatever its kind."""
    fields: Mapping[str, Any] = job
    digests = {item["blob"] for item in fields.get("data", []) + fields.get("later", []) if item.get("blob")}
    if fields.get("blob"):
        digests.add(fields["blob"])
    if (fields.get("render") or {}).get("snapshot"):
        digests.add(fields["render"]["snapshot"])
    if ((fields.get("context") or {}).get("provenance") or {}).get("script_blob"):
        digests.add(fields["context"]["provenance"]["script_blob"])
    return digests


def _unreadable(path: Path, why: str) -> dict[str, Any]:
    """A job file this client cannot send (not JSON, or a newer format): shown, never sent or deleted."""
    return {"id": path.stem, "seq": path.stem, "kind": "unreadable", "error": why}
