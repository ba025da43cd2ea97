"""Links between figure revisions and the asset revisions they were made from."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.catalog.models import AssetLink, AssetRevision, AssetUse, Revision


class AssetLinkInputSerializer(serializers.Serializer):
    use_type = serializers.ChoiceField(choices=AssetUse.choices, default=AssetUse.INDIRECT)
    asset_revision = serializers.UUIDField()
    figure_revision = serializers.UUIDField(required=False, allow_null=True)  # the revision itself: ignored


class AssetLinkSerializer(ModelSerializer):
    class Meta:
        model = AssetLink
        fields = ["use_type", "figure_revision", "asset_revision"]


def resolve_links(actor: policy.Actor, items: list[dict]) -> list[tuple[str, AssetRevision]]:
    """Check that every linked asset revision exists (400) and is visible to the actor (403)."""
    resolved = []
    for position, item in enumerate(items):
        asset_revision = AssetRevision.objects.filter(pk=item["asset_revision"]).first()
        if asset_revision is None:
            raise ValidationError(
                {"assets": {position: {"asset_revision": [f"No asset revision {item['asset_revision']}."]}}}
            )
        policy.check(actor, asset_revision, Level.VIEW)
        pair = (item["use_type"], asset_revision)
        if pair not in resolved:
            resolved.append(pair)
    return resolved


def replace_links(revision: Revision, links: list[tuple[str, AssetRevision]]) -> None:
    AssetLink.objects.filter(figure_revision=revision).delete()
    add_links(revision, links)


def add_links(revision: Revision, links: list[tuple[str, AssetRevision]]) -> list[AssetLink]:
    """Link a revision that has no links yet (a new one); returns the saved links."""
    return AssetLink.objects.bulk_create(
        [
            AssetLink(figure_revision=revision, asset_revision=asset_revision, use_type=use_type)
            for use_type, asset_revision in links
        ]
    )
