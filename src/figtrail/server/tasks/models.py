"""figtrail's record of a piece of background work, beside the queue row of Django's Tasks framework.

The queue itself is the framework's (``django_tasks_db``'s ``DBTaskResult``: what to run, its arguments,
its status, the workers that claimed it, its return value). The framework has no notion of who asked for
the work, how far it got, or a sentence the user can read when it fails, and no heartbeat; this row keeps
those, one per queue row (same id), so that ``task/<id>/`` can check ownership and report progress.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from figtrail.server.catalog.models import Workspace

PAYLOAD = "job__args_kwargs__kwargs"  # the lookup of a task's payload (the keyword arguments it runs with)


class TaskStatus(models.TextChoices):
    """The statuses the API has always answered (official clients and the web UI read them)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FRAMEWORK_STATUS = {
    TaskStatus.QUEUED: TaskResultStatus.READY,
    TaskStatus.RUNNING: TaskResultStatus.RUNNING,
    TaskStatus.SUCCEEDED: TaskResultStatus.SUCCESSFUL,
    TaskStatus.FAILED: TaskResultStatus.FAILED,
}
OUR_STATUS = {framework: ours for ours, framework in FRAMEWORK_STATUS.items()}


class TaskQuerySet(models.QuerySet["Task"]):
    def with_status(self, status: str) -> TaskQuerySet:
        return self.filter(job__status=FRAMEWORK_STATUS[TaskStatus(status)])


class Task(models.Model):
    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)  # the same id as ``job``'s
    # The framework's queue row; pruning it (``prune_db_task_results``) deletes this record with it.
    job = models.OneToOneField(DBTaskResult, on_delete=models.CASCADE, related_name="figtrail_task")
    kind = models.CharField(max_length=64)  # what the work is, e.g. "import.git" (tasks.registry)
    progress = models.FloatField(default=0.0)  # 0.0 to 1.0
    error = models.TextField(null=True, blank=True)  # why it failed, as the user should read it
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_on = models.DateTimeField(default=timezone.now, db_index=True)
    # Touched every few seconds while the task runs (the heartbeat): see runner.requeue_abandoned.
    updated_on = models.DateTimeField(default=timezone.now)
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["-created_on"]
        indexes = [models.Index(fields=["created_by", "-created_on"])]

    @property
    def status(self) -> str:
        return OUR_STATUS[TaskResultStatus(self.job.status)].value

    @property
    def result(self):
        """What the handler returned, once the task succeeded."""
        return self.job.return_value if self.job.status == TaskResultStatus.SUCCESSFUL else None

    @property
    def payload(self) -> dict:
        """The keyword arguments the handler runs with (never secrets in clear: the owner reads tasks)."""
        return self.job.args_kwargs["kwargs"]

    @property
    def attempts(self) -> int:
        """How many times a runner claimed it (a task whose runner died is claimed again)."""
        return len(self.job.worker_ids)
