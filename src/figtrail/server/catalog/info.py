"""``info/``: what this server is and can do; answered without credentials."""

from __future__ import annotations

from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

import figtrail


class ServerInfo(APIView):
    permission_classes = [AllowAny]

    def get(self, request, *args, **kwargs):
        return Response(
            {
                "server": "figtrail",
                "version": figtrail.__version__,
                "api_version": request.version,
                "ai_enabled": False,
            }
        )
