"""``info/``: what this server is and can do; answered without credentials."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

import figtrail
from figtrail.server.access.declarations import PUBLIC
from figtrail.server.catalog import auto_assign


class ServerInfo(APIView):
    permission_classes = [AllowAny]
    access = PUBLIC

    @extend_schema(
        responses=inline_serializer(
            "ServerInfo",
            {
                "server": serializers.CharField(),
                "version": serializers.CharField(),
                "api_version": serializers.CharField(),
                "ai_enabled": serializers.BooleanField(),
            },
        )
    )
    def get(self, request, *args, **kwargs):
        return Response(
            {
                "server": "figtrail",
                "version": figtrail.__version__,
                "api_version": request.version,
                # the official clients' auto_assign (revision/auto-assign/) works: its work is being done
                "ai_enabled": auto_assign.available(),
            }
        )
