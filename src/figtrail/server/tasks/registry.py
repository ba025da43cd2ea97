"""Which function does which kind of background work.

A handler is registered by kind in its app's ``task_handlers`` module, which Django imports at start-up
(:meth:`figtrail.server.tasks.apps.TasksConfig.ready`), so an app server and a ``figtrail worker``
process know the same kinds without a hand-kept list::

    @task_handler("story.generate")
    def generate_story(task: Task, report: Reporter) -> dict: ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from figtrail.server.tasks.models import Task
    from figtrail.server.tasks.runner import Reporter

Handler = Callable[["Task", "Reporter"], Any]

_handlers: dict[str, Handler] = {}


class TaskFailed(Exception):
    """Raised by a handler for a failure the user should read as is (no exception class name)."""


def task_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        known = _handlers.get(kind)
        if known is not None and known is not handler:
            raise ValueError(
                f"two handlers for task kind {kind!r}: {known.__module__} and {handler.__module__}"
            )
        _handlers[kind] = handler
        return handler

    return register


def handler_for(kind: str) -> Handler:
    try:
        return _handlers[kind]
    except KeyError:
        raise TaskFailed(f"this server has no handler for tasks of kind {kind!r}") from None


def kinds() -> list[str]:
    return sorted(_handlers)
