"""``/api/token/`` and ``/api/token/refresh/``: JWT pairs (simplejwt), outside the versioned API."""

from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from figtrail.server.access.declarations import PUBLIC
from figtrail.server.api.throttles import LoginThrottle


class ObtainTokenPair(TokenObtainPairView):
    """Username and password, form-encoded (official Python client) or JSON (R client).

    Failed attempts are throttled per client address and username (FIGTRAIL_LOGIN_RATE): 429 above it.
    """

    versioning_class = None
    access = PUBLIC  # the password is the credential

    def post(self, request, *args, **kwargs):
        throttle = LoginThrottle()
        if not throttle.allow_request(request, self):
            raise Throttled(wait=throttle.wait(), detail=throttle.message())
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            throttle.record_failure()
            raise


class RefreshToken(TokenRefreshView):
    versioning_class = None
    access = PUBLIC  # the refresh token is the credential
