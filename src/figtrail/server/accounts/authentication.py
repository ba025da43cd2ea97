"""How a request proves who it is: a JWT (``Bearer``) or an API key (``Token``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication

from figtrail.server.accounts.models import ApiKey, hash_api_key

LAST_USED_RESOLUTION = timedelta(minutes=1)  # avoid a database write on every request


class BearerJWTAuthentication(JWTAuthentication):
    """``Authorization: Bearer <access token>`` from ``/api/token/``; expired, or issued before the
    user's last password change or "sign out everywhere" -> 401 token_not_valid."""

    def get_user(self, validated_token):
        from figtrail.server.accounts.tokens import check_generation

        user = super().get_user(validated_token)
        check_generation(validated_token, user)
        return user


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <api key>``. Keys may expire and may be scoped to one workspace."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Token <api key>'.")
        token = header[1].decode(errors="replace")
        # the hash is unique: a slice, not first(), whose ORDER BY costs more to compile than to run
        found = ApiKey.objects.select_related("user").filter(token_hash=hash_api_key(token))[:1]
        key = found[0] if found else None
        if key is None or not key.user.is_active:
            raise exceptions.AuthenticationFailed("This API key is not valid or has been revoked.")
        if key.is_expired():
            raise exceptions.AuthenticationFailed("This API key has expired; create a new one.")
        if key.workspace_id is not None and not _owner_still_has_access(key):
            raise exceptions.AuthenticationFailed(
                "This API key's owner no longer has access to its workspace."
            )
        self._mark_used(key)
        return key.user, key

    def authenticate_header(self, request) -> str:
        return self.keyword

    @staticmethod
    def _mark_used(key: ApiKey) -> None:
        now = timezone.now()
        if key.last_used is None or now - key.last_used > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used=now)


def _owner_still_has_access(key: ApiKey) -> bool:
    from figtrail.server.access.policy import Actor, Level, workspace_level

    return workspace_level(Actor(user=key.user), key.workspace) >= Level.VIEW
