"""``workspace/``: projects that hold analyses and assets; every user has exactly one primary one."""

from __future__ import annotations

from django.db.models.functions import Coalesce
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from figtrail.server.access import memberships, policy
from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.access.policy import Level
from figtrail.server.accounts.models import Organization
from figtrail.server.activity.models import LogEntry
from figtrail.server.catalog import changes, storage_settings
from figtrail.server.catalog.common import (
    CONTAINER_FIELDS,
    CatalogViewSet,
    ContainerSerializer,
    LogItemSerializer,
    LogsMixin,
    Username,
)
from figtrail.server.catalog.figures import FigureSummarySerializer
from figtrail.server.catalog.invitations import InvitationSerializer
from figtrail.server.catalog.models import (
    Analysis,
    Asset,
    AssetRevision,
    Figure,
    Revision,
    Workspace,
    WorkspaceMembership,
    WorkspaceRole,
    WorkspaceType,
)

SHALLOW_LIST_FROM = (1, 4)  # from API v1.4 on, GET workspace/ leaves out the child lists


class AnalysisSummarySerializer(ContainerSerializer):
    class Meta:
        model = Analysis
        fields = [*CONTAINER_FIELDS, "workspace"]


class AssetSummarySerializer(ContainerSerializer):
    class Meta:
        model = Asset
        fields = [*CONTAINER_FIELDS, "workspace", "analysis"]


class ShallowWorkspaceSerializer(ContainerSerializer):
    # No default: a full PUT that leaves the type out must not read as "change it to secondary".
    # New workspaces are always saved as secondary by create().
    workspace_type = serializers.ChoiceField(choices=WorkspaceType.choices, required=False)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Workspace
        fields = [*CONTAINER_FIELDS, "workspace_type", "organization"]
        read_only_fields = ContainerSerializer.Meta.read_only_fields


class WorkspaceSerializer(ShallowWorkspaceSerializer):
    analyses = AnalysisSummarySerializer(many=True, read_only=True)
    assets = AssetSummarySerializer(many=True, read_only=True)

    class Meta(ShallowWorkspaceSerializer.Meta):
        fields = [*ShallowWorkspaceSerializer.Meta.fields, "analyses", "assets"]


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField()
    membership_type = serializers.ChoiceField(choices=WorkspaceRole.choices, allow_null=True, required=False)


class RecentSerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


class DashboardSerializer(serializers.Serializer):
    activity_limit = serializers.IntegerField(min_value=1, max_value=50, default=10)
    exclude_deleted = serializers.BooleanField(default=False)


DASHBOARD_FIGURES = 12


def api_version(request) -> tuple[int, ...]:
    version = getattr(request, "version", None) or "v1.4.1"
    return tuple(int(part) for part in version.lstrip("v").split("."))


def overview_counts(workspace: Workspace) -> dict:
    """How much a workspace holds: what ``overview/`` answers and the dashboard starts with."""
    return {
        "api_id": str(workspace.pk),
        "name": workspace.name,
        "size_bytes": workspace.size_bytes,
        "analysis_count": workspace.analyses.count(),
        "figure_count": Figure.objects.filter(analysis__workspace=workspace).count(),
        "revision_count": Revision.objects.filter(figure__analysis__workspace=workspace).count(),
        "asset_count": workspace.assets.count(),
        "asset_revision_count": AssetRevision.objects.filter(asset__workspace=workspace).count(),
        "member_count": workspace.memberships.count(),
    }


def recent_activity(workspace: Workspace, exclude_deleted: bool = False):
    """The workspace's log, newest first; ``exclude_deleted`` leaves out objects deleted since."""
    entries = LogEntry.objects.filter(workspace_id=workspace.pk).select_related("user")
    if exclude_deleted:
        gone = LogEntry.objects.filter(workspace_id=workspace.pk, deleted=True).values("target_id")
        entries = entries.exclude(target_id__in=gone)
    return entries.order_by("-timestamp")


def create_primary_workspace(user) -> Workspace:
    """Every user gets one primary workspace, owned by them, when their account is made."""
    workspace = Workspace.objects.create(
        name=f"{user.username}'s primary workspace",
        description=f"The primary workspace of {user.username}",
        workspace_type=WorkspaceType.PRIMARY,
        created_by=user,
    )
    WorkspaceMembership.objects.create(workspace=workspace, user=user, membership_type=WorkspaceRole.OWNER)
    return workspace


class WorkspaceViewSet(LogsMixin, CatalogViewSet):
    model = Workspace
    serializer_class = WorkspaceSerializer
    edit_level = changes.edit_level(Workspace)
    delete_level = changes.delete_level(Workspace)
    access = {  # access.declarations; a workspace is never link-shared, so reading it needs VIEW
        "list": SIGNED_IN,
        "create": SIGNED_IN,  # CREATE on the organization named in the body, if any
        "retrieve": Level.VIEW,
        "update": Level.ADMIN,
        "partial_update": Level.ADMIN,
        "destroy": Level.OWN,
        "members": Level.VIEW,
        "change_member": Level.ADMIN,
        "invitations": Level.ADMIN,
        "recent": Level.VIEW,
        "overview": Level.VIEW,
        "dashboard": Level.VIEW,
        "storage": {"get": Level.VIEW, "post": Level.ADMIN},
        "storage_test": Level.ADMIN,
    }
    log_filter_field = "workspace_id"

    def list(self, request, *args, **kwargs):
        workspaces = policy.visible_workspaces(self.actor).select_related(
            "created_by", "updated_by", "child_updated_by"
        )
        if api_version(request) >= SHALLOW_LIST_FROM:
            return Response(ShallowWorkspaceSerializer(workspaces.order_by("created_on"), many=True).data)
        return Response(WorkspaceSerializer(workspaces.order_by("created_on"), many=True).data)

    def create(self, request, *args, **kwargs):
        serializer = WorkspaceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.created(changes.create_workspace(self.actor, request.user, serializer.validated_data))

    @action(detail=True, methods=["get"], url_path="members")
    def members(self, request, *args, **kwargs):
        workspace = self.get_object(Level.VIEW)
        rows = workspace.memberships.select_related("user").order_by("id")
        return Response([{"username": m.user.username, "membership_type": m.membership_type} for m in rows])

    @action(
        detail=True,
        methods=["post"],
        url_path=r"members/(?P<change>add|change|remove)",
        serializer_class=MemberSerializer,
    )
    def change_member(self, request, *args, change: str, **kwargs):
        workspace = self.get_object(Level.ADMIN)

        def apply(username: str, role: str | None) -> None:
            memberships.change_workspace_member(self.actor, workspace, change, username, role)

        return memberships.member_change_answer(request, MemberSerializer, change, apply)

    @action(detail=True, methods=["get"], url_path="invitations")
    def invitations(self, request, *args, **kwargs):
        workspace = self.get_object(Level.ADMIN)
        return Response(InvitationSerializer(workspace.invitations.order_by("created"), many=True).data)

    @action(detail=True, methods=["get"], url_path="recent")
    def recent(self, request, *args, **kwargs):
        workspace = self.get_object(Level.VIEW)
        params = RecentSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        limit = params.validated_data["limit"]
        analyses = workspace.analyses.order_by("-created_on")[:limit]
        figures = Figure.objects.filter(analysis__workspace=workspace).order_by("-created_on")[:limit]
        assets = workspace.assets.order_by("-created_on")[:limit]

        return Response(
            {
                "analyses": AnalysisSummarySerializer(analyses, many=True).data,
                "figures": FigureSummarySerializer(figures, many=True).data,
                "assets": AssetSummarySerializer(assets, many=True).data,
            }
        )

    @action(detail=True, methods=["get"], url_path="overview")
    def overview(self, request, *args, **kwargs):
        """Counts for a workspace's landing page, in one request."""
        return Response(overview_counts(self.get_object(Level.VIEW)))

    @action(detail=True, methods=["get"], url_path="dashboard")
    def dashboard(self, request, *args, **kwargs):
        """The home view in one request: the overview's counts, recent activity and recent figures."""
        workspace = self.get_object(Level.VIEW)
        params = DashboardSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)

        entries = recent_activity(workspace, params.validated_data["exclude_deleted"])
        entries = entries[: params.validated_data["activity_limit"]]
        figures = Figure.objects.filter(analysis__workspace=workspace).select_related(
            "created_by", "updated_by", "child_updated_by"
        )
        figures = figures.order_by(Coalesce("child_updated_on", "created_on").desc())[:DASHBOARD_FIGURES]
        return Response(
            {
                "overview": overview_counts(workspace),
                "activity": LogItemSerializer(entries, many=True).data,
                "recent_figures": FigureSummarySerializer(figures, many=True).data,
            }
        )

    @action(detail=True, methods=["get", "post"], url_path="storage")
    def storage(self, request, *args, **kwargs):
        return storage_settings.respond(self, request)

    @action(detail=True, methods=["post"], url_path="storage/test")
    def storage_test(self, request, *args, **kwargs):
        return storage_settings.respond_test(self, request)


__all__ = ["WorkspaceViewSet", "create_primary_workspace", "Username"]
