"""One row per piece of background work, so that a client can poll how far it got and what came of it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from figtrail.server.catalog.models import Workspace


class TaskStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINISHED = (TaskStatus.SUCCEEDED, TaskStatus.FAILED)


class Task(models.Model):
    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    kind = models.CharField(max_length=64)  # what the work is, e.g. "import.git"; chosen by its runner
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.QUEUED)
    progress = models.FloatField(default=0.0)  # 0.0 to 1.0
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_on = models.DateTimeField(default=timezone.now, db_index=True)
    updated_on = models.DateTimeField(default=timezone.now)
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    # What the handler of ``kind`` needs to do the work (ids, options): the queue row is all a worker
    # process gets, so everything must be in it. Never secrets: tasks are readable by their owner.
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0
    )  # claims so far; a crashed worker's task is retried
    claimed_by = models.CharField(max_length=200, blank=True, default="")  # "host:pid" of the runner

    class Meta:
        ordering = ["-created_on"]
        indexes = [
            models.Index(fields=["created_by", "-created_on"]),
            models.Index(fields=["status", "created_on"], name="task_queue_order"),
        ]
