"""``share/link/`` and ``share/user/`` on analyses, figures, revisions, assets and asset revisions.

``share/link/`` answers ``{"enabled", "expiry", "token"}`` (the official client reads only ``enabled``);
the token, the link's secret, only to those who may change the link (CREATE). POST takes ``enabled`` and
an optional ``expiry`` (an ISO timestamp in the future, or null for none; left out: unchanged).

``share/user/`` POST shares with an active account (200) and answers every other name, nobody's or a
deactivated account's, with one 400 ``{"username": [...]}`` that does not say which (``access.people``);
unsharing a name the object is not shared with is done already (200), whether or not the account exists.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.server.access import people, policy
from figtrail.server.access.models import LinkShare, UserShare
from figtrail.server.access.policy import Level


class LinkSharingSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    expiry = serializers.DateTimeField(required=False, allow_null=True)

    def validate_expiry(self, expiry):
        if expiry is not None and expiry <= timezone.now():
            raise serializers.ValidationError("Must be in the future, or null for no expiry.")
        return expiry


class UserSharingSerializer(serializers.Serializer):
    username = serializers.CharField()
    sharing_enabled = serializers.BooleanField(default=True)


class ShareableMixin:
    """Adds the sharing endpoints; ``share_target`` names the object type in share rows."""

    share_target: str
    access = {
        "share_link": {"get": Level.VIEW, "post": Level.CREATE},
        "share_user": {"get": Level.VIEW, "post": Level.CREATE},
    }

    def _link(self, obj) -> LinkShare | None:
        return LinkShare.objects.filter(target_type=self.share_target, target_id=obj.pk).first()

    @action(
        detail=True, methods=["get", "post"], url_path="share/link", serializer_class=LinkSharingSerializer
    )
    def share_link(self, request, *args, **kwargs):
        if request.method == "GET":
            obj = self.get_object(Level.VIEW)
            return Response(self._link_state(self._link(obj), policy.allowed(self.actor, obj, Level.CREATE)))
        obj = self.get_object(Level.CREATE)
        body = LinkSharingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = {"enabled": body.validated_data["enabled"]}
        if "expiry" in body.validated_data:
            changes["expiry"] = body.validated_data["expiry"]
        link, created = LinkShare.objects.get_or_create(
            target_type=self.share_target,
            target_id=obj.pk,
            defaults={"created_by": request.user, **changes},
        )
        if not created:
            for field, value in changes.items():
                setattr(link, field, value)
            link.save(update_fields=list(changes))
        return Response(self._link_state(link, True))

    @staticmethod
    def _link_state(link: LinkShare | None, may_change: bool) -> dict:
        return {
            "enabled": bool(link and link.is_active()),
            "expiry": link.expiry if link else None,
            "token": link.token if link and may_change else None,
        }

    @action(
        detail=True, methods=["get", "post"], url_path="share/user", serializer_class=UserSharingSerializer
    )
    def share_user(self, request, *args, **kwargs):
        if request.method == "GET":
            obj = self.get_object(Level.VIEW)
            shares = UserShare.objects.filter(target_type=self.share_target, target_id=obj.pk)
            users = shares.select_related("user")
            return Response([{"username": s.user.username, "sharing_enabled": True} for s in users])
        obj = self.get_object(Level.CREATE)
        body = UserSharingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username = body.validated_data["username"]
        if body.validated_data["sharing_enabled"]:
            user = people.nameable_user(username)
            if user is None:  # nobody, or an account that may not be named: one answer (access.people)
                raise ValidationError({"username": [people.CANNOT_SHARE]})
            UserShare.objects.get_or_create(
                target_type=self.share_target,
                target_id=obj.pk,
                user=user,
                defaults={"created_by": request.user},
            )
        else:  # no share with that name afterwards, whoever it names (or nobody): done
            shares = UserShare.objects.filter(target_type=self.share_target, target_id=obj.pk)
            shares.filter(user__username=username).delete()
        return Response({"username": username, "sharing_enabled": body.validated_data["sharing_enabled"]})
