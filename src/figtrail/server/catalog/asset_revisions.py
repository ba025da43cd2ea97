"""``asset_revision/``: one version of a data file, found again by its blake3 content hash."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.access.policy import Level
from figtrail.server.access.sharing import ShareableMixin
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.catalog import environment, tree
from figtrail.server.catalog.common import (
    TRACKED_FIELDS,
    CatalogViewSet,
    MetadataField,
    TrackedSerializer,
    is_silent,
)
from figtrail.server.catalog.data import (
    DataInputSerializer,
    DataSerializer,
    attach_data,
    build_data,
    replace_data,
    store_for,
)
from figtrail.server.catalog.links import AssetLinkSerializer
from figtrail.server.catalog.models import Asset, AssetRevision
from figtrail.server.catalog.revisions import ApiIndexField
from figtrail.server.catalog.thumbnails import ThumbnailMixin

SUPPORTED_HASHES = {"blake3"}


class AssetRevisionInputSerializer(serializers.Serializer):
    asset = serializers.UUIDField(required=False)
    metadata = MetadataField(required=False, allow_null=True)
    data = DataInputSerializer(many=True, required=False)


class AssetRevisionSerializer(TrackedSerializer):
    is_processing = serializers.SerializerMethodField()
    data = DataSerializer(many=True, read_only=True)
    figure_revisions = AssetLinkSerializer(source="figure_links", many=True, read_only=True)
    revision_index = ApiIndexField()

    class Meta:
        model = AssetRevision
        fields = [
            *TRACKED_FIELDS,
            "asset",
            "revision_index",
            "is_processing",
            "metadata",
            "figure_revisions",
            "data",
        ]

    def get_is_processing(self, revision: AssetRevision) -> bool:
        return False


class FindByHashSerializer(serializers.Serializer):
    digest = serializers.RegexField(r"^[0-9a-fA-F]{64}$")
    hash_type = serializers.CharField(default="blake3")
    analysis = serializers.UUIDField(required=False, allow_null=True)

    def validate_hash_type(self, hash_type: str) -> str:
        if hash_type.lower() not in SUPPORTED_HASHES:
            raise ValidationError(f"Unsupported hash type {hash_type!r}; use 'blake3'.")
        return hash_type.lower()


def _with_details(revisions):
    return revisions.select_related("created_by", "updated_by").prefetch_related("data", "figure_links")


class AssetRevisionViewSet(ShareableMixin, ThumbnailMixin, CatalogViewSet):
    model = AssetRevision
    serializer_class = AssetRevisionSerializer
    share_target = "asset_revision"
    access = {"find_by_hash": SIGNED_IN}  # finds only in policy.visible_workspaces

    def shown(self, obj: AssetRevision, payload: dict) -> dict:
        if policy.environment_hidden(self.actor, obj):
            return environment.payload_without_environment(payload)
        return payload

    def create(self, request, *args, **kwargs):
        body = AssetRevisionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if "asset" not in body.validated_data:
            raise ValidationError({"asset": ["Required: the id of the asset this revision belongs to."]})
        asset = policy.get_or_404(Asset, body.validated_data["asset"])
        policy.check(self.actor, asset, Level.CREATE)
        rows = build_data(body.validated_data.get("data", []), store_id=store_for(asset))
        with transaction.atomic():
            Asset.objects.select_for_update().filter(pk=asset.pk).first()
            last_index = AssetRevision.objects.filter(asset=asset).aggregate(last=Max("revision_index"))[
                "last"
            ]
            revision = AssetRevision.objects.create(
                asset=asset,
                revision_index=(last_index or 0) + 1,
                metadata=body.validated_data.get("metadata"),
                size_bytes=sum(row.size_bytes for row in rows),
                created_by=request.user,
            )
            attach_data(revision, rows)
            tree.adjust_size(revision, revision.size_bytes)
            tree.touch_ancestors(revision, request.user, revision.created_on)
            activity.record(request.user, Action.CREATE, revision)
        return self.created(revision)

    def update(self, request, *args, partial: bool = False, **kwargs):
        revision = self.get_object()
        body = AssetRevisionInputSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        if fields.get("asset") not in (None, revision.asset_id):
            raise ValidationError({"asset": ["An asset revision cannot be moved to another asset."]})
        rows = None
        if "data" in fields:
            rows = build_data(
                fields["data"], {row.pk: row for row in revision.data.all()}, store_for(revision)
            )
        with transaction.atomic():
            now = timezone.now()
            if rows is not None:
                replace_data(revision, rows)
            if "metadata" in fields:
                revision.metadata = fields["metadata"]
            revision.updated_by, revision.updated_on = request.user, now
            revision.save()
            tree.touch_ancestors(revision, request.user, now)
            activity.record(request.user, Action.UPDATE, revision, silent=is_silent(request))
        return Response(AssetRevisionSerializer(revision).data)

    @action(detail=False, methods=["post"], url_path="find_by_hash", serializer_class=FindByHashSerializer)
    def find_by_hash(self, request, *args, **kwargs):
        body = FindByHashSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revisions = AssetRevision.objects.filter(
            data__hash=body.validated_data["digest"].lower(),
            asset__workspace__in=policy.visible_workspaces(self.actor),
        )
        if body.validated_data.get("analysis"):
            revisions = revisions.filter(asset__analysis_id=body.validated_data["analysis"])
        revisions = _with_details(revisions.distinct().order_by("created_on"))
        return Response(AssetRevisionSerializer(revisions, many=True).data)
