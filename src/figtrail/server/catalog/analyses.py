"""``analysis/``: a notebook, script or document; it holds figures."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.sharing import ShareableMixin
from figtrail.server.catalog import changes
from figtrail.server.catalog.common import CONTAINER_FIELDS, CatalogViewSet, ContainerSerializer, LogsMixin
from figtrail.server.catalog.figures import FigureSummarySerializer
from figtrail.server.catalog.models import Analysis, Workspace
from figtrail.server.catalog.thumbnails import ThumbnailMixin


class AnalysisSerializer(ContainerSerializer):
    workspace = serializers.PrimaryKeyRelatedField(queryset=Workspace.objects.all())
    figures = FigureSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Analysis
        fields = [*CONTAINER_FIELDS, "workspace", "figures"]
        read_only_fields = ContainerSerializer.Meta.read_only_fields


class AnalysisViewSet(ShareableMixin, ThumbnailMixin, LogsMixin, CatalogViewSet):
    model = Analysis
    serializer_class = AnalysisSerializer
    share_target = "analysis"
    log_filter_field = "analysis_id"

    def list(self, request, *args, **kwargs):
        analyses = Analysis.objects.filter(workspace__in=policy.visible_workspaces(self.actor))
        if workspace_id := request.query_params.get("workspace"):
            analyses = analyses.filter(workspace_id=workspace_id)
        return Response(AnalysisSerializer(analyses.prefetch_related("figures"), many=True).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.created(changes.create_analysis(self.actor, request.user, serializer.validated_data))


__all__ = ["AnalysisViewSet"]
