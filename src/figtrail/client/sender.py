"""The background sender: finishes captured revisions and posts the outbox, never blocking the user.

One thread per publisher. It wakes when something is published, and otherwise retries on a back-off
while the server is away. The user hears about trouble once: one line when the server becomes
unreachable, one when it is back, one per revision the server refuses (which stays in the outbox).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from figtrail.client.catalog import Catalog
from figtrail.client.delivery import deliver
from figtrail.client.errors import (
    AuthenticationError,
    FigtrailError,
    ServerError,
    ServerUnavailableError,
    fix_for,
)
from figtrail.client.http import Connection
from figtrail.client.outbox import Job, Outbox
from figtrail.client.short_ids import ShortIds

MIN_BACKOFF, MAX_BACKOFF = 1.0, 30.0
PROCESS_TOKEN = f"{os.getpid()}-{time.time_ns()}"

Finisher = Callable[[Job], Job]


def notify_stderr(message: str) -> None:
    print(f"figtrail: {message}", file=sys.stderr, flush=True)


@dataclass
class PassReport:
    sent: int = 0
    held: int = 0
    waiting: int = 0
    unreachable: bool = False


class Sender:
    """Moves this account's jobs from the outbox to the server, oldest first."""

    def __init__(
        self,
        outbox: Outbox,
        connection: Connection,
        catalog: Catalog,
        short_ids: ShortIds,
        finish: Finisher,
        notify: Callable[[str], None] = notify_stderr,
    ) -> None:
        self.outbox, self.connection, self.catalog = outbox, connection, catalog
        self.short_ids, self.finish, self.notify = short_ids, finish, notify
        self.url, self.account = connection.url, connection.account
        self.owner = PROCESS_TOKEN  # captures this sender may finish (its publisher's)
        self.adopt_orphans = False  # also finish captures whose publishing process has ended
        self.unreachable = False
        self.on_delivered: Callable[[str, str | None], None] = lambda job_id, error: None
        self._wake = threading.Event()
        self._pass_done = threading.Condition()
        self._passes = 0
        self._running = False
        self._backoff = MIN_BACKOFF
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="figtrail-sender", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self.start()
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait for one full pass over the outbox that started after this call; True if it finished."""
        self.start()
        with self._pass_done:
            target = self._passes + (2 if self._running else 1)  # a running pass may have missed new jobs
            self._wake.set()
            return self._pass_done.wait_for(lambda: self._passes >= target or self._stopped, timeout)

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self._backoff if self.unreachable else None)
            self._wake.clear()
            self._running = True
            try:
                self.run_pass()
            except Exception as exc:  # the sender must survive anything; the outbox keeps the work
                self.notify(f"the background sender hit an unexpected error ({type(exc).__name__}: {exc})")
            with self._pass_done:
                self._running = False
                self._passes += 1
                self._pass_done.notify_all()

    def run_pass(self, retry_held: bool = False) -> PassReport:
        """Finish this process's captures, then send what belongs to this account, in order.

        Both happen under the outbox's send lock, so two senders never work on the same job.
        """
        report = PassReport()
        with self.outbox.sending(wait=True) as ours:
            if not ours:
                return report
            self._finish_captures()
            if retry_held:
                self.outbox.release_held()
            for job in self.outbox.pending():
                if not self._mine(job) or job.get("stage") != "ready":
                    report.waiting += job.get("stage") == "capture"
                    continue
                if not self._send(job, report):
                    break
        self._settle(report)
        return report

    def _mine(self, job: Job) -> bool:
        return job.get("url") == self.url and job.get("account") in (self.account, self._username_account())

    def _username_account(self) -> str | None:
        return f"user:{self.connection._username}" if self.connection._username else None

    def _finish_captures(self) -> None:
        for job in self.outbox.pending():
            if job.get("stage") != "capture" or not self._mine(job):
                continue
            if job.get("owner") == self.owner or (self.adopt_orphans and not owner_alive(job.get("owner"))):
                try:
                    self.finish(job)
                except Exception as exc:  # rendering failed: send what was captured, with the reason
                    job.setdefault("notes", []).append(f"rendering failed: {type(exc).__name__}: {exc}")
                    job["stage"] = "ready"
                    self.outbox.write(job)

    def _send(self, job: Job, report: PassReport) -> bool:
        """Deliver one job; False when the server is unreachable (stop the pass, keep the order)."""
        try:
            deliver(job, self.connection, self.catalog, self.outbox)
        except ServerUnavailableError as exc:
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
        self.outbox.done(job)
        report.sent += 1
        self.on_delivered(job["id"], None)
        return True

    def _went_away(self, exc: ServerUnavailableError) -> None:
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
        fix = fix_for(status, what) if isinstance(exc, ServerError) else ""
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
    return True


def describe_job(job: Job) -> str:
    if job.get("kind") == "asset":
        return f"data file {job.get('name')!r}"
    return f"revision of {job.get('figure_name') or 'a figure'!r}"
