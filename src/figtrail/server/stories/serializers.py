"""What ``story/`` reads and writes.

A story answers with its slides in order; each slide names its revision (null once the revision was
deleted: the words stay), the figure it belongs to, a link to the revision's page and ``image_url``, the
slide's picture served through the story, so that whoever may read the story (a share link included)
sees its pictures without access to the figures themselves.
"""

from __future__ import annotations

from rest_framework import serializers

from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.catalog.common import Username
from figtrail.server.catalog.models import api_index
from figtrail.server.stories.images import image_format
from figtrail.server.stories.links import public_link
from figtrail.server.stories.models import Story, StorySlide
from figtrail.server.stories.selection import MAX_SLIDES

TEXT_LIMIT = 20_000  # a slide's description or a story's summary; prose, not a data dump


def api_prefix(request) -> str:
    return f"/api/{getattr(request, 'version', None) or 'v1.4.1'}/"


class SlideSerializer(ModelSerializer):
    revision = serializers.SerializerMethodField()
    figure = serializers.SerializerMethodField()
    figure_name = serializers.SerializerMethodField()
    revision_index = serializers.SerializerMethodField()
    revision_url = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    image_format = serializers.SerializerMethodField()

    class Meta:
        model = StorySlide
        fields = [
            "api_id",
            "position",
            "revision",
            "figure",
            "figure_name",
            "revision_index",
            "revision_url",
            "image_url",
            "image_format",
            "title",
            "description",
            "transition",
        ]
        read_only_fields = fields

    def get_revision(self, slide: StorySlide) -> str | None:
        shown = slide.shown_revision
        return str(shown.pk) if shown else None

    def get_figure(self, slide: StorySlide) -> str | None:
        shown = slide.shown_revision
        return str(shown.figure_id) if shown else None

    def get_figure_name(self, slide: StorySlide) -> str | None:
        shown = slide.shown_revision
        return shown.figure.name if shown else None

    def get_revision_index(self, slide: StorySlide) -> int | None:
        shown = slide.shown_revision
        return api_index(shown.revision_index) if shown else None

    def get_revision_url(self, slide: StorySlide) -> str | None:
        shown = slide.shown_revision
        return public_link(self.context["request"], shown) if shown else None

    def get_image_format(self, slide: StorySlide) -> str | None:
        return image_format(slide.shown_revision)

    def get_image_url(self, slide: StorySlide) -> str | None:
        if image_format(slide.shown_revision) is None:
            return None
        prefix = api_prefix(self.context["request"])
        return f"{prefix}story/{slide.story_id}/slide/{slide.pk}/image/"


class StorySerializer(ModelSerializer):
    created_by = Username("created_by")
    updated_by = Username("updated_by")
    slides = SlideSerializer(many=True, read_only=True)

    class Meta:
        model = Story
        fields = [
            "api_id",
            "workspace",
            "analysis",
            "title",
            "summary",
            "status",
            "provider",
            "model",
            "is_llm",
            "note",
            "task",
            "created_by",
            "created_on",
            "updated_by",
            "updated_on",
            "slides",
        ]
        read_only_fields = fields


class ShallowStorySerializer(StorySerializer):
    slide_count = serializers.IntegerField(source="slides.count", read_only=True)

    class Meta(StorySerializer.Meta):
        fields = [*(f for f in StorySerializer.Meta.fields if f != "slides"), "slide_count"]
        read_only_fields = fields


class IdList(serializers.ListField):
    def __init__(self, **kwargs) -> None:
        super().__init__(child=serializers.CharField(max_length=100), max_length=MAX_SLIDES, **kwargs)


class StoryCreateSerializer(serializers.Serializer):
    """``POST story/``: where the story lives (a workspace, or the analysis its figures come from) and
    which figures it shows (``revision_ids``, ``figure_ids``: a figure means its latest revision)."""

    workspace = serializers.UUIDField(required=False, allow_null=True)
    analysis = serializers.UUIDField(required=False, allow_null=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    revision_ids = IdList(required=False)
    figure_ids = IdList(required=False)
    generate = serializers.BooleanField(default=True)


class SlideChangeSerializer(serializers.Serializer):
    """One slide in ``PATCH story/<id>/``: an existing one by ``api_id``, or a new one by ``revision``."""

    api_id = serializers.UUIDField(required=False)
    revision = serializers.CharField(required=False, max_length=100)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    description = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    transition = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)


class StoryChangeSerializer(serializers.Serializer):
    """``PATCH story/<id>/``. ``slides``, when given, is the whole new list in order: slides left out are
    removed, new ones added, and each one's words replaced by what is given."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    slides = serializers.ListField(child=SlideChangeSerializer(), required=False, max_length=MAX_SLIDES)


class RegenerateSerializer(serializers.Serializer):
    """``POST story/<id>/regenerate/``: ``title: true`` lets the provider write a new title too."""

    title = serializers.BooleanField(default=False)


class ExportQuery(serializers.Serializer):
    format = serializers.ChoiceField(choices=["pptx", "docx"])


class ImageQuery(serializers.Serializer):
    size = serializers.IntegerField(required=False, min_value=16, max_value=2048)
