"""The AI's background work: filling an AI comment reply ("ai.reply") and writing ``ai_title`` /
``ai_description`` ("ai.describe"). Both calls were admitted against the caller's limits by the request
that queued them; the handlers only do the work and settle the usage."""

from __future__ import annotations

from figtrail.server.insight import describe, replies
from figtrail.server.tasks.models import Task
from figtrail.server.tasks.registry import Reporter, background


@background(replies.KIND)
def ai_reply(task: Task, report: Reporter, *, comment: str, usage: int) -> dict:
    report(0.1)
    return replies.write_reply(comment, usage)


@background(describe.KIND)
def ai_describe(task: Task, report: Reporter, *, target: str, id: str, usage: int) -> dict:
    report(0.1)
    return describe.describe(target, id, usage)
