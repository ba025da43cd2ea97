"""``storage/`` on workspaces and organizations.

figtrail keeps every blob in the server's own store (a folder or an S3 bucket set by FIGTRAIL_* settings);
per-workspace storage vendors are refused with a clear message rather than silently ignored.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.server.access.policy import Level

SERVER_STORAGE = "figtrail"


class StorageSerializer(serializers.Serializer):
    vendor = serializers.CharField()
    params = serializers.JSONField(required=False, allow_null=True)

    def validate_vendor(self, vendor: str) -> str:
        if vendor not in {SERVER_STORAGE, "GoFigr.io"}:
            raise ValidationError(
                f"Storage vendor {vendor!r} is not supported per workspace; this server stores all data in "
                f"its own store (vendor {SERVER_STORAGE!r}), set by the administrator."
            )
        return SERVER_STORAGE


def respond(view, request) -> Response:
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
