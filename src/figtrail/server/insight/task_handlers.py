"""The AI's background work: filling an AI comment reply ("ai.reply") and writing ``ai_title`` /
``ai_description`` ("ai.describe"). Both calls were admitted against the caller's limits by the request
that queued them; the handlers only do the work and settle the usage."""

from __future__ import annotations

from figtrail.server.insight import describe, replies
from figtrail.server.tasks.models import Task
from figtrail.server.tasks.registry import task_handler
from figtrail.server.tasks.runner import Reporter


@task_handler(replies.KIND)
def ai_reply(task: Task, report: Reporter) -> dict:
    report(0.1)
    return replies.write_reply(task.payload["comment"], task.payload["usage"])


@task_handler(describe.KIND)
def ai_describe(task: Task, report: Reporter) -> dict:
    report(0.1)
    return describe.describe(task.payload["target"], task.payload["id"], task.payload["usage"])
