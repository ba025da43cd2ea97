"""Which function does which kind of background work, as tasks of Django's Tasks framework, and how one runs.

A handler is registered by kind in its app's ``task_handlers`` module, which Django imports at start-up
(:meth:`figtrail.server.tasks.apps.TasksConfig.ready`), so an app server and a ``figtrail worker``
process know the same kinds without a hand-kept list::

    @background("story.generate")
    def generate_story(task: Task, report: Reporter, *, story: str) -> dict: ...

:func:`background` makes the handler a framework task (``django_tasks.task``), found again by a worker
through its module path as the framework does; the payload given to ``runner.submit`` becomes the task's
keyword arguments. figtrail's kind names (``task/``'s ``kind``) are kept beside it
because the API has always shown them, and because a runner claims only the kinds it knows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tasks import TaskContext, task
from django_tasks.base import Task as FrameworkTask

from figtrail.server.tasks.models import Task

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0  # how often a running task's record is touched; FIGTRAIL_TASK_ABANDONED_SECONDS
# (default 60) untouched means its runner is gone (runner.requeue_abandoned)

Handler = Callable[..., Any]  # (task: Task, report: Reporter, **payload) -> a JSON-able result

_tasks: dict[str, FrameworkTask] = {}


class TaskFailed(Exception):
    """Raised by a handler for a failure the user should read as is (no exception class name)."""


def background(kind: str) -> Callable[[Handler], FrameworkTask]:
    """Register ``handler`` as the framework task that does ``kind``; the module attribute becomes the
    framework's ``Task`` (call ``.call(...)`` or enqueue it through ``runner.submit``)."""

    def register(handler: Handler) -> FrameworkTask:
        def run(context: TaskContext, **payload: Any) -> Any:
            return execute(handler, context, payload)

        # the framework finds the task again by "module.qualname": the handler's, now bound to the Task
        for name in ("__module__", "__qualname__", "__name__", "__doc__"):  # not __wrapped__: the framework
            setattr(run, name, getattr(handler, name))  # checks that the first argument is "context"
        framework_task = task(takes_context=True)(run)
        known = _tasks.get(kind)
        if known is not None and known.module_path != framework_task.module_path:
            raise ValueError(
                f"two handlers for task kind {kind!r}: {known.module_path} and {framework_task.module_path}"
            )
        _tasks[kind] = framework_task
        return framework_task

    return register


def task_for(kind: str) -> FrameworkTask:
    try:
        return _tasks[kind]
    except KeyError:
        raise TaskFailed(f"this server has no handler for tasks of kind {kind!r}") from None


def kinds() -> list[str]:
    return sorted(_tasks)


def task_paths() -> list[str]:
    """The framework's names (module paths) of every task this process can run."""
    return sorted(t.module_path for t in _tasks.values())


class Reporter:
    """Saves a task's progress; writes only when it moved, so tight loops may call it freely.

    Kept in figtrail: the framework's task results have no progress.
    """

    def __init__(self, task: Task) -> None:
        self.task = task
        self.last = task.progress

    def __call__(self, fraction: float) -> None:
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"progress is a fraction from 0.0 to 1.0, got {fraction!r}")
        if abs(fraction - self.last) < 0.005:
            return
        self.last = fraction
        save(self.task, progress=fraction)


def execute(handler: Handler, context: TaskContext, payload: dict) -> Any:
    """Run ``handler`` inside the framework's call of its task: with figtrail's record of the task, a
    :class:`Reporter`, and a heartbeat on the record while it runs.

    The framework records the outcome on its row (status, return value, exception class and traceback);
    figtrail adds what the user reads: the error as a sentence (a :class:`TaskFailed` message as written,
    otherwise the exception's class and message) and the progress. The heartbeat is figtrail's because the
    framework has none: a worker that dies mid-task leaves its row "running" for ever
    (runner.requeue_abandoned puts such tasks back).
    """
    record = Task.objects.select_related("created_by", "workspace", "job").get(job_id=context.task_result.id)
    beating = threading.Event()
    heart = threading.Thread(target=_heartbeat, args=(record.pk, beating), daemon=True)
    heart.start()
    try:
        result = handler(record, Reporter(record), **payload)
    except TaskFailed as exc:
        save(record, error=str(exc))
        raise
    except Exception as exc:
        log.exception("task %s (%s) failed", record.pk, record.kind)
        save(record, error=f"{type(exc).__name__}: {exc}")
        raise
    else:
        save(record, progress=1.0, error=None)
        return _jsonable(result)
    finally:
        beating.set()
        heart.join()


def save(task: Task, **changes: Any) -> None:
    """Write ``changes`` to figtrail's record of ``task`` (and to the instance), touching ``updated_on``."""
    changes["updated_on"] = timezone.now()
    for name, value in changes.items():
        setattr(task, name, value)
    Task.objects.filter(pk=task.pk).update(**changes)


def _heartbeat(task_pk, stop: threading.Event) -> None:
    try:
        while not stop.wait(HEARTBEAT_SECONDS):
            Task.objects.filter(pk=task_pk).update(updated_on=timezone.now())
    finally:
        connection.close()


def _jsonable(result: Any) -> Any:
    return (
        result
        if result is None or isinstance(result, dict | list | str | int | float | bool)
        else str(result)
    )


def forget_payload(task: Task, *names: str) -> None:
    """Drop ``names`` from the payload on the task's queue row (e.g. a secret needed only while it ran)."""
    job = task.job
    kwargs = job.args_kwargs.get("kwargs") or {}
    if any(name in kwargs for name in names):
        job.args_kwargs = {**job.args_kwargs, "kwargs": {k: v for k, v in kwargs.items() if k not in names}}
        job.save(update_fields=["args_kwargs"])
