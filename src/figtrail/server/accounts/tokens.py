"""``/api/token/`` and ``/api/token/refresh/``: JWT pairs (simplejwt), outside the versioned API; and
``/api/token/sign_out_everywhere/``, which ends every token and session issued before it.

Every JWT carries the user's token generation (claim ``gen``). A password change raises it
(``User.save``), and so does signing out everywhere (API or web); a token of an earlier generation is
refused, access and refresh alike, with 401 ``token_not_valid`` (the official client then signs in again).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import F
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from figtrail.server.access.declarations import ACCOUNT, PUBLIC
from figtrail.server.api.throttles import LoginThrottle

GENERATION_CLAIM = "gen"


def check_generation(token, user=None) -> None:
    """Refuse a token issued before its user's last password change or "sign out everywhere"."""
    if user is None:
        user_id = token.get(api_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
    if user is None or token.get(GENERATION_CLAIM, 0) != user.token_generation:
        raise InvalidToken(
            {
                "detail": "This token was issued before the account's password changed or it signed out "
                "everywhere; sign in again.",
                "code": "token_not_valid",
            }
        )


def sign_out_everywhere(user) -> None:
    """End every JWT and web session of ``user`` issued so far."""
    get_user_model().objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])


class PairSerializer(TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token[GENERATION_CLAIM] = user.token_generation
        return token


class RefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs: dict) -> dict:
        check_generation(self.token_class(attrs["refresh"]))  # a bad token: TokenError, a 401 from the view
        return super().validate(attrs)


class ObtainTokenPair(TokenObtainPairView):
    """Username and password, form-encoded (official Python client) or JSON (R client).

    Failed attempts are throttled per client address and username (FIGTRAIL_LOGIN_RATE): 429 above it.
    """

    versioning_class = None
    serializer_class = PairSerializer
    access = PUBLIC  # the password is the credential

    def post(self, request, *args, **kwargs):
        throttle = LoginThrottle()
        if not throttle.allow_request(request, self):
            refused = Throttled(detail=throttle.message())  # given the wait, DRF would add a 2nd sentence
            refused.wait = throttle.seconds()  # the Retry-After header, the same seconds the message says
            raise refused
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            throttle.record_failure()
            raise


class RefreshToken(TokenRefreshView):
    versioning_class = None
    serializer_class = RefreshSerializer
    access = PUBLIC  # the refresh token is the credential


class SignOutEverywhere(APIView):
    """``POST``: every JWT (access and refresh) and web session of the caller issued so far ends."""

    versioning_class = None
    access = {"post": ACCOUNT}  # the whole account: never a workspace-scoped API key

    def post(self, request, *args, **kwargs):
        sign_out_everywhere(request.user)
        return Response({"detail": "Every earlier token and session of this account has ended."})
