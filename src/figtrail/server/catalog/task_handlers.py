"""The catalog's background work: assigning a revision to its figure ("revision.auto_assign") and reading
the pictures of a workspace's revisions ("revision.read_pictures": perceptual hashes, OCR text)."""

from __future__ import annotations

from figtrail.server.catalog import auto_assign, similar
from figtrail.server.tasks.models import Task
from figtrail.server.tasks.registry import Reporter, background


@background(auto_assign.KIND)
def assign_revision(task: Task, report: Reporter, *, revision: str) -> dict:
    report(0.1)
    return auto_assign.assign(revision)


@background(similar.KIND)
def read_pictures(task: Task, report: Reporter, *, workspace: str) -> dict:
    report(0.1)
    return similar.read_pictures(task, workspace)
