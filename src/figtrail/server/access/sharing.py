"""``share/link/`` and ``share/user/`` on analyses, figures, revisions, assets and asset revisions."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.server.access.models import LinkShare, UserShare
from figtrail.server.access.policy import Level


class LinkSharingSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


class UserSharingSerializer(serializers.Serializer):
    username = serializers.CharField()
    sharing_enabled = serializers.BooleanField(default=True)


class ShareableMixin:
    """Adds the sharing endpoints; ``share_target`` names the object type in share rows."""

    share_target: str

    def _link(self, obj) -> LinkShare | None:
        return LinkShare.objects.filter(target_type=self.share_target, target_id=obj.pk).first()

    @action(detail=True, methods=["get", "post"], url_path="share/link", serializer_class=LinkSharingSerializer)
    def share_link(self, request, *args, **kwargs):
        if request.method == "GET":
            link = self._link(self.get_object(Level.VIEW))
            return Response({"enabled": bool(link and link.is_active())})
        obj = self.get_object(Level.CREATE)
        body = LinkSharingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        enabled = body.validated_data["enabled"]
        link, _ = LinkShare.objects.get_or_create(
            target_type=self.share_target,
            target_id=obj.pk,
            defaults={"created_by": request.user, "enabled": enabled},
        )
        if link.enabled != enabled:
            link.enabled = enabled
            link.save(update_fields=["enabled"])
        return Response({"enabled": link.is_active()})

    @action(detail=True, methods=["get", "post"], url_path="share/user", serializer_class=UserSharingSerializer)
    def share_user(self, request, *args, **kwargs):
        if request.method == "GET":
            obj = self.get_object(Level.VIEW)
            shares = UserShare.objects.filter(target_type=self.share_target, target_id=obj.pk)
            return Response(
                [{"username": s.user.username, "sharing_enabled": True} for s in shares.select_related("user")]
            )
        obj = self.get_object(Level.CREATE)
        body = UserSharingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username = body.validated_data["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise ValidationError({"username": [f"No user named {username!r}."]})
        if body.validated_data["sharing_enabled"]:
            UserShare.objects.get_or_create(
                target_type=self.share_target, target_id=obj.pk, user=user, defaults={"created_by": request.user}
            )
        else:
            UserShare.objects.filter(target_type=self.share_target, target_id=obj.pk, user=user).delete()
        return Response({"username": username, "sharing_enabled": body.validated_data["sharing_enabled"]})
