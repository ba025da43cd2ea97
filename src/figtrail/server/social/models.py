"""Comments and their reactions.

A comment points at its object through one foreign key per kind of target rather than a generic
(type, id) pair: the database then deletes a figure's comments with the figure, and the workspace
search can join from comments to workspaces.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from figtrail.server.catalog.models import Asset, AssetRevision, Figure, Revision

USER = settings.AUTH_USER_MODEL


class TargetType(models.TextChoices):
    ASSET = "asset"
    ASSET_REVISION = "asset_revision"
    FIGURE = "figure"
    FIGURE_REVISION = "figure_revision"


# target type -> the foreign key on Comment that holds it
TARGET_FIELDS = {
    TargetType.ASSET: "asset",
    TargetType.ASSET_REVISION: "asset_revision",
    TargetType.FIGURE: "figure",
    TargetType.FIGURE_REVISION: "revision",
}


class Comment(models.Model):
    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    target_type = models.CharField(max_length=32, choices=TargetType.choices)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    asset_revision = models.ForeignKey(
        AssetRevision, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    figure = models.ForeignKey(
        Figure, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    # a reply without the comment it answers has no context: replies go with their parent
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    content = models.TextField()
    created_on = models.DateTimeField(default=timezone.now, db_index=True)
    updated_on = models.DateTimeField(null=True)
    is_edited = models.BooleanField(default=False)
    # written by the AI provider for ``author`` (who asked for it: ``comment/<id>/ai_reply/``); its content
    # is empty until the "ai.reply" task has filled it
    is_ai = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_on"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(target_type="asset", asset__isnull=False)
                    | models.Q(target_type="asset_revision", asset_revision__isnull=False)
                    | models.Q(target_type="figure", figure__isnull=False)
                    | models.Q(target_type="figure_revision", revision__isnull=False)
                ),
                name="comment_target_matches_type",
            )
        ]

    @property
    def target(self) -> models.Model:
        return getattr(self, TARGET_FIELDS[self.target_type])

    @property
    def target_id(self) -> uuid.UUID:
        return getattr(self, f"{TARGET_FIELDS[self.target_type]}_id")


class Reaction(models.Model):
    """One user's emoji on one comment; a user gives each emoji at most once per comment."""

    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=64)
    created_on = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "user", "emoji"], name="one_reaction_per_user_and_emoji"
            )
        ]
