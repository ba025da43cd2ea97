"""The background sender: finishes captured revisions and posts the outbox, never blocking the user.

Threads per publisher, so that nothing waits behind something else:

* the *primary* lane finishes new captures (the primary image, the annotations), oldest first;
* the *send* loop creates revisions as soon as they are ready, and adds their later formats;
* one *rest* lane per plotting library renders those later formats (SVG, the watermark) for
  revisions already created.

A render that hangs (plotly's Chrome) costs its own revision that format, after a time limit, and
nothing else: matplotlib figures never queue behind plotly's. The send loop wakes when something is
ready, and otherwise retries on a back-off while the server is away. The user hears about trouble
once: one line when the server becomes unreachable, one when it is back, one per revision the server
refuses (which stays in the outbox).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from figtrail.client.catalog import Catalog
from figtrail.client.delivery import deliver
from figtrail.client.errors import RETRY_LATER, AuthenticationError, FigtrailError, ServerError, fix_for
from figtrail.client.http import Connection
from figtrail.client.short_ids import ShortIds
from figtrail.outbox import Job, Outbox, is_revision_job

MIN_BACKOFF, MAX_BACKOFF = 1.0, 30.0
PROCESS_TOKEN = f"{os.getpid()}-{time.time_ns()}"
SENDABLE = ("ready", "update")
LANES = {"capture": "primary", "render": "rest"}  # the stage a lane takes jobs from -> the finisher's step


def notify_stderr(message: str) -> None:
    print(f"figtrail: {message}", file=sys.stderr, flush=True)


@dataclass
class PassReport:
    sent: int = 0
    held: int = 0
    waiting: int = 0
    unreachable: bool = False


class Sender:
    """Moves this account's jobs from the outbox to the server, oldest first.

    ``finisher`` (a ``figtrail.capture.revision.Finisher``) does the two finishing steps of the jobs
    this sender may finish: its own process's, and with ``adopt_orphans`` those of ended processes.
    """

    def __init__(
        self,
        outbox: Outbox,
        connection: Connection,
        catalog: Catalog,
        short_ids: ShortIds,
        finisher: Any,
        notify: Callable[[str], None] = notify_stderr,
    ) -> None:
        self.outbox, self.connection, self.catalog = outbox, connection, catalog
        self.short_ids, self.finisher, self.notify = short_ids, finisher, notify
        self.url, self.account = connection.url, connection.account
        self.owner = PROCESS_TOKEN  # captures this sender may finish (its publisher's)
        self.adopt_orphans = False  # also finish captures whose publishing process has ended
        self.unreachable = False
        self.on_delivered: Callable[[str, str | None], None] = lambda job_id, error: None
        self._events: dict[str, threading.Event] = {"send": threading.Event()}
        self._threads_lock = threading.Lock()
        self._progress = threading.Condition()
        self._send_passes = 0
        self._backoff = MIN_BACKOFF
        self._stopped = False
        self._threads: dict[str, threading.Thread] = {}

    # -- threads -------------------------------------------------------------------------------------

    def start(self) -> None:
        if not self._threads:
            self._thread("send", self._send_loop)
            self._lane("capture")

    def _thread(self, name: str, loop: Callable[[str], None]) -> threading.Event:
        with self._threads_lock:
            if name not in self._threads:
                self._events.setdefault(name, threading.Event())
                thread = threading.Thread(target=loop, args=(name,), name=f"figtrail-{name}", daemon=True)
                self._threads[name] = thread
                thread.start()
        return self._events[name]

    def _lane(self, name: str) -> threading.Event:
        """The lane that finishes a stage's jobs ("capture", or "render:<library>"), started on first use."""
        return self._thread(name, self._lane_loop)

    def _wake_lane(self, job: Job) -> None:
        if self._threads:  # in `figtrail outbox flush` (no threads) run_pass does the work itself
            self._lane(lane_of(job)).set()

    def wake(self) -> None:
        self.start()
        for event in list(self._events.values()):
            event.set()

    def stop(self) -> None:
        self._stopped = True
        for event in self._events.values():
            event.set()
        self._signal()

    def _send_loop(self, name: str) -> None:
        event = self._events[name]
        while not self._stopped:
            event.wait(self._backoff if self.unreachable else None)
            event.clear()
            self._guarded(self.send_pass)
            self._send_passes += 1
            self._signal()

    def _lane_loop(self, name: str) -> None:
        event = self._events[name]
        stage, _, backend = name.partition(":")
        while not self._stopped:
            event.wait()
            event.clear()
            self._guarded(lambda: self.finish_stage(stage, backend if stage == "render" else None))

    def _guarded(self, work: Callable[[], Any]) -> None:
        try:
            work()
        except Exception as exc:  # the sender must survive anything; the outbox keeps the work
            self.notify(f"the background sender hit an unexpected error ({type(exc).__name__}: {exc})")

    def _signal(self) -> None:
        with self._progress:
            self._progress.notify_all()

    # -- waiting -------------------------------------------------------------------------------------

    def outstanding(self) -> list[Job]:
        """This account's jobs that this sender will still move on: what ``flush`` waits for."""
        return [
            job
            for job in self.outbox.pending()
            if self._mine(job)
            and (job.get("stage") in SENDABLE or (job.get("stage") in LANES and self._may_finish(job)))
        ]

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until everything published so far is on the server; False if the time runs out or the
        server is found unreachable (what is left waits in the outbox)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        passes = self._send_passes
        self.wake()
        with self._progress:
            while True:
                left = self.outstanding()
                if not left:
                    return True
                local_work = any(job.get("stage") in LANES for job in left)
                if self._stopped or (self.unreachable and self._send_passes > passes and not local_work):
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._progress.wait(0.25 if remaining is None else min(remaining, 0.25))

    def drain(self, patience: float, limit: float | None = None) -> bool:
        """Wait until everything is on the server for as long as it keeps arriving: give up only
        when ``patience`` seconds pass with nothing delivered, or the server is unreachable, and
        never while a revision is still being rendered here (each step has its own time limit), up
        to ``limit`` seconds in all."""
        deadline = None if limit is None else time.monotonic() + limit
        before = None
        while True:
            if self.flush(patience):
                return True
            left = self.outstanding()
            if self._stopped or (deadline is not None and time.monotonic() > deadline):
                return False
            if any(job.get("stage") in LANES for job in left):
                before = None  # rendering here: it ends within its time limits, so wait for it
                continue
            if self.unreachable or (before is not None and len(left) >= before):
                return False
            before = len(left)

    # -- the work ------------------------------------------------------------------------------------

    def run_pass(self, retry_held: bool = False) -> PassReport:
        """Everything at once, on the caller's thread (``figtrail outbox flush``): finish, create,
        finish the rest, add it."""
        report = PassReport()
        if retry_held:
            with self.outbox.sending(wait=True):
                self.outbox.release_held()
        for stage in LANES:
            self.finish_stage(stage)
            self.send_pass(report)
            if report.unreachable:
                break
        report.waiting = sum(
            1 for job in self.outbox.pending() if job.get("stage") in LANES and self._mine(job)
        )
        return report

    def finish_stage(self, stage: str, backend: str | None = None) -> None:
        """Do one finishing step (``LANES[stage]``) on every job of ours in ``stage`` (drawn by
        ``backend``, when given), oldest first."""
        step = getattr(self.finisher, LANES[stage])
        for job in self.outbox.pending():
            if not is_revision_job(job) or job.get("stage") != stage:  # only revisions are finished
                continue
            if not self._mine(job) or not self._may_finish(job):
                continue
            if backend is not None and lane_of(job) != f"{stage}:{backend}":
                continue
            try:
                step(job)
            except Exception as exc:  # send what was captured, with the reason
                job.setdefault("notes", []).append(f"rendering failed: {type(exc).__name__}: {exc}")
                job["stage"] = "ready" if stage == "capture" else "update"
                job["followup"] = False if stage == "render" else job.get("followup", False)
                self.outbox.write(job)
            self._events["send"].set()
            self._signal()

    def send_pass(self, report: PassReport | None = None) -> PassReport:
        """Send what is ready, oldest first, under the outbox's send lock (so two processes never
        post the same job at once); stops at the first sign that the server is away."""
        report = report or PassReport()
        with self.outbox.sending(wait=True) as ours:
            if not ours:
                return report
            for job in self.outbox.pending():
                if not self._mine(job):
                    continue
                if job.get("stage") in LANES and self._may_finish(job):
                    self._wake_lane(job)  # e.g. created by `figtrail outbox flush`: finish it
                if job.get("stage") in SENDABLE and not self._send(job, report):
                    break
        self._settle(report)
        return report

    def _mine(self, job: Job) -> bool:
        return job.get("url") == self.url and job.get("account") in (self.account, self._username_account())

    def _may_finish(self, job: Job) -> bool:
        return job.get("owner") == self.owner or (self.adopt_orphans and not owner_alive(job.get("owner")))

    def _username_account(self) -> str | None:
        return f"user:{self.connection._username}" if self.connection._username else None

    def _send(self, job: Job, report: PassReport) -> bool:
        """Deliver one job; False when the server is unreachable (stop the pass, keep the order)."""
        try:
            deliver(job, self.connection, self.catalog, self.outbox)
        except RETRY_LATER as exc:
            report.unreachable = True
            self._went_away(exc)
            return False
        except AuthenticationError as exc:  # every job would fail alike: keep them all, say it once
            report.unreachable = True
            if not self.unreachable:
                self.notify(f"{exc}. Nothing is lost: the outbox is sent once the key works.")
            self.unreachable = True
            return False
        except (ServerError, FigtrailError) as exc:
            self._refused(job, exc)
            report.held += 1
            return True
        report.sent += job.get("stage") != "update"  # an update completes a revision already counted
        if job.get("stage") == "ready" and job.get("followup"):
            job["stage"] = "render"  # created: its other formats come next, then an update
            self.outbox.write(job, durable=False)
            self._wake_lane(job)
            return True
        self.outbox.done(job)
        self.on_delivered(job["id"], None)
        return True

    def _went_away(self, exc: FigtrailError) -> None:
        if not self.unreachable:
            waiting = len([job for job in self.outbox.pending() if self._mine(job)])
            self.notify(
                f"{exc}. {waiting} item(s) wait in the outbox ({self.outbox.path}) and will be sent when the "
                "server is back (or run `figtrail outbox flush`). Your notebook keeps running."
            )
        self.unreachable = True
        self._backoff = min(MAX_BACKOFF, self._backoff * 2) if self._backoff else MIN_BACKOFF

    def _refused(self, job: Job, exc: Exception) -> None:
        status = getattr(exc, "status", None)
        what = describe_job(job)
        reason = str(exc) if not isinstance(exc, ServerError) else f"{exc.detail or exc} ({status})"
        fix = fix_for(exc.status, what) if isinstance(exc, ServerError) else ""
        message = f"{what} was refused: {reason}" + (f"; {fix}" if fix and fix not in reason else "")
        self.outbox.hold(job, message, status)
        self.notify(
            f"{message}. It is kept in the outbox (`figtrail outbox list`); retry: `figtrail outbox flush`."
        )
        self.on_delivered(job["id"], message)

    def _settle(self, report: PassReport) -> None:
        if report.unreachable:
            return
        if self.unreachable:
            self.notify(f"the server at {self.url} is back; sent {report.sent} waiting item(s).")
        self.unreachable = False
        self._backoff = MIN_BACKOFF
        if not self.short_ids.prefix:
            self.short_ids.reserve()


def lane_of(job: Job) -> str:
    """Which lane finishes a job: "capture" for new ones, "render:<library>" for their later formats."""
    if job.get("stage") == "capture":
        return "capture"
    render = job.get("render") if is_revision_job(job) else None
    return f"render:{(render or {}).get('backend') or ''}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process that captured a job still runs (it will finish the job itself)."""
    try:
        pid = int(str(owner).split("-", 1)[0])
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """An ended process its parent has not collected yet (a kernel whose runner still holds it)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def describe_job(job: Job) -> str:
    if job.get("kind") == "asset":
        return f"data file {job.get('name')!r}"
    return f"revision of {job.get('figure_name') or 'a figure'!r}"
