"""``story/``: stories made from figure revisions, written by the AI provider in a background task.

Reading a story is LINK (its workspace's members, users it is shared with, anyone while its share link
is on); changing one needs CREATE on its workspace, like analyses. Slide pictures and exports are served
through the story, so a shared story shows its figures without sharing the figures themselves.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.declarations import LINK
from figtrail.server.access.models import UserShare
from figtrail.server.access.policy import Level
from figtrail.server.access.sharing import ShareableMixin
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.catalog.common import CatalogViewSet, is_shallow
from figtrail.server.ids import parse_uuid, uuid_or_400
from figtrail.server.payload_responses import payload_route
from figtrail.server.stories import editing, serializers
from figtrail.server.stories.downloads import download
from figtrail.server.stories.models import Story, StorySlide
from figtrail.server.stories.slide_images import slide_image_response
from figtrail.server.tasks.models import Task
from figtrail.server.tasks.views import TaskSerializer


class StoryViewSet(ShareableMixin, CatalogViewSet):
    model = Story
    serializer_class = serializers.StorySerializer
    share_target = "story"
    access = {"regenerate": Level.CREATE, "export": LINK, "slide_image": LINK}

    def get_queryset(self):
        return Story.objects.select_related("created_by", "updated_by").prefetch_related(
            "slides__revision__figure__analysis", "slides__revision__data"
        )

    def get_object(self, level: Level | None = None) -> Story:
        story = super().get_object(level)
        return self.get_queryset().get(pk=story.pk)

    def perform_content_negotiation(self, request, force: bool = False):
        """``?format=`` names the export's file format here, not a DRF renderer."""
        if self.action in ("export", "slide_image"):
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    def _data(self, story: Story) -> dict:
        return serializers.StorySerializer(story, context=self.get_serializer_context()).data

    @extend_schema(
        parameters=[
            OpenApiParameter("workspace", OpenApiTypes.UUID),
            OpenApiParameter("analysis", OpenApiTypes.UUID),
            OpenApiParameter("shallow", OpenApiTypes.BOOL),
        ]
    )
    def list(self, request, *args, **kwargs):
        stories = self.get_queryset().filter(self._readable())
        for field in ("workspace", "analysis"):
            if value := request.query_params.get(field):
                stories = stories.filter(**{field: uuid_or_400(value, field)})
        kind = serializers.ShallowStorySerializer if is_shallow(request) else serializers.StorySerializer
        return Response(kind(stories, many=True, context=self.get_serializer_context()).data)

    def _readable(self) -> Q:
        """Stories in workspaces the caller sees, and stories shared with them by name."""
        readable = Q(workspace__in=policy.visible_workspaces(self.actor))
        if self.actor.is_authenticated and self.actor.scope_workspace_id is None:
            shared = UserShare.objects.filter(target_type="story", user=self.actor.user)
            readable |= Q(pk__in=shared.values("target_id"))
        return readable

    @extend_schema(
        request=serializers.StoryCreateSerializer,
        responses={201: serializers.StorySerializer, 202: serializers.StorySerializer},
    )
    def create(self, request, *args, **kwargs):
        body = serializers.StoryCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        story = editing.create_story(self.actor, request.user, body.validated_data)
        if not body.validated_data["generate"]:
            return Response(self._data(story), status=status.HTTP_201_CREATED)
        return self._generating(story, editing.queue_writing(story, request.user))

    def _generating(self, story: Story, task: Task) -> Response:
        """Answer 202 with the story being written and its task."""
        story = self.get_queryset().get(pk=story.pk)
        body = {**self._data(story), "task": TaskSerializer(task).data}
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=serializers.StoryChangeSerializer)
    def update(self, request, *args, partial: bool = False, **kwargs):
        """PUT and PATCH alike: only what is given changes."""
        story = self.get_object(Level.CREATE)
        body = serializers.StoryChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        editing.check_not_generating(story)
        editing.change_story(self.actor, request.user, story, body.validated_data)
        return Response(self._data(self.get_queryset().get(pk=story.pk)))

    def destroy(self, request, *args, **kwargs):
        story = self.get_object(Level.CREATE)
        with transaction.atomic():
            activity.record(request.user, Action.DELETE, story)
            story.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=serializers.RegenerateSerializer, responses={202: serializers.StorySerializer})
    @action(detail=True, methods=["post"], url_path="regenerate")
    def regenerate(self, request, *args, **kwargs):
        """Write the story's words again (the title too with ``{"title": true}``)."""
        story = self.get_object(Level.CREATE)
        body = serializers.RegenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = editing.start_rewriting(story, request.user, new_title=body.validated_data["title"])
        return self._generating(story, task)

    @extend_schema(parameters=[serializers.ExportQuery], responses={(200, "application/octet-stream"): bytes})
    @payload_route
    @action(detail=True, methods=["get"], url_path="export")
    def export(self, request, *args, **kwargs):
        """``?format=pptx|docx``: the story as a PowerPoint deck or a Word document."""
        query = serializers.ExportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        fmt = query.validated_data["format"]
        return download(request, self.get_object(Level.VIEW), fmt)

    @extend_schema(parameters=[serializers.ImageQuery], responses={(200, "image/png"): bytes})
    @payload_route
    @action(detail=True, methods=["get"], url_path=r"slide/(?P<slide_id>[^/]+)/image")
    def slide_image(self, request, *args, slide_id: str, **kwargs):
        """The picture of one slide, for anyone who may read the story (``?size=`` for a thumbnail)."""
        story = self.get_object(Level.VIEW)
        query = serializers.ImageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        slide = StorySlide.objects.filter(story=story, pk=parse_uuid(slide_id)).first()
        if slide is None:
            raise NotFound(f"No slide {slide_id} in this story.")
        return slide_image_response(slide, query.validated_data.get("size"))
