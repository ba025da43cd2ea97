"""``user``: the current user (element 0 of the list), profiles and avatars. Users change only themselves."""

from __future__ import annotations

import base64
import binascii

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.declarations import ACCOUNT, SIGNED_IN
from figtrail.server.api.serializers import ModelSerializer

MAX_AVATAR_BYTES = 2 * 1024 * 1024


@extend_schema_field(OpenApiTypes.BYTE)
class Base64Binary(serializers.Field):
    """Bytes on the wire as standard base64 (avatars, logos)."""

    def to_representation(self, value) -> str | None:
        return base64.b64encode(bytes(value)).decode() if value else None

    def to_internal_value(self, data) -> bytes | None:
        if data in (None, ""):
            return None
        try:
            decoded = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise ValidationError("Must be standard base64.") from exc
        if len(decoded) > MAX_AVATAR_BYTES:
            raise ValidationError(f"At most {MAX_AVATAR_BYTES} bytes.")
        return decoded


class UserSerializer(ModelSerializer):
    user_profile = serializers.JSONField(source="profile", required=False, allow_null=True)
    avatar = Base64Binary(required=False, allow_null=True)

    class Meta:
        model = get_user_model()
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "date_joined",
            "is_active",
            "is_staff",
            "user_profile",
            "avatar",
        ]
        read_only_fields = ["date_joined", "is_active", "is_staff"]
        extra_kwargs = {"username": {"validators": []}}

    def validate_user_profile(self, profile):
        if profile is not None and not isinstance(profile, dict):
            raise ValidationError("Must be a JSON object.")
        return profile or {}


class UserViewSet(viewsets.GenericViewSet):
    # oneself, or (reading) someone one shares a workspace with; changes only to one's own account
    access = {"list": SIGNED_IN, "retrieve": SIGNED_IN, "update": ACCOUNT, "partial_update": ACCOUNT}
    serializer_class = UserSerializer
    lookup_field = "username"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return get_user_model().objects.all()

    def list(self, request, *args, **kwargs):
        """Only the caller: the client reads element 0 as itself; other users are not enumerable."""
        return Response([UserSerializer(request.user).data])

    def retrieve(self, request, *args, username: str, **kwargs):
        return Response(UserSerializer(self._visible_user(request, username)).data)

    def update(self, request, *args, username: str, partial: bool = False, **kwargs):
        if username != request.user.username:
            raise PermissionDenied("You can only change your own account.")
        serializer = UserSerializer(request.user, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data.get("username", username) != username:
            raise PermissionDenied("A username cannot be changed.")
        serializer.save()
        return Response(UserSerializer(request.user).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def _visible_user(self, request, username: str):
        """Yourself, or someone you share a workspace with. Anyone else gets the very answer a name nobody
        has gets (404, same body), so usernames cannot be told apart from strangers' by asking."""
        user = get_user_model().objects.filter(username=username).first()
        if user is not None and user == request.user:
            return user
        if user is None or not (
            policy.visible_workspaces(policy.actor_of(request)).filter(memberships__user=user).exists()
        ):
            raise NotFound(
                {
                    "detail": f"No user named {username!r} that you share a workspace with.",
                    "field": "username",
                }
            )
        return user
