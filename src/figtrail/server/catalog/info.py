"""``info/``: what this server is and can do; answered without credentials.

With FIGTRAIL_PUBLIC_URL ``https://`` (and no path), it also names the device sign-in the official
clients' ``gfconfig`` wizards use, under the keys they read (``auth0_domain``, ``auth0_cli_client_id``,
``auth0_audience``: ``accounts.device``). Otherwise those keys are left out: the clients would call
``https://<host>/oauth/...`` whatever the server is served over, so an http server, or one under a path,
cannot be signed in to that way, and ``gfconfig`` then says so instead of failing half-way.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

import figtrail
from figtrail.server.access.declarations import PUBLIC
from figtrail.server.accounts import device
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
                "auth0_domain": serializers.CharField(required=False),
                "auth0_cli_client_id": serializers.CharField(required=False),
                "auth0_audience": serializers.CharField(required=False),
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
                **(device.settings() or {}),  # the device sign-in, when FIGTRAIL_PUBLIC_URL is https
            }
        )
