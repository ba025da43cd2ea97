"""Sharing of single objects, outside workspace membership."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class ShareTarget(models.TextChoices):
    ANALYSIS = "analysis"
    FIGURE = "figure"
    REVISION = "revision"
    ASSET = "asset"
    ASSET_REVISION = "asset_revision"
    STORY = "story"


def new_link_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


class LinkShare(models.Model):
    """Read-only access to one object and its descendants for anyone who has the link."""

    target_type = models.CharField(max_length=32, choices=ShareTarget.choices)
    target_id = models.UUIDField()
    enabled = models.BooleanField(default=True)
    token = models.CharField(max_length=64, unique=True, default=new_link_token)
    expiry = models.DateTimeField(null=True, blank=True)
    # whoever reads only through links gets no environment (catalog/environment.py; who: policy)
    hide_environment = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_on = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target_type", "target_id"], name="one_link_per_object")
        ]

    def is_active(self) -> bool:
        return self.enabled and (self.expiry is None or self.expiry > timezone.now())


class UserShare(models.Model):
    """Read-only access to one object and its descendants for one user who is not a member."""

    target_type = models.CharField(max_length=32, choices=ShareTarget.choices)
    target_id = models.UUIDField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target_type", "target_id", "user"], name="one_share_per_user")
        ]
