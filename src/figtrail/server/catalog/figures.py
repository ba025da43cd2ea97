"""``figure/``: a named visualisation whose revisions record how it changed."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.sharing import ShareableMixin
from figtrail.server.catalog import changes, environment
from figtrail.server.catalog.common import CONTAINER_FIELDS, CatalogViewSet, ContainerSerializer
from figtrail.server.catalog.figure_summaries import figure_summaries
from figtrail.server.catalog.models import Analysis, Figure, Revision
from figtrail.server.catalog.revision_summaries import revision_summaries
from figtrail.server.catalog.staleness import stale_links
from figtrail.server.catalog.thumbnails import ThumbnailMixin


class StaleList(serializers.ListSerializer):
    """A list of figures (a nested ``figures`` too) asks ``staleness`` once for all of them."""

    def to_representation(self, data):
        figures = list(data.all() if hasattr(data, "all") else data)
        self.stale = stale_links([figure.pk for figure in figures])
        return super().to_representation(figures)


class StaleMixin(serializers.Serializer):
    """``stale``: the data files the figure's latest revision used in an older version than the newest
    (``[]`` when up to date); in a list, found for all its figures at once (``StaleList``)."""

    stale = serializers.SerializerMethodField()

    def get_stale(self, figure: Figure) -> list[dict]:
        found = getattr(self.parent, "stale", None)
        if found is None:
            found = stale_links([figure.pk])
        return [behind.as_json() for behind in found.get(figure.pk, [])]


class FigureSummarySerializer(StaleMixin, ContainerSerializer):
    class Meta:
        model = Figure
        fields = [*CONTAINER_FIELDS, "analysis", "stale"]
        read_only_fields = ContainerSerializer.Meta.read_only_fields
        list_serializer_class = StaleList


class FigureSerializer(StaleMixin, ContainerSerializer):
    analysis = serializers.PrimaryKeyRelatedField(queryset=Analysis.objects.all())
    revisions = serializers.SerializerMethodField()

    class Meta:
        model = Figure
        fields = [*CONTAINER_FIELDS, "analysis", "ai_title", "ai_description", "stale", "revisions"]
        read_only_fields = [*ContainerSerializer.Meta.read_only_fields, "ai_title", "ai_description"]

    def get_revisions(self, figure: Figure) -> list[dict]:
        return revision_summaries(Revision.objects.filter(figure=figure))


class FigureViewSet(ShareableMixin, ThumbnailMixin, CatalogViewSet):
    model = Figure
    serializer_class = FigureSerializer
    share_target = "figure"

    def shown(self, obj: Figure, payload: dict) -> dict:
        """A figure's revisions without the environment when the figure is read without it (a revision
        with a link of its own that shows it still does, at ``revision/<id>/``)."""
        if not policy.environment_hidden(self.actor, obj):
            return payload
        revisions = [
            {**summary, "metadata": environment.without_environment(summary.get("metadata"))}
            for summary in payload.get("revisions", [])
        ]
        return {**payload, "revisions": revisions}

    def list(self, request, *args, **kwargs):
        figures = Figure.objects.filter(analysis__workspace__in=policy.visible_workspaces(self.actor))
        if analysis_id := request.query_params.get("analysis"):
            figures = figures.filter(analysis_id=analysis_id)
        wanted = request.query_params.get("stale")
        if wanted is not None and wanted not in ("true", "false"):
            raise ValidationError({"stale": ["Use stale=true (the stale figures) or stale=false."]})
        stale = stale_links(figures.values_list("pk", flat=True))  # once: for the filter and the answer
        if wanted is not None:
            figures = (
                figures.filter(pk__in=list(stale))
                if wanted == "true"
                else figures.exclude(pk__in=list(stale))
            )
        return Response(figure_summaries(figures, stale))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.created(changes.create_figure(self.actor, request.user, serializer.validated_data))
