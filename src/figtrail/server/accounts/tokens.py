"""``/api/token/`` and ``/api/token/refresh/``: JWT pairs (simplejwt), outside the versioned API."""

from __future__ import annotations

from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView


class ObtainTokenPair(TokenObtainPairView):
    """Username and password, form-encoded (official Python client) or JSON (R client)."""

    versioning_class = None


class RefreshToken(TokenRefreshView):
    versioning_class = None
