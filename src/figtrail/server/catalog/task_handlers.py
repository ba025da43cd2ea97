"""The catalog's background work: assigning a revision to its figure ("revision.auto_assign")."""

from __future__ import annotations

from figtrail.server.catalog import auto_assign
from figtrail.server.tasks.models import Task
from figtrail.server.tasks.registry import Reporter, background


@background(auto_assign.KIND)
def assign_revision(task: Task, report: Reporter, *, revision: str) -> dict:
    report(0.1)
    return auto_assign.assign(revision)
