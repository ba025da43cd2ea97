"""``data/``: the payloads of revisions and asset revisions (image, code, text, dataframe, file).

Payloads arrive base64-encoded inside the parent's JSON, are stored once per content hash in the blob
store, and are returned in full only from ``data/<id>/``. Data objects are immutable: PUT, PATCH and
DELETE answer 405.
"""

from __future__ import annotations

import base64
import binascii

from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from figtrail.server import blob_stores, blobs
from figtrail.server.access import policy
from figtrail.server.access.declarations import LINK
from figtrail.server.access.policy import Level
from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.catalog import code_search, tree
from figtrail.server.catalog.common import CatalogViewSet, MetadataField
from figtrail.server.catalog.environment import is_environment, without_paths
from figtrail.server.catalog.models import AssetRevision, Data, DataType, Node, Revision
from figtrail.server.catalog.storage_settings import SERVER_STORAGE

DATA_FIELDS = ["api_id", "name", "type", "hash", "size_bytes", "is_clean_room", "metadata"]


class Base64Field(serializers.CharField):
    """A base64 payload. DRF's per-character surrogate scan (a Python loop, the costliest step of a
    publish) is skipped: ``b64decode(validate=True)`` below rejects anything outside the base64 alphabet."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitSurrogateCharactersValidator)
        ]


class DataInputSerializer(serializers.Serializer):
    """One data object as a client sends it; ``data`` is standard base64."""

    api_id = serializers.UUIDField(required=False, allow_null=True)
    name = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=1000)
    type = serializers.ChoiceField(choices=DataType.choices)
    metadata = MetadataField(required=False, allow_null=True)
    is_clean_room = serializers.BooleanField(required=False, allow_null=True, default=False)
    data = Base64Field(required=False, allow_null=True, allow_blank=True, trim_whitespace=False)

    def validate_metadata(self, metadata):
        if metadata is not None and not isinstance(metadata, dict):
            raise ValidationError("Must be a JSON object.")
        return metadata or {}

    def validate_data(self, encoded: str | None) -> bytes | None:
        if encoded is None:
            return None
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            pass
        try:  # MIME-style base64 (line breaks every 76 characters), as some R encoders write it
            return base64.b64decode("".join(encoded.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("Must be standard base64 of the payload's bytes.") from exc


class DataSerializer(ModelSerializer):
    """A data object without its payload, as listed inside a revision."""

    class Meta:
        model = Data
        fields = DATA_FIELDS


class DataWithPayloadSerializer(DataSerializer):
    data = serializers.SerializerMethodField()

    class Meta(DataSerializer.Meta):
        fields = [*DATA_FIELDS, "data"]

    def get_data(self, obj: Data) -> str:
        return base64.b64encode(blobs.read(obj)).decode()


def store_for(node: Node) -> int | None:
    """Where the new blobs of ``node`` (a figure, revision, asset or asset revision) go: the bucket its
    workspace's organization chose (a ``BlobStore`` id), or None for the server's own store. No query
    when ``node`` was loaded with its workspace and organization (``select_related``), else one."""
    path = type(node).workspace_path()
    loaded = _loaded(node, [*(path.split("__") if path else []), "organization"])
    if loaded is not _NOT_LOADED:
        return loaded.blob_store_id if loaded is not None else None
    lookup = f"{path}__organization__blob_store_id" if path else "organization__blob_store_id"
    return type(node).objects.filter(pk=node.pk).values_list(lookup, flat=True).first()


_NOT_LOADED = object()


def _loaded(obj, names: list[str]):
    """``obj.a.b.c`` for names a, b, c when every step is already loaded (or a null foreign key), else
    ``_NOT_LOADED``: never a query."""
    for name in names:
        field = obj._meta.get_field(name)
        if getattr(obj, field.attname) is None:
            return None
        if not field.is_cached(obj):
            return _NOT_LOADED
        obj = getattr(obj, name)
    return obj


def build_data(items: list[dict], previous: dict | None = None, store_id: int | None = None) -> list[Data]:
    """Store each item's bytes in ``store_id`` (``blob_stores.current``: the workspace organization's
    bucket, or None for the server's own store) and return unsaved Data rows in the order given.

    An item without a payload may name an existing data object of the same parent (``previous``, by id);
    its bytes and its id are kept. That lets a PUT echo shallow data objects without re-sending them,
    and a client add formats to a revision it just created (figtrail's client sends the primary image
    first) without changing the ids of what pages already show.
    """
    rows, kept_ids = [], set()
    for position, item in enumerate(items):
        payload = item.get("data")
        kept_id = None
        if payload is None:
            kept = (previous or {}).get(item.get("api_id"))
            if kept is None:
                raise ValidationError({"data": {position: {"data": ["Required: the base64 payload."]}}})
            content_hash, size, stored_in = kept.hash, kept.size_bytes, kept.store_id
            kept_id = kept.pk if kept.pk not in kept_ids else None  # echoed twice: the copy gets a new id
            kept_ids.add(kept.pk)
        else:
            content_hash, size, stored_in = blobs.put(payload, store_id), len(payload), store_id
        row = Data(
            **({"api_id": kept_id} if kept_id is not None else {}),
            position=position,
            name=item.get("name"),
            type=item["type"],
            hash=content_hash,
            store_id=stored_in,
            size_bytes=size,
            is_clean_room=bool(item.get("is_clean_room")),
            metadata=item.get("metadata") or {},
        )
        if payload is not None:
            code_search.keep_text(row, payload)  # indexed for the search when saved, from these bytes
        rows.append(row)
    return rows


def attach_data(parent: Revision | AssetRevision, rows: list[Data]) -> None:
    """Save unsaved data rows under a revision or an asset revision."""
    parent_field = "revision" if isinstance(parent, Revision) else "asset_revision"
    for row in rows:
        setattr(row, parent_field, parent)
    Data.objects.bulk_create(rows)
    if isinstance(parent, Revision):
        code_search.record(rows)  # the text of new code, for the search (one query, if any)


def replace_data(parent: Revision | AssetRevision, rows: list[Data]) -> None:
    """Swap a parent's data for ``rows`` and carry the size change up the tree (inside a transaction)."""
    parent.data.all().delete()
    attach_data(parent, rows)
    new_size = sum(row.size_bytes for row in rows)
    tree.adjust_size(parent, new_size - parent.size_bytes)
    parent.size_bytes = new_size


class DataViewSet(mixins.RetrieveModelMixin, CatalogViewSet):
    model = Data
    serializer_class = DataWithPayloadSerializer
    http_method_names = ["get", "head", "options"]
    access = {"retrieve": LINK, "storage": LINK}

    def get_object(self, level: Level | None = None) -> Data:
        """The data object, unless it is the environment and this reader may not see that: then the
        very 404 of an id nobody uses (``policy.environment_hidden``, ``catalog/environment.py``)."""
        data = super().get_object(Level.VIEW)
        if is_environment(data) and policy.environment_hidden(self.actor, data):
            raise NotFound(f"No {policy.noun(data)} with id {data.pk}.")
        return data

    def retrieve(self, request, *args, **kwargs):
        data = self.get_object()
        return Response(self.shown(data, self.get_serializer(data).data))

    def shown(self, obj: Data, payload: dict) -> dict:
        if policy.environment_hidden(self.actor, obj):
            return {**payload, "metadata": without_paths(payload.get("metadata"))}
        return payload

    @action(detail=True, methods=["get"], url_path="storage")
    def storage(self, request, *args, **kwargs):
        """Where the bytes are: the server's own store, or an organization's bucket and the object's
        path there (as the official client reads it: ``{"vendor": "AWS", "path": "s3://..."}``)."""
        data = self.get_object()
        if data.store_id is None:
            return Response({"vendor": SERVER_STORAGE})
        return Response(
            {"vendor": "AWS", "path": blob_stores.path_of(data.store_id, blobs.blob_key(data.hash))}
        )
