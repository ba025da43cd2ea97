"""``organization/``: teams that own workspaces. Members hold one organization role each."""

from __future__ import annotations

from django.db import transaction
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.declarations import ACCOUNT, SIGNED_IN
from figtrail.server.access.memberships import (
    change_organization_member,
    member_change_answer,
)
from figtrail.server.access.policy import Level
from figtrail.server.accounts.models import Organization, OrganizationMembership, OrganizationRole
from figtrail.server.accounts.users import Base64Binary
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.catalog import storage_settings
from figtrail.server.catalog.common import CatalogViewSet, LogsMixin, Username
from figtrail.server.catalog.invitations import InvitationSerializer
from figtrail.server.catalog.workspaces import ShallowWorkspaceSerializer


class OrganizationSerializer(ModelSerializer):
    logo = Base64Binary(required=False, allow_null=True)
    created_by = Username("created_by")
    updated_by = Username("updated_by")
    workspaces = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "api_id",
            "name",
            "email",
            "description",
            "allow_per_workspace_storage_settings",
            "logo",
            "ai_plan",
            "workspaces",
            "created_by",
            "created_on",
            "updated_by",
            "updated_on",
        ]
        read_only_fields = ["api_id", "ai_plan", "created_on", "updated_on"]  # ai_plan: `figtrail org plan`

    def get_workspaces(self, organization: Organization) -> list[dict]:
        request = self.context.get("request")
        if request is None:  # deny by default: no viewer, no workspaces
            return []
        visible = policy.visible_workspaces(policy.actor_of(request)).values("pk")
        workspaces = organization.workspaces.filter(pk__in=visible).order_by("created_on")
        return ShallowWorkspaceSerializer(workspaces, many=True).data


def create_organization(user, fields: dict) -> Organization:
    """A new organization, with its creator as its admin (the API's ``POST organization/`` and the web
    UI's form)."""
    with transaction.atomic():
        organization = Organization.objects.create(**fields, created_by=user)
        OrganizationMembership.objects.create(
            organization=organization, user=user, membership_type=OrganizationRole.ADMIN
        )
        activity.record(user, Action.CREATE, organization)
    return organization


class OrgMemberSerializer(serializers.Serializer):
    username = serializers.CharField()
    membership_type = serializers.ChoiceField(
        choices=OrganizationRole.choices, allow_null=True, required=False
    )


class OrganizationViewSet(LogsMixin, CatalogViewSet):
    """Organizations are checked by organization role, not workspace role."""

    model = Organization
    serializer_class = OrganizationSerializer
    access = {  # access.declarations: levels on the organization (policy.organization_level)
        "list": SIGNED_IN,
        "create": ACCOUNT,  # never a workspace-scoped API key
        "retrieve": Level.VIEW,
        "update": Level.OWN,
        "partial_update": Level.OWN,
        "destroy": Level.OWN,
        "members": Level.VIEW,
        "change_member": Level.OWN,
        "invitations": Level.OWN,
        "storage": Level.OWN,  # reading too: the params name the organization's bucket
        "storage_test": Level.OWN,
    }
    log_filter_field = "organization_id"

    def get_object(self, level: Level | None = None) -> Organization:
        organization = policy.get_or_404(Organization, self.kwargs["pk"])
        needed = level if level is not None else self.level_for_action()
        needed = Level.OWN if needed > Level.VIEW else needed  # changing an organization is for its admins
        if (
            self.actor.scope_workspace_id is not None
            or policy.organization_level(self.request.user, organization) < needed
        ):
            raise PermissionDenied("You do not have the organization role this needs.")
        return organization

    def list(self, request, *args, **kwargs):
        if self.actor.scope_workspace_id is not None:
            return Response([])
        organizations = (
            Organization.objects.filter(memberships__user=request.user).distinct().order_by("created_on")
        )
        return Response(OrganizationSerializer(organizations, many=True, context={"request": request}).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.created(create_organization(request.user, serializer.validated_data))

    def destroy(self, request, *args, **kwargs):
        organization = self.get_object()
        activity.record(request.user, Action.DELETE, organization)
        organization.delete()
        return Response(status=204)

    @action(detail=True, methods=["get"], url_path="members")
    def members(self, request, *args, **kwargs):
        organization = self.get_object(Level.VIEW)
        memberships = organization.memberships.select_related("user").order_by("id")
        return Response(
            [{"username": m.user.username, "membership_type": m.membership_type} for m in memberships]
        )

    @action(
        detail=True,
        methods=["post"],
        url_path=r"members/(?P<change>add|change|remove)",
        serializer_class=OrgMemberSerializer,
    )
    def change_member(self, request, *args, change: str, **kwargs):
        organization = self.get_object(Level.OWN)
        return member_change_answer(
            request,
            OrgMemberSerializer,
            change,
            lambda username, role: change_organization_member(organization, change, username, role),
        )

    @action(detail=True, methods=["get"], url_path="invitations")
    def invitations(self, request, *args, **kwargs):
        organization = self.get_object(Level.OWN)
        return Response(InvitationSerializer(organization.invitations.order_by("created"), many=True).data)

    @action(detail=True, methods=["get", "post"], url_path="storage")
    def storage(self, request, *args, **kwargs):
        return storage_settings.respond_organization(self, request)

    @action(detail=True, methods=["post"], url_path="storage/test")
    def storage_test(self, request, *args, **kwargs):
        return storage_settings.respond_organization_test(self, request)
