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
    workspace_id = models.UUIDField(null=True, db_index=True)
    organization_id = models.UUIDField(null=True, db_index=True)
    analysis_id = models.UUIDField(null=True, db_index=True)
    analysis_name = models.CharField(max_length=1000, null=True)
    deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-timestamp"]
