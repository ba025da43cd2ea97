"""Error bodies: always JSON, always naming the field or the reason."""

from __future__ import annotations

from django.db import IntegrityError
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This object already exists."
    default_code = "conflict"

    @classmethod
    def because(cls, code: str, message: str) -> Conflict:
        """A 409 whose body says which conflict it is, so a client can tell a retry from a clash."""
        return cls({"detail": message, "code": code})


class InsufficientStorage(APIException):
    """507: the server's storage is full; the request stored nothing and may be retried later."""

    status_code = status.HTTP_507_INSUFFICIENT_STORAGE
    default_detail = "The server's storage is full: nothing was stored. Ask its administrator to free space."
    default_code = "storage_full"


class OrganizationStorageUnreachable(APIException):
    """502: the organization's own bucket refused or did not answer; nothing was stored."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "The organization's storage cannot be reached."
    default_code = "organization_storage_unreachable"


def exception_handler(exc, context):
    from figtrail.server.blob_stores import StoreUnreachable
    from figtrail.server.blobs import StorageFull

    if isinstance(exc, StorageFull):
        exc = InsufficientStorage({"detail": InsufficientStorage.default_detail, "code": "storage_full"})
    if isinstance(exc, StoreUnreachable):
        request = context.get("request")
        writing = request is not None and request.method not in ("GET", "HEAD", "OPTIONS")
        detail = f"{exc.message}{' Nothing was stored.' if writing else ''} {exc.hint}"
        exc = OrganizationStorageUnreachable(
            {"detail": detail, "code": OrganizationStorageUnreachable.default_code}
        )
    if isinstance(exc, ParseError):
        return Response({"detail": f"The request body is not valid: {exc.detail}"}, status=400)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": "This change conflicts with existing data.", "code": "conflict"}, status=409
        )
    return drf_exception_handler(exc, context)
