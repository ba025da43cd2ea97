"""The catalog's background work: assigning a revision to its figure ("revision.auto_assign"), reading
the pictures of a workspace's revisions ("revision.read_pictures": perceptual hashes, OCR text) and
indexing the code stored before the code search's index existed ("revision.index_code")."""

from __future__ import annotations

from figtrail.server.catalog import auto_assign, code_search, similar
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


@background(code_search.KIND)
def index_code(task: Task, report: Reporter, *, workspace: str) -> dict:
    report(0.1)
    return code_search.index_code(task, workspace)
