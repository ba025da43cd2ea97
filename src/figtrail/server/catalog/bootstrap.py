"""``bootstrap/``: everything a first page load needs, in one request instead of four.

The current user, their workspaces (shallow), their organizations and the id of their primary workspace.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.accounts.models import OrganizationMembership
from figtrail.server.accounts.users import UserSerializer
from figtrail.server.catalog.models import Workspace, WorkspaceType
from figtrail.server.catalog.workspaces import ShallowWorkspaceSerializer


class Bootstrap(APIView):
    access = SIGNED_IN  # the caller's own account, workspaces and organizations

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, *args, **kwargs):
        actor = policy.actor_of(request)
        workspaces = policy.visible_workspaces(actor).select_related(
            "created_by", "updated_by", "child_updated_by"
        )
        primary = Workspace.objects.filter(created_by=request.user, workspace_type=WorkspaceType.PRIMARY)
        return Response(
            {
                "user": UserSerializer(request.user).data,
                "workspaces": ShallowWorkspaceSerializer(workspaces.order_by("created_on"), many=True).data,
                "organizations": _organizations(request.user, actor),
                "primary_workspace_id": primary.values_list("api_id", flat=True).first(),
            }
        )


def _organizations(user, actor: policy.Actor) -> list[dict]:
    """The caller's organizations and role in each; logos and member lists are left to ``organization/``."""
    if actor.scope_workspace_id is not None:  # as GET organization/ answers a scoped API key
        return []
    memberships = (
        OrganizationMembership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__created_on")
    )
    return [
        {
            "api_id": m.organization.api_id,
            "name": m.organization.name,
            "description": m.organization.description,
            "membership_type": m.membership_type,
        }
        for m in memberships
    ]
