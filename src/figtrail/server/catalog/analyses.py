"""``analysis/``: a notebook, script or document; it holds figures."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from rest_framework import serializers
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.access.sharing import ShareableMixin
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.catalog import tree
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


def move_scoped_assets(analysis: Analysis, target: Workspace) -> None:
    """Assets scoped to a moving analysis go with it; their bytes are not in its size, so move them too."""
    assets = analysis.assets.all()
    moved = assets.aggregate(total=Sum("size_bytes"))["total"] or 0
    tree.adjust_size(Workspace(pk=analysis.workspace_id), -moved, include_self=True)
    tree.adjust_size(Workspace(pk=target.pk), moved, include_self=True)
    assets.update(workspace=target)


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
        workspace = serializer.validated_data["workspace"]
        policy.check_workspace(self.actor, workspace, Level.CREATE)
        with transaction.atomic():
            analysis = serializer.save(created_by=request.user)
            tree.touch_ancestors(analysis, request.user, analysis.created_on)
            activity.record(request.user, Action.CREATE, analysis)
        return self.created(analysis)

    def check_update(self, analysis: Analysis, data: dict) -> None:
        target = data.get("workspace")
        if target is not None and target.pk != analysis.workspace_id:
            policy.check_workspace(self.actor, target, Level.CREATE)
            tree.move_sizes(analysis, Workspace(pk=analysis.workspace_id), Workspace(pk=target.pk))
            move_scoped_assets(analysis, target)
            activity.record(self.request.user, Action.MOVE, analysis)


__all__ = ["AnalysisViewSet"]
