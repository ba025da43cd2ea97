"""``short_id_prefix/reserve/``: hand each client a unique prefix for its revisions' short ids."""

from __future__ import annotations

import secrets
import string

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.catalog.models import ShortIdPrefix

ALPHABET = string.ascii_letters + string.digits
PREFIX_LENGTH = 8


def random_text(length: int) -> str:
    """Letters and digits drawn at random: a prefix, or a short id the server makes itself."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


class ReserveShortIdPrefix(APIView):
    access = SIGNED_IN

    @extend_schema(
        request=None,
        responses={201: inline_serializer("ShortIdPrefix", {"prefix": serializers.CharField()})},
    )
    def post(self, request, *args, **kwargs):
        for _ in range(10):
            prefix = random_text(PREFIX_LENGTH)
            try:
                with transaction.atomic():
                    ShortIdPrefix.objects.create(prefix=prefix, user=request.user)
            except IntegrityError:
                continue  # 62^8 prefixes: a collision is rare, and we just draw again
            return Response({"prefix": prefix}, status=status.HTTP_201_CREATED)
        return Response({"detail": "Could not reserve a unique prefix; try again."}, status=503)
