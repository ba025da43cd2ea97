"""``api_key/``: long-lived credentials. The secret is returned once, at creation, and stored hashed."""

from __future__ import annotations

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.declarations import ACCOUNT
from figtrail.server.access.policy import Level
from figtrail.server.accounts.models import ApiKey, hash_api_key
from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.catalog.models import Workspace


class ApiKeySerializer(ModelSerializer):
    token = serializers.SerializerMethodField()
    workspace = serializers.PrimaryKeyRelatedField(
        queryset=Workspace.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = ApiKey
        fields = ["api_id", "name", "token", "created", "last_used", "expiry", "workspace"]
        read_only_fields = ["api_id", "created", "last_used"]

    def get_token(self, key: ApiKey) -> str | None:
        return getattr(key, "plain_token", None)  # only set on the object just created


class ApiKeyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = ApiKeySerializer
    access = {"list": ACCOUNT, "create": ACCOUNT, "retrieve": ACCOUNT, "destroy": ACCOUNT}  # own keys
    lookup_value_regex = "[^/]+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if isinstance(request.auth, ApiKey):
            raise PermissionDenied("API keys can only be managed when signed in with a password.")

    def get_queryset(self):
        return ApiKey.objects.filter(user=self.request.user).order_by("created")

    def get_object(self) -> ApiKey:
        key = policy.get_or_404(ApiKey, self.kwargs["pk"], "API key")
        if key.user_id != self.request.user.pk:
            raise PermissionDenied("This API key belongs to another user.")
        return key

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workspace = serializer.validated_data.get("workspace")
        if workspace is not None:
            policy.check_workspace(policy.actor_of(request), workspace, Level.VIEW)
        token = ApiKey.new_token()
        key = serializer.save(user=request.user, token_hash=hash_api_key(token))
        key.plain_token = token
        return Response(ApiKeySerializer(key).data, status=status.HTTP_201_CREATED)
