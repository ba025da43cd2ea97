"""Background work as a queue in the database, so that ``task/<id>/`` tells the truth wherever it runs.

Server code asks for work and answers at once::

    task = runner.submit("story.generate", user, workspace, payload={"story": str(story.pk)})

The row is the queue: a runner claims the oldest queued task with a conditional UPDATE (one winner, on
SQLite and PostgreSQL alike), runs the handler registered for its kind (:mod:`.registry`) with a
:class:`Reporter`, and records the result or the error. Two kinds of runner share this code:

- inline (``FIGTRAIL_TASK_MODE=inline``, the embedded default): a thread in each app server process,
  woken when that process submits and every few seconds otherwise;
- ``figtrail worker`` processes (``FIGTRAIL_TASK_MODE=worker``): app servers only queue.

A running task's row is touched every few seconds; one that stops being touched (its runner was killed)
goes back to the queue, up to ``MAX_ATTEMPTS`` claims, then fails saying why.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from figtrail.server.catalog.models import Workspace
from figtrail.server.tasks import registry
from figtrail.server.tasks.models import Task, TaskStatus
from figtrail.server.tasks.registry import TaskFailed, handler_for

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0  # how often a running task's row is touched; FIGTRAIL_TASK_ABANDONED_SECONDS
# (default 60) untouched means its runner is gone
MAX_ATTEMPTS = 3
POLL_SECONDS = 5.0  # an idle inline runner looks for work queued by other processes this often


class Reporter:
    """Saves a task's progress; writes only when it moved, so tight loops may call it freely."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.last = task.progress

    def __call__(self, fraction: float) -> None:
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"progress is a fraction from 0.0 to 1.0, got {fraction!r}")
        if abs(fraction - self.last) < 0.005:
            return
        self.last = fraction
        _save(self.task, progress=fraction)


def submit(kind: str, user, workspace: Workspace | None = None, payload: dict | None = None) -> Task:
    """Queue work of a registered ``kind``; it starts once the caller's transaction commits."""
    handler_for(kind)  # an unknown kind is a bug in the caller: fail here, not in a worker later
    task = Task.objects.create(kind=kind, created_by=user, workspace=workspace, payload=payload or {})
    if settings.FIGTRAIL_TASK_MODE == "inline":
        transaction.on_commit(inline_runner().wake)
    return task


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_next(claimant: str) -> Task | None:
    """The oldest queued task of a kind this process can run, now running and ours; None if there is none.

    Kinds without a handler here are left for a process that has one (during a rolling upgrade, an older
    worker must not fail tasks that only the newer code knows).
    """
    queued = Task.objects.filter(status=TaskStatus.QUEUED, kind__in=registry.kinds())
    while True:
        candidate = queued.order_by("created_on").values_list("pk", flat=True).first()
        if candidate is None:
            return None
        won = Task.objects.filter(pk=candidate, status=TaskStatus.QUEUED).update(
            status=TaskStatus.RUNNING,
            claimed_by=claimant,
            attempts=F("attempts") + 1,
            updated_on=timezone.now(),
        )
        if won:
            return Task.objects.select_related("created_by", "workspace").get(pk=candidate)
        # another runner took it between our read and our update: try the next one


def execute(task: Task) -> Task:
    """Run a claimed task's handler here, touching its row while it runs, and record how it ended."""
    beating = threading.Event()
    heart = threading.Thread(target=_heartbeat, args=(task.pk, beating), daemon=True)
    heart.start()
    try:
        result = handler_for(task.kind)(task, Reporter(task))
    except TaskFailed as exc:
        _save(task, status=TaskStatus.FAILED, error=str(exc))
    except Exception as exc:
        log.exception("task %s (%s) failed", task.pk, task.kind)
        _save(task, status=TaskStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        _save(task, status=TaskStatus.SUCCEEDED, progress=1.0, result=_jsonable(result))
    finally:
        beating.set()
        heart.join()
    return task


def run_pending(claimant: str, limit: int | None = None) -> int:
    """Claim and run queued tasks until the queue is empty (or ``limit`` ran); how many ran."""
    done = 0
    while limit is None or done < limit:
        close_old_connections()
        task = claim_next(claimant)
        if task is None:
            break
        execute(task)
        done += 1
    return done


def requeue_abandoned(now=None) -> int:
    """Put back tasks whose runner died (row untouched while running); fail those out of attempts."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.FIGTRAIL_TASK_ABANDONED_SECONDS)
    stale = Task.objects.filter(status=TaskStatus.RUNNING, updated_on__lt=cutoff)
    failed = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=TaskStatus.FAILED,
        error=f"the process running this task stopped {MAX_ATTEMPTS} times; not retrying",
        updated_on=timezone.now(),
    )
    requeued = stale.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=TaskStatus.QUEUED, claimed_by="", updated_on=timezone.now()
    )
    if failed or requeued:
        log.warning("tasks of stopped runners: %d queued again, %d failed", requeued, failed)
    return requeued + failed


class InlineRunner:
    """The embedded default's runner: one daemon thread per app server process, started on demand."""

    def __init__(self) -> None:
        self._wakeup = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def wake(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="figtrail-tasks", daemon=True)
                self._thread.start()
        self._wakeup.set()

    def _loop(self) -> None:
        claimant = runner_id()
        while True:
            self._wakeup.clear()
            try:
                requeue_abandoned()
                run_pending(claimant)
            except Exception:  # the database may be briefly away; the next round tries again
                log.exception("the inline task runner failed a round")
            finally:
                connection.close()
            self._wakeup.wait(POLL_SECONDS)


_inline: tuple[int, InlineRunner] | None = None  # (pid, runner): a forked child makes its own
_inline_lock = threading.Lock()


def inline_runner() -> InlineRunner:
    global _inline
    with _inline_lock:
        if _inline is None or _inline[0] != os.getpid():
            _inline = (os.getpid(), InlineRunner())
        return _inline[1]


def _heartbeat(task_pk, stop: threading.Event) -> None:
    try:
        while not stop.wait(HEARTBEAT_SECONDS):
            Task.objects.filter(pk=task_pk, status=TaskStatus.RUNNING).update(updated_on=timezone.now())
    finally:
        connection.close()


def _jsonable(result: Any) -> Any:
    return (
        result
        if result is None or isinstance(result, dict | list | str | int | float | bool)
        else str(result)
    )


def _save(task: Task, **changes: Any) -> None:
    changes["updated_on"] = timezone.now()
    for name, value in changes.items():
        setattr(task, name, value)
    Task.objects.filter(pk=task.pk).update(**changes)
