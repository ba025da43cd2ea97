"""One row per AI call, kept in the database: it is both the usage report and what rate limits and monthly
quotas count, so that every app server and worker process sees the same numbers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from figtrail.server.catalog.models import Workspace


class AIUsage(models.Model):
    """A call admitted for ``user``. Written when the call is admitted (so that concurrent requests count
    against the limits at once) and completed with the token counts when the provider has answered."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=32)  # figtrail.ai.Purpose
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=200, blank=True, default="")
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    failed = models.BooleanField(default=False)  # the provider failed: counts for the rate, not the quota
    created_on = models.DateTimeField(default=timezone.now, db_index=True)
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_on"]
        indexes = [models.Index(fields=["user", "created_on"], name="ai_usage_by_user")]
