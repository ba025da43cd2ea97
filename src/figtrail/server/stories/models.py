"""A story: an ordered set of figure revisions with the words around them (titles, descriptions,
transitions), written by the AI provider and edited by people.

A slide points at one immutable revision. Revisions may still disappear (their figure is deleted), so
the reference is ``SET_NULL``: the slide keeps its words and says its figure is gone, rather than
blocking the deletion or vanishing from a story someone has already presented.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from figtrail.server.catalog.models import Analysis, Node, Revision, Workspace
from figtrail.server.tasks.models import Task

USER = settings.AUTH_USER_MODEL


class StoryStatus(models.TextChoices):
    DRAFT = "draft"  # made without generation, or edited by hand only
    GENERATING = "generating"  # a story.generate task is writing it
    READY = "ready"  # the provider wrote it
    FAILED = "failed"  # the last generation failed; ``note`` says why


class Story(Node, models.Model):
    kind = "story"
    noun = "story"
    parent_fields = ("workspace",)
    shareable = True  # its share covers the story (its slides' images), not the figures they come from

    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="stories")
    # the analysis the figures came from, when they came from one; informative, not a container
    analysis = models.ForeignKey(
        Analysis, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    title = models.CharField(max_length=500, blank=True, default="")
    summary = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=StoryStatus.choices, default=StoryStatus.DRAFT)
    provider = models.CharField(max_length=32, blank=True, default="")  # "offline", "openai", "bedrock"
    model = models.CharField(max_length=200, blank=True, default="")
    is_llm = models.BooleanField(default=False)  # False: not written by a language model
    note = models.TextField(blank=True, default="")  # what a reader should know: fallbacks, failures
    # the latest story.generate task, so that whoever opens a generating story can follow it
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_on = models.DateTimeField(default=timezone.now, db_index=True)
    updated_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_on = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_on"]
        verbose_name_plural = "stories"

    @property
    def name(self) -> str:
        """What the activity log and page titles call it."""
        return self.title or "Untitled story"


class StorySlide(models.Model):
    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="slides")
    position = models.PositiveIntegerField(default=0)
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.SET_NULL, related_name="story_slides"
    )
    title = models.CharField(max_length=500, blank=True, default="")
    description = models.TextField(blank=True, default="")
    transition = models.TextField(blank=True, default="")  # leads from this slide to the next

    class Meta:
        ordering = ["position"]

    @property
    def shown_revision(self) -> Revision | None:
        """The revision this slide shows, if any: a story shows only its own workspace's figures, to its
        own readers, so a revision that left that workspace since (its analysis or figure was moved) is
        shown as a deleted one would be: the slide keeps its words, loses its image and link."""
        revision = self.revision
        if revision is None or revision.figure.analysis.workspace_id != self.story.workspace_id:
            return None
        return revision
