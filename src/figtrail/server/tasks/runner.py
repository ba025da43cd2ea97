"""Running background work as a task: the calls server code makes so that ``task/<id>/`` tells the truth.

    task = runner.queue("import.git", user, workspace)
    runner.run_in_background(task, lambda report: do_import(..., report))

The work gets a :class:`Reporter` and calls ``report(0.4)`` as it goes; what it returns (JSON-able)
becomes the task's ``result``, and an exception it raises marks the task failed with its message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connection
from django.utils import timezone

from figtrail.server.catalog.models import Workspace
from figtrail.server.tasks.models import Task, TaskStatus

log = logging.getLogger(__name__)

Work = Callable[["Reporter"], Any]


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


def queue(kind: str, user, workspace: Workspace | None = None) -> Task:
    """A new task, waiting to run: create it before answering the request that asked for the work."""
    return Task.objects.create(kind=kind, created_by=user, workspace=workspace)


def run(task: Task, work: Work) -> Task:
    """Run ``work`` now, in this thread, recording running, then succeeded or failed."""
    _save(task, status=TaskStatus.RUNNING)
    try:
        result = work(Reporter(task))
    except Exception as exc:
        log.exception("task %s (%s) failed", task.pk, task.kind)
        _save(task, status=TaskStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        _save(task, status=TaskStatus.SUCCEEDED, progress=1.0, result=result)
    return task


def run_in_background(task: Task, work: Work) -> threading.Thread:
    """Run ``work`` in a daemon thread of this server process, with its own database connection."""

    def target() -> None:
        close_old_connections()
        try:
            run(task, work)
        finally:
            connection.close()

    thread = threading.Thread(target=target, name=f"task-{task.pk}", daemon=True)
    thread.start()
    return thread


def _save(task: Task, **changes: Any) -> None:
    changes["updated_on"] = timezone.now()
    for name, value in changes.items():
        setattr(task, name, value)
    Task.objects.filter(pk=task.pk).update(**changes)
