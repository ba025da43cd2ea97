"""``storage/`` on workspaces and organizations.

An organization's admins choose where its data lives: the server's own store (vendor ``figtrail``, set
by the FIGTRAIL_* settings; ``GoFigr.io`` means the same) or an S3-compatible bucket of theirs (vendor
``aws`` or ``s3``), with the params in ``BUCKET_PARAMS``. A POST records the choice (a new
``accounts.BlobStore`` row, credentials encrypted) without contacting the bucket, as the official client
expects; ``storage/test/`` contacts it: it writes, reads back and deletes one object. From then on the
organization's new blobs go there; blobs written before stay where they are and are read from there
(``blob_stores``). Reading the settings back gives what was set minus the credentials, and
``has_credentials``. Only the organization's admins may read or change them: the params name the bucket.
An endpoint must resolve to public addresses (``blob_stores.check_endpoint``, an SSRF guard).

Workspaces keep the server's own store: per-workspace storage vendors are refused with a clear message
rather than silently ignored.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from figtrail.server import blob_stores
from figtrail.server.access.policy import Level
from figtrail.server.accounts.models import BlobStore, Organization
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.catalog.models import Data
from figtrail.server.imports import crypto

SERVER_STORAGE = "figtrail"
SERVER_VENDORS = {SERVER_STORAGE, "gofigr.io"}
BUCKET_VENDORS = {"aws", "s3"}
SECRET_PARAMS = ("access_key_id", "secret_access_key")
BUCKET_PARAMS = (
    "bucket",
    "key",
    "prefix",
    "endpoint_url",
    "region",
    "addressing_style",
    *SECRET_PARAMS,
)


class StorageSerializer(serializers.Serializer):
    vendor = serializers.CharField()
    params = serializers.JSONField(required=False, allow_null=True)

    def validate_vendor(self, vendor: str) -> str:
        if vendor.lower() not in SERVER_VENDORS:
            raise ValidationError(
                f"Storage vendor {vendor!r} is not supported per workspace; this server stores a "
                f"workspace's data in its own store (vendor {SERVER_STORAGE!r}), or in its organization's "
                "bucket, set by the organization's admins (organization/<id>/storage/)."
            )
        return SERVER_STORAGE


def respond(view, request) -> Response:
    """A workspace's ``storage/``: always the server's own store."""
    if request.method == "GET":
        obj = view.get_object(Level.VIEW)
        return Response({"vendor": obj.storage_vendor, "params": obj.storage_params})
    obj = view.get_object(Level.ADMIN)
    body = StorageSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    obj.storage_vendor = body.validated_data["vendor"]
    obj.storage_params = None
    obj.save(update_fields=["storage_vendor", "storage_params"])
    return Response({"vendor": obj.storage_vendor, "params": obj.storage_params})


def respond_test(view, request) -> Response:
    view.get_object(Level.ADMIN)
    body = StorageSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return Response({"vendor": body.validated_data["vendor"], "params": None})


# ---- organizations ----


class OrganizationStorageSerializer(serializers.Serializer):
    vendor = serializers.CharField(max_length=100)
    params = serializers.JSONField(required=False, allow_null=True)

    def validate_vendor(self, vendor: str) -> str:
        if vendor.lower() not in SERVER_VENDORS | BUCKET_VENDORS:
            raise ValidationError(
                f"Storage vendor {vendor!r} is not supported; use {SERVER_STORAGE!r} (the server's own "
                "store) or 'aws' (an S3-compatible bucket: AWS S3, MinIO, Ceph, Garage, ...)."
            )
        return vendor

    def validate(self, attrs: dict) -> dict:
        vendor, params = attrs["vendor"], attrs.get("params")
        if vendor.lower() in SERVER_VENDORS:
            if params:
                raise ValidationError({"params": ["The server's own store takes no params: give null."]})
            attrs["vendor"], attrs["params"] = SERVER_STORAGE, None
            return attrs
        attrs["params"] = bucket_params(params)
        return attrs


def _text(params: dict, name: str, max_length: int) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise ValidationError({"params": {name: [f"Must be text of at most {max_length} characters."]}})
    return value.strip()


def bucket_params(params) -> dict:
    """The params of a bucket, checked: 400 naming the param that is wrong (never echoing a secret)."""
    if not isinstance(params, dict):
        raise ValidationError({"params": ["Must be an object naming at least the bucket."]})
    unknown = sorted(set(params) - set(BUCKET_PARAMS))
    if unknown:
        raise ValidationError(
            {"params": [f"Unknown params {', '.join(unknown)}; accepted: {', '.join(BUCKET_PARAMS)}."]}
        )
    checked = {name: _text(params, name, 2048) for name in params}
    bucket = checked.get("bucket", "")
    if not (3 <= len(bucket) <= 255) or not all(ch.isalnum() or ch in ".-_" for ch in bucket):
        raise ValidationError({"params": {"bucket": ["Required: a bucket name (letters, digits, . - _)."]}})
    if checked.get("key") and checked.get("prefix"):
        raise ValidationError({"params": {"prefix": ["Give the key prefix once: as key or as prefix."]}})
    endpoint = checked.get("endpoint_url", "")
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.query:
            raise ValidationError(
                {"params": {"endpoint_url": ["Must be an http:// or https:// URL without credentials."]}}
            )
        try:
            blob_stores.check_endpoint(endpoint)
        except blob_stores.EndpointRefused as exc:
            raise ValidationError({"params": {"endpoint_url": [str(exc)]}}) from exc
    if checked.get("addressing_style", "auto") not in ("", "auto", "path", "virtual"):
        raise ValidationError({"params": {"addressing_style": ["Must be auto, path or virtual."]}})
    if bool(checked.get("access_key_id")) != bool(checked.get("secret_access_key")):
        raise ValidationError(
            {"params": {"secret_access_key": ["Give access_key_id and secret_access_key together."]}}
        )
    return checked


class StorageTestFailed(APIException):
    """400 from ``storage/test/``: the bucket described could not be used."""

    status_code = 400
    default_detail = "The storage cannot be reached."
    default_code = "organization_storage_unreachable"


def public(params: dict | None) -> dict | None:
    """The params as set, without the credentials."""
    return None if params is None else {k: v for k, v in params.items() if k not in SECRET_PARAMS}


def shown(organization: Organization) -> dict:
    """What a GET answers: the vendor and params as set, without the credentials."""
    store = organization.blob_store
    return {
        "vendor": organization.storage_vendor,
        "params": organization.storage_params,
        "has_credentials": bool(store and store.has_credentials),
    }


def new_store(organization: Organization | None, vendor: str, params: dict, user) -> BlobStore:
    """An unsaved store for ``params`` (from ``bucket_params``), its credentials encrypted."""
    return BlobStore(
        organization=organization,
        vendor=vendor,
        bucket=params["bucket"],
        prefix=(params.get("key") or params.get("prefix") or "").strip("/"),
        endpoint_url=params.get("endpoint_url", ""),
        region=params.get("region", ""),
        addressing_style=params.get("addressing_style", ""),
        access_key_id_encrypted=(
            crypto.encrypt(params["access_key_id"]) if params.get("access_key_id") else ""
        ),
        secret_access_key_encrypted=(
            crypto.encrypt(params["secret_access_key"]) if params.get("secret_access_key") else ""
        ),
        created_by=user if user.is_authenticated else None,
    )


def respond_organization(view, request) -> Response:
    organization = view.get_object(Level.OWN)  # the params name the bucket: admins only, reading too
    if request.method == "GET":
        return Response(shown(organization))
    body = OrganizationStorageSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    vendor, params = body.validated_data["vendor"], body.validated_data["params"]
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        previous = organization.blob_store_id
        store = None
        if params is not None:
            store = new_store(organization, vendor, params, request.user)
            store.save()
        organization.blob_store = store
        organization.storage_vendor = vendor
        organization.storage_params = public(params)
        organization.updated_by, organization.updated_on = request.user, timezone.now()
        organization.save(
            update_fields=["blob_store", "storage_vendor", "storage_params", "updated_by", "updated_on"]
        )
        if previous is not None:
            if not Data.objects.filter(store_id=previous).exists():  # no bytes there: forget its secrets
                BlobStore.objects.filter(pk=previous).delete()
        activity.record(request.user, Action.UPDATE, organization)
    return Response(shown(organization))


def respond_organization_test(view, request) -> Response:
    """Contact the bucket the body describes (not the saved one): 200 if an object could be written,
    read back and deleted there, 400 naming the organization's storage and what failed otherwise."""
    organization = view.get_object(Level.OWN)
    body = OrganizationStorageSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    vendor, params = body.validated_data["vendor"], body.validated_data["params"]
    if params is not None:
        try:
            blob_stores.probe(new_store(organization, vendor, params, request.user))
        except blob_stores.StoreUnreachable as exc:
            raise StorageTestFailed({"detail": exc.message, "code": StorageTestFailed.default_code}) from exc
    has_credentials = bool(params and params.get("access_key_id"))
    return Response({"vendor": vendor, "params": public(params), "has_credentials": has_credentials})
