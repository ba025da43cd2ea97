"""``asset/``: a tracked data file; its revisions are content-hashed versions of it."""

from __future__ import annotations

from django.db import transaction
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.access.policy import Level
from figtrail.server.access.sharing import ShareableMixin
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.catalog import environment, tree
from figtrail.server.catalog.asset_revisions import AssetRevisionSerializer
from figtrail.server.catalog.common import CONTAINER_FIELDS, CatalogViewSet, ContainerSerializer
from figtrail.server.catalog.models import Analysis, Asset, Workspace
from figtrail.server.catalog.thumbnails import ThumbnailMixin


class AssetSerializer(ContainerSerializer):
    workspace = serializers.PrimaryKeyRelatedField(queryset=Workspace.objects.all())
    analysis = serializers.PrimaryKeyRelatedField(
        queryset=Analysis.objects.all(), allow_null=True, required=False
    )
    revisions = AssetRevisionSerializer(many=True, read_only=True)

    class Meta:
        model = Asset
        fields = [*CONTAINER_FIELDS, "workspace", "analysis", "revisions"]
        read_only_fields = ContainerSerializer.Meta.read_only_fields

    def validate(self, attrs: dict) -> dict:
        workspace = attrs.get("workspace", getattr(self.instance, "workspace", None))
        analysis = attrs.get("analysis", getattr(self.instance, "analysis", None))
        if analysis is not None and workspace is not None and analysis.workspace_id != workspace.pk:
            raise ValidationError({"analysis": ["The analysis must be in the asset's workspace."]})
        return attrs


class FindByNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    analysis = serializers.UUIDField(required=False, allow_null=True)


def _with_details(assets):
    return assets.select_related("created_by", "updated_by", "child_updated_by").prefetch_related(
        "revisions__data", "revisions__figure_links", "revisions__created_by"
    )


class AssetViewSet(ShareableMixin, ThumbnailMixin, CatalogViewSet):
    model = Asset
    serializer_class = AssetSerializer
    share_target = "asset"
    access = {"find_by_name": SIGNED_IN}  # finds only in policy.visible_workspaces

    def shown(self, obj: Asset, payload: dict) -> dict:
        if not policy.environment_hidden(self.actor, obj):
            return payload
        revisions = [environment.payload_without_environment(rev) for rev in payload.get("revisions", [])]
        return {**payload, "revisions": revisions}

    def list(self, request, *args, **kwargs):
        assets = Asset.objects.filter(workspace__in=policy.visible_workspaces(self.actor))
        if workspace_id := request.query_params.get("workspace"):
            assets = assets.filter(workspace_id=workspace_id)
        return Response(AssetSerializer(_with_details(assets), many=True).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy.check_workspace(self.actor, serializer.validated_data["workspace"], Level.CREATE)
        with transaction.atomic():
            asset = serializer.save(created_by=request.user)
            tree.touch_ancestors(asset, request.user, asset.created_on)
            activity.record(request.user, Action.CREATE, asset)
        return self.created(asset)

    def check_update(self, asset: Asset, data: dict) -> None:
        target = data.get("workspace")
        if target is not None and target.pk != asset.workspace_id:
            policy.check_workspace(self.actor, target, Level.CREATE)
            tree.move_sizes(asset, Workspace(pk=asset.workspace_id), target)

    @action(detail=False, methods=["post"], url_path="find_by_name", serializer_class=FindByNameSerializer)
    def find_by_name(self, request, *args, **kwargs):
        body = FindByNameSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assets = Asset.objects.filter(
            workspace__in=policy.visible_workspaces(self.actor), name=body.validated_data["name"]
        )
        if body.validated_data.get("analysis"):
            assets = assets.filter(analysis_id=body.validated_data["analysis"])
        return Response(AssetSerializer(_with_details(assets.order_by("created_on")), many=True).data)
