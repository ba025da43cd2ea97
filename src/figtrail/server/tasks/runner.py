"""Background work on Django's Tasks framework with its database backend, so that ``task/<id>/`` tells the
truth wherever it runs.

Server code asks for work and answers at once::

    task = runner.submit("story.generate", user, workspace, payload={"story": str(story.pk)})

:func:`submit` enqueues the kind's framework task (:mod:`.registry`) on the ``django_tasks_db`` backend
(the queue is its ``DBTaskResult`` table, shared by every process on SQLite and PostgreSQL alike) and
writes figtrail's record of it (:class:`~figtrail.server.tasks.models.Task`) in the same transaction. A
runner claims the next ready row the framework's way (a row lock, ``select_for_update(skip_locked=True)``,
in an exclusive transaction on SQLite: one winner) and runs it with the framework worker's
``run_task``, which records the return value or the exception. Two kinds of runner share this code:

- inline (``FIGTRAIL_TASK_MODE=inline``, the embedded default): a thread in each app server process,
  woken when that process submits and every few seconds otherwise;
- ``figtrail worker`` processes (``FIGTRAIL_TASK_MODE=worker``): app servers only queue.

The framework's ``ImmediateBackend`` is not used for "inline": it runs the work inside the request that
asks for it (a Git import would hold the request for minutes) and keeps no row for ``task/`` to read.

What stays figtrail's here, because the framework has no such thing: the claim is limited to the kinds
this process knows (the framework's ``db_worker`` fails a task whose function it cannot import, which
would fail a newer kind on an older worker during a rolling upgrade), and a running task whose record
stopped being touched (its runner was killed) is made ready again, up to ``MAX_ATTEMPTS`` claims, then
fails saying why (:func:`requeue_abandoned`; the framework leaves it "running" for ever).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from figtrail.server.catalog.models import Workspace
from figtrail.server.tasks import registry
from figtrail.server.tasks.models import Task

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
POLL_SECONDS = 5.0  # an idle inline runner looks for work queued by other processes this often


def submit(kind: str, user, workspace: Workspace | None = None, payload: dict | None = None) -> Task:
    """Queue work of a registered ``kind`` with ``payload`` as its keyword arguments; it can start once
    the caller's transaction commits (the queue row is written in it)."""
    framework_task = registry.task_for(kind)  # an unknown kind is a bug in the caller: fail here
    with transaction.atomic():
        queued = framework_task.enqueue(**(payload or {}))
        task = Task.objects.create(
            api_id=queued.id, job=queued.db_result, kind=kind, created_by=user, workspace=workspace
        )
    if settings.FIGTRAIL_TASK_MODE == "inline":
        transaction.on_commit(inline_runner().wake)
    return task


def runner_id() -> str:
    """This process's name in the framework's ``worker_ids`` of the tasks it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"[-64:]  # the framework's limit on a worker id


def claim_next(claimant: str) -> DBTaskResult | None:
    """The next ready task of a kind this process can run, now running and ours; None if there is none.

    Kinds without a handler here are left for a process that has one (during a rolling upgrade, an older
    worker must not fail tasks that only the newer code knows).
    """
    ready = DBTaskResult.objects.ready().filter(
        backend_name=DEFAULT_TASK_BACKEND_ALIAS, task_path__in=registry.task_paths()
    )
    if not ready.exists():  # the common case, without taking SQLite's write lock
        return None
    for _ in range(10):
        try:
            with exclusive_transaction(ready.db):
                claimed = ready.get_locked()
                if claimed is not None:
                    claimed.claim(claimant)
                return claimed
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise
    return None


def run_pending(claimant: str, limit: int | None = None) -> int:
    """Claim and run ready tasks until there are none (or ``limit`` ran); how many ran."""
    worker = _worker(claimant)
    done = 0
    while limit is None or done < limit:
        close_old_connections()
        claimed = claim_next(claimant)
        if claimed is None:
            break
        worker.run_task(claimed)
        done += 1
    return done


def requeue_abandoned(now=None) -> int:
    """Make ready again the tasks whose runner died (running, figtrail's record untouched since before
    the cutoff); fail those claimed ``MAX_ATTEMPTS`` times. How many it changed.

    Kept in figtrail: the framework has no heartbeat, so it cannot tell a long task from a dead worker's.
    Each change is conditional on the row still being the same claim, so two processes sweeping at once,
    or a runner claiming the row again meanwhile, never make a task run twice.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.FIGTRAIL_TASK_ABANDONED_SECONDS)
    stale = Task.objects.select_related("job").filter(
        job__status=TaskResultStatus.RUNNING, job__started_at__lt=cutoff, updated_on__lt=cutoff
    )
    requeued = failed = 0
    for task in stale:
        same_claim = DBTaskResult.objects.filter(
            pk=task.job_id, status=TaskResultStatus.RUNNING, started_at=task.job.started_at
        )
        with transaction.atomic():
            if task.attempts >= MAX_ATTEMPTS:
                if same_claim.update(status=TaskResultStatus.FAILED, finished_at=now):
                    error = f"the process running this task stopped {MAX_ATTEMPTS} times; not retrying"
                    Task.objects.filter(pk=task.pk).update(error=error, updated_on=now)
                    failed += 1
            elif same_claim.update(status=TaskResultStatus.READY):
                Task.objects.filter(pk=task.pk).update(updated_on=now)
                requeued += 1
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


def _worker(claimant: str) -> Worker:
    """The framework's database worker, used for running one claimed task (``run_task``: the call, the
    task_started / task_finished signals, the outcome on the row); figtrail's loops do the claiming."""
    return Worker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME],
        interval=POLL_SECONDS,
        batch=False,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=claimant,
        excluded_queue_names=[],
    )
