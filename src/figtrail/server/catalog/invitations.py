"""``invitations/workspace/`` and ``invitations/organization/``: single-use, expiring invitation tokens.

Only a hash of each token is stored; the token itself is returned once, when the invitation is made,
and mailed to the invitee with a link to the web page that accepts it (``/invitation/<kind>/<token>``).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from figtrail.server.access import policy
from figtrail.server.access.declarations import ACCOUNT, SIGNED_IN
from figtrail.server.access.policy import Level
from figtrail.server.accounts.models import (
    Organization,
    OrganizationMembership,
    OrganizationRole,
    hash_api_key,
)
from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.catalog.common import Username
from figtrail.server.catalog.models import Invitation, Workspace, WorkspaceMembership, WorkspaceRole
from figtrail.server.email_links import email_link

INVITATION_LIFETIME = timedelta(days=7)
log = logging.getLogger(__name__)


class InvitationSerializer(ModelSerializer):
    initiator = Username("initiator")
    token = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "api_id",
            "email",
            "initiator",
            "token",
            "status",
            "created",
            "expiry",
            "membership_type",
            "workspace",
            "organization",
        ]

    def get_token(self, invitation: Invitation) -> str | None:
        return getattr(invitation, "plain_token", None)


class WorkspaceInvitationInput(serializers.Serializer):
    email = serializers.EmailField()
    membership_type = serializers.ChoiceField(choices=[r for r in WorkspaceRole.values if r != "owner"])
    workspace = serializers.PrimaryKeyRelatedField(queryset=Workspace.objects.all())


class OrganizationInvitationInput(serializers.Serializer):
    email = serializers.EmailField()
    membership_type = serializers.ChoiceField(choices=OrganizationRole.values)
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())


class InvitationList(APIView):
    kind: str = "workspace"
    serializer_class = InvitationSerializer
    access = {"post": Level.ADMIN}  # on the workspace (ADMIN) or organization (OWN) named in the body

    def post(self, request, *args, **kwargs):
        body = (WorkspaceInvitationInput if self.kind == "workspace" else OrganizationInvitationInput)(
            data=request.data
        )
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        invitation = invite(request, fields[self.kind], fields["email"], fields["membership_type"])
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


def invite(request, target: Workspace | Organization, email: str, role: str) -> Invitation:
    """Invite ``email`` to a workspace (its admins) or an organization (its admins) and mail them the
    link; the token is on the returned invitation (``plain_token``), once. The API and the web share it."""
    _check_admin(request, target)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        membership_type=role,
        initiator=request.user,
        token=hash_api_key(token),
        expiry=timezone.now() + INVITATION_LIFETIME,
        **{"workspace" if isinstance(target, Workspace) else "organization": target},
    )
    invitation.plain_token = token
    send_invitation_email(invitation, token)
    return invitation


def revoke(request, invitation: Invitation) -> None:
    """Delete an invitation: for the admins of what it invites to."""
    _check_admin(request, invitation.workspace or invitation.organization)
    invitation.delete()


def accept_link(kind: str, token: str) -> str:
    """The accept page on FIGTRAIL_PUBLIC_URL, never on the request's (client-chosen) host."""
    return email_link(reverse("web:invitation", args=[kind, token]))


def send_invitation_email(invitation: Invitation, token: str) -> bool:
    """Mail the invitee the accept link (Django's email framework, FIGTRAIL_EMAIL_*). A mail server that
    fails is logged and never fails the invitation: its token was returned to the inviter too."""
    target = invitation.workspace or invitation.organization
    noun = "workspace" if invitation.workspace_id else "organization"
    inviter = invitation.initiator.username if invitation.initiator else "Someone"
    role = invitation.membership_type.replace("_", " ")
    link = accept_link(noun, token)
    body = (
        f"{inviter} invited you to join the {noun} “{target.name}” on figtrail as {role}.\n\n"
        f"Accept the invitation (sign in first if asked): {link}\n\n"
        f"The link works once and expires on {invitation.expiry:%Y-%m-%d %H:%M} UTC.\n"
    )
    subject = f"{inviter} invited you to the {noun} “{target.name}”"
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except Exception:
        log.exception("could not send the invitation email to %s", invitation.email)
        return False
    return True


def _check_admin(request, target) -> None:
    actor = policy.actor_of(request)
    if isinstance(target, Workspace):
        policy.check_workspace(actor, target, Level.ADMIN)
        return

    if actor.scope_workspace_id is not None or policy.organization_level(request.user, target) < Level.OWN:
        raise PermissionDenied("Only an organization admin can manage its invitations.")


class InvitationDetail(APIView):
    """GET by token, ``<token>/accept`` by the invitee, DELETE by id (an admin of the target)."""

    kind: str = "workspace"
    serializer_class = InvitationSerializer
    # GET by token: the token is the credential, but only a signed-in invitee may look; DELETE by id: an
    # admin of the target; accept (POST): the signed-in invitee holding the token
    access = {"get": SIGNED_IN, "post": ACCOUNT, "delete": Level.ADMIN}

    def _by_token(self, token: str) -> Invitation:
        invitation = find_invitation(self.kind, token)
        if invitation is None:
            raise NotFound("No such invitation.")
        return invitation

    def get(self, request, key: str, *args, **kwargs):
        return Response(InvitationSerializer(self._by_token(key)).data)

    def delete(self, request, key: str, *args, **kwargs):
        revoke(request, policy.get_or_404(Invitation, key, "invitation"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AcceptInvitation(InvitationDetail):
    def post(self, request, key: str, *args, **kwargs):
        return Response(InvitationSerializer(accept(self.kind, key, request.user)).data)


def find_invitation(kind: str, token: str) -> Invitation | None:
    return Invitation.objects.filter(token=hash_api_key(token), **{f"{kind}__isnull": False}).first()


def accept(kind: str, token: str, user) -> Invitation:
    """Use an invitation once, before it expires: ``user`` gets its role (API and web share this)."""
    with transaction.atomic():
        invitation = find_invitation(kind, token)
        if invitation is None:
            raise NotFound("No such invitation.")
        if invitation.status != "pending":
            raise ValidationError({"token": ["This invitation has already been used."]})
        if invitation.expiry <= timezone.now():
            raise ValidationError({"token": ["This invitation has expired; ask for a new one."]})
        if invitation.workspace_id:
            levels, target = policy.WORKSPACE_ROLE_LEVEL, {"workspace": invitation.workspace}
            _grant(WorkspaceMembership, levels, user, invitation.membership_type, **target)
        else:
            levels, target = policy.ORGANIZATION_ROLE_LEVEL, {"organization": invitation.organization}
            _grant(OrganizationMembership, levels, user, invitation.membership_type, **target)
        invitation.status = "accepted"
        invitation.save(update_fields=["status"])
    return invitation


def _grant(membership_model, levels: dict, user, role: str, **target) -> None:
    """Give ``user`` the invited role, but never lower one they hold: an owner opening their own
    viewer invitation must stay owner (else the workspace could be left without one)."""
    membership = membership_model.objects.filter(user=user, **target).first()
    if membership is None:
        membership_model.objects.create(user=user, membership_type=role, **target)
    elif levels[role] > levels[membership.membership_type]:
        membership.membership_type = role
        membership.save(update_fields=["membership_type"])
