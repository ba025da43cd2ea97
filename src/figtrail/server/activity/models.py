"""One row per event. Rows outlive the objects they describe, so names are copied, not referenced."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    VIEW = "view"
    MOVE = "move"


class LogEntry(models.Model):
    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    target_type = models.CharField(max_length=32)
    target_id = models.UUIDField()
    target_name = models.CharField(max_length=1000, null=True)
    workspace_id = models.UUIDField(null=True)  # indexed with the time (Meta.indexes), as logs are read
    organization_id = models.UUIDField(null=True)
    analysis_id = models.UUIDField(null=True)
    analysis_name = models.CharField(max_length=1000, null=True)
    deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-timestamp"]
        # A log is read newest first within one workspace, analysis or organization (``log/``, the
        # dashboard's recent activity): an index on (scope, time) finds the newest entries at once,
        # where one on the scope alone sorts all its entries first (135 ms at 100,000, SQLite).
        indexes = [
            models.Index(fields=["workspace_id", "-timestamp"], name="log_workspace_newest"),
            models.Index(fields=["analysis_id", "-timestamp"], name="log_analysis_newest"),
            models.Index(fields=["organization_id", "-timestamp"], name="log_organization_newest"),
        ]
