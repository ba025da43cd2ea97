"""``/api/token/`` and ``/api/token/refresh/``: JWT pairs (simplejwt), outside the versioned API."""

from __future__ import annotations

from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from figtrail.server.access.declarations import PUBLIC


class ObtainTokenPair(TokenObtainPairView):
    """Username and password, form-encoded (official Python client) or JSON (R client)."""

    versioning_class = None
    access = PUBLIC  # the password is the credential


class RefreshToken(TokenRefreshView):
    versioning_class = None
    access = PUBLIC  # the refresh token is the credential
