"""``metadata/``: lets the notebook's browser tab tell the kernel the notebook's URL and title.

The kernel creates a proxy (authenticated) and polls it; the browser posts to it by its unguessable
token, cross-origin and without credentials. Proxies expire after a short while.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from figtrail.server.access.declarations import PUBLIC, SIGNED_IN
from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.catalog.common import Username
from figtrail.server.catalog.models import MetadataProxy

PROXY_LIFETIME = timedelta(hours=1)
MAX_METADATA_KEYS = 50


class MetadataProxySerializer(ModelSerializer):
    initiator = Username("initiator")

    class Meta:
        model = MetadataProxy
        fields = ["api_id", "token", "initiator", "created", "expiry", "updated", "metadata"]


class MetadataUpdateSerializer(serializers.Serializer):
    metadata = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=4096, allow_null=True)
    )

    def validate_metadata(self, metadata: dict) -> dict:
        if len(metadata) > MAX_METADATA_KEYS:
            raise serializers.ValidationError(f"At most {MAX_METADATA_KEYS} keys.")
        return metadata


class MetadataProxyList(APIView):
    access = SIGNED_IN
    serializer_class = MetadataProxySerializer

    def post(self, request, *args, **kwargs):
        proxy = MetadataProxy.objects.create(
            token=secrets.token_urlsafe(32), initiator=request.user, expiry=timezone.now() + PROXY_LIFETIME
        )
        return Response(MetadataProxySerializer(proxy).data, status=status.HTTP_201_CREATED)


class MetadataProxyDetail(APIView):
    """GET and DELETE by the kernel that made it; POST by the browser, with the token as credential."""

    serializer_class = MetadataProxySerializer

    access = {"get": SIGNED_IN, "post": PUBLIC, "delete": SIGNED_IN}  # POST: the token is the credential

    def get_permissions(self):
        method = getattr(self.request, "method", "GET")
        return [AllowAny()] if method in ("POST", "OPTIONS") else super().get_permissions()

    def _proxy(self, token: str) -> MetadataProxy:
        proxy = MetadataProxy.objects.filter(token=token, expiry__gt=timezone.now()).first()
        if proxy is None:
            raise NotFound("No such metadata proxy, or it has expired.")
        return proxy

    def _own_proxy(self, request, token: str) -> MetadataProxy:
        proxy = self._proxy(token)
        if proxy.initiator_id != request.user.pk:
            raise PermissionDenied("This metadata proxy belongs to another user.")
        return proxy

    def get(self, request, token: str, *args, **kwargs):
        return Response(MetadataProxySerializer(self._own_proxy(request, token)).data)

    def post(self, request, token: str, *args, **kwargs):
        proxy = self._proxy(token)
        body = MetadataUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proxy.metadata = body.validated_data["metadata"]
        proxy.updated = timezone.now()
        proxy.save(update_fields=["metadata", "updated"])
        return Response(MetadataProxySerializer(proxy).data)

    def delete(self, request, token: str, *args, **kwargs):
        self._own_proxy(request, token).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
