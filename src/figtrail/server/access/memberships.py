"""Adding, changing and removing members of workspaces and organizations: one set of rules for the
API and the web UI.

The rules: a role is required unless removing; only an owner can make another owner; a workspace keeps
at least one owner and an organization at least one admin. The caller has already checked that the
actor may manage members.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction
from rest_framework import serializers
from rest_framework.response import Response

from figtrail.server.access import people, policy
from figtrail.server.access.policy import Level
from figtrail.server.accounts.models import Organization, OrganizationMembership, OrganizationRole
from figtrail.server.catalog.models import Workspace, WorkspaceMembership, WorkspaceRole

CHANGES = ("add", "change", "remove")


class MembershipError(Exception):
    """A member change that breaks a rule; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.field, self.message, self.forbidden = field, message, forbidden


@dataclass(frozen=True)
class _Group:
    """What differs between workspaces and organizations."""

    membership: type[models.Model]
    parent_field: str
    roles: tuple[str, ...]
    keeper_role: str  # the role the group must always have one of
    noun: str
    keeper_message: str


WORKSPACE = _Group(
    WorkspaceMembership,
    "workspace",
    tuple(WorkspaceRole.values),
    WorkspaceRole.OWNER,
    "workspace",
    "A workspace must keep at least one owner.",
)
ORGANIZATION = _Group(
    OrganizationMembership,
    "organization",
    tuple(OrganizationRole.values),
    OrganizationRole.ADMIN,
    "organization",
    "An organization must keep at least one admin.",
)


def change_workspace_member(
    actor: policy.Actor, workspace: Workspace, change: str, username: str, role: str | None
) -> None:
    is_owner = policy.workspace_level(actor, workspace) >= Level.OWN
    if role == WorkspaceRole.OWNER and not is_owner:
        raise MembershipError("membership_type", "Only an owner can make another owner.", forbidden=True)
    target_is_owner = WorkspaceMembership.objects.filter(
        workspace=workspace, user__username=username, membership_type=WorkspaceRole.OWNER
    ).exists()
    if target_is_owner and change != "add" and not is_owner:
        raise MembershipError("username", "Only an owner can change or remove another owner.", forbidden=True)
    _apply(WORKSPACE, workspace, change, username, role)


def as_api_error(error: MembershipError) -> Exception:
    """The DRF exception for a broken rule: 403 for a forbidden change, else 400 naming the field."""
    from rest_framework.exceptions import PermissionDenied, ValidationError

    return (
        PermissionDenied(error.message)
        if error.forbidden
        else ValidationError({error.field: [error.message]})
    )


def change_organization_member(
    organization: Organization, change: str, username: str, role: str | None
) -> None:
    _apply(ORGANIZATION, organization, change, username, role)


def _apply(group: _Group, parent, change: str, username: str, role: str | None) -> None:
    """Every refusal that could depend on whether an account named ``username`` exists (``access.people``)
    is the same for a name nobody has: the change and the role are checked first, adding looks for an
    active account, changing and removing look only among the group's members."""
    if change not in CHANGES:
        raise MembershipError("change", f"Unknown change {change!r}; use add, change or remove.")
    if change != "remove" and role not in group.roles:
        raise MembershipError("membership_type", f"Required: one of {', '.join(group.roles)}.")
    memberships = group.membership.objects.filter(**{group.parent_field: parent})
    with transaction.atomic():
        existing = memberships.filter(user__username=username).first()
        if change == "add":
            if existing:  # the caller may list the members: this says nothing they cannot see
                raise MembershipError("username", f"{username} is already a member; use change instead.")
            user = people.nameable_user(username)
            if user is None:
                raise MembershipError("username", people.CANNOT_ADD)
            group.membership.objects.create(**{group.parent_field: parent}, user=user, membership_type=role)
            return
        if existing is None:
            raise MembershipError("username", people.NOT_A_MEMBER.format(noun=group.noun))
        if existing.membership_type == group.keeper_role and role != group.keeper_role:
            if memberships.filter(membership_type=group.keeper_role).count() <= 1:
                raise MembershipError("username", group.keeper_message)
        if change == "change":
            existing.membership_type = role
            existing.save(update_fields=["membership_type"])
        else:
            existing.delete()


def member_change_answer(
    request, body_class: type[serializers.Serializer], change: str, apply: Callable[[str, str | None], None]
) -> Response:
    """``members/add|change|remove`` of a workspace or an organization, over the API: read the body,
    ``apply(username, role)``, answer what holds now (a refused change as ``as_api_error`` says)."""
    body = body_class(data=request.data)
    body.is_valid(raise_exception=True)
    username, role = body.validated_data["username"], body.validated_data.get("membership_type")
    try:
        apply(username, role)
    except MembershipError as error:
        raise as_api_error(error) from error
    return Response({"username": username, "membership_type": role if change != "remove" else None})
