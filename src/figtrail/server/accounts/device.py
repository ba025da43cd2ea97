"""Device sign-in (RFC 8628): how the official clients' ``gfconfig`` wizards sign in to figtrail.

The clients read ``auth0_domain``, ``auth0_cli_client_id`` and ``auth0_audience`` from ``info/`` and then
call ``https://<auth0_domain>/oauth/device/code`` and ``https://<auth0_domain>/oauth/token``: the names
are those of the Auth0 tenant the clients were written for, the protocol is the standard one, and
figtrail answers it itself. So it is advertised only when FIGTRAIL_PUBLIC_URL is ``https://`` with no
path (the clients build ``https://`` URLs on the host alone); otherwise ``info/`` leaves the three keys
out and ``gfconfig`` says it cannot sign in, where an advertised flow could only fail.

1. ``POST /oauth/device/code`` ``{client_id, audience, scope}`` (JSON or form-encoded): a new
   :class:`~figtrail.server.accounts.models.DeviceAuthorization`, pending for 10 minutes, and
   ``{device_code, user_code, verification_uri, verification_uri_complete, expires_in, interval}``.
   Only a hash of the device code is kept (the API keys' hash); the user code is eight letters
   (``BCDF-GHJK``: consonants only, so no 0/O, 1/I, nor words).
2. The user opens ``/device`` (the web UI, signed in), sees which client asks, from where and when, and
   approves or denies it (``web.views.device``, through :func:`decide`).
3. The client polls ``POST /oauth/token`` ``{grant_type, client_id, device_code}`` every ``interval``
   seconds. Before a decision: 400 ``authorization_pending`` (``slow_down`` when it polls faster). Once
   approved: 200 ``{access_token, token_type, expires_in}``, a figtrail JWT access token (the one
   ``/api/token/`` gives), exactly once; later: 400 ``invalid_grant``. Denied: ``access_denied``; past
   its 10 minutes: ``expired_token``. An approval dies with the account's token generation
   (``accounts.tokens``): a password change, "sign out everywhere" or a deactivation between the
   approval and the exchange gives ``access_denied``, never a token.

Every error is ``{"error", "error_description"}`` (RFC 6749 section 5.2), status 400.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken

from figtrail.server.access.declarations import PUBLIC
from figtrail.server.accounts.models import DeviceAuthorization, hash_api_key
from figtrail.server.accounts.tokens import GENERATION_CLAIM
from figtrail.server.api.throttles import DeviceRequestThrottle
from figtrail.server.email_links import public_url

CLIENT_ID = "figtrail-cli"  # the one client: the official clients' gfconfig (Python gofigr, R gofigR)
CLIENTS = {CLIENT_ID: "gfconfig, the GoFigr clients' sign-in wizard (Python gofigr or R gofigR)"}
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
LIFETIME = timedelta(minutes=10)
INTERVAL = 5  # seconds between polls
POLL_LEEWAY = 1.0  # seconds: a poll this much early is still on time (the client's clock, the network)
USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels (no words), nothing that looks like a digit
USER_CODE_LENGTH = 8
KEEP_FINISHED = timedelta(days=1)  # rows past their expiry are kept this long, then deleted


def settings() -> dict | None:
    """What ``info/`` advertises, or None when device sign-in is off (FIGTRAIL_PUBLIC_URL not https)."""
    public = public_url()
    if not public:
        return None
    parts = urlsplit(public)
    if parts.scheme != "https" or not parts.netloc or parts.path not in ("", "/"):
        return None
    return {"auth0_domain": parts.netloc, "auth0_cli_client_id": CLIENT_ID, "auth0_audience": public}


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_LETTERS) for _ in range(USER_CODE_LENGTH))


def shown(user_code: str) -> str:
    """``BCDFGHJK`` as people read it: ``BCDF-GHJK``."""
    half = USER_CODE_LENGTH // 2
    return f"{user_code[:half]}-{user_code[half:]}"


def normalize(entered: str) -> str | None:
    """What a person typed (any case, dashes, spaces) as a stored user code, or None if it cannot be one."""
    letters = "".join(ch for ch in entered.upper() if ch not in " -\t")
    if len(letters) != USER_CODE_LENGTH or any(ch not in USER_CODE_LETTERS for ch in letters):
        return None
    return letters


def find(entered: str) -> DeviceAuthorization | None:
    code = normalize(entered)
    if code is None:
        return None
    return DeviceAuthorization.objects.select_related("user").filter(user_code=code).first()


def client_name(authorization: DeviceAuthorization) -> str:
    return CLIENTS.get(authorization.client_id, authorization.client_id)


class NotPending(Exception):
    """The authorization was decided already, or expired: nothing changed."""


def decide(authorization: DeviceAuthorization, user, approve: bool) -> None:
    """Approve or deny a pending authorization as ``user``, once; raises :class:`NotPending` otherwise."""
    now = timezone.now()
    state = DeviceAuthorization.State.APPROVED if approve else DeviceAuthorization.State.DENIED
    changed = DeviceAuthorization.objects.filter(
        pk=authorization.pk, state=DeviceAuthorization.State.PENDING, expiry__gt=now
    ).update(state=state, user=user, decided=now, token_generation=user.token_generation)
    if not changed:
        raise NotPending()
    authorization.refresh_from_db()


def _error(code: str, description: str, status: int = 400, **headers) -> Response:
    return Response({"error": code, "error_description": description}, status=status, headers=headers)


def _field(request, name: str) -> str:
    try:
        value = request.data.get(name, "")
    except AttributeError:  # a JSON body that is not an object
        return ""
    return value.strip() if isinstance(value, str) else ""


class _OAuthView(APIView):
    """Outside the versioned API, public, JSON or form-encoded in, JSON out; no session, no CSRF (DRF's
    views are CSRF-exempt, and these take no cookie)."""

    versioning_class = None
    authentication_classes: list = []
    access = PUBLIC  # the device code (or, for a new one, nothing: the user approves it) is the credential
    schema = None

    def _body(self, request) -> str | None:
        """None when the body parses; else the description of the error."""
        try:
            request.data  # noqa: B018 - parses now, so a malformed body is an OAuth error and not a 400 detail
        except ParseError as error:
            return str(error.detail)
        return None

    def _client_error(self, request) -> Response | None:
        problem = self._body(request)
        if problem is not None:
            return _error("invalid_request", problem)
        client_id = _field(request, "client_id")
        if client_id not in CLIENTS:
            return _error(
                "invalid_client", f"Unknown client_id {client_id!r}: this server's is {CLIENT_ID!r}."
            )
        return None


class DeviceCode(_OAuthView):
    """``POST /oauth/device/code``: start a device sign-in (module docstring, step 1)."""

    def post(self, request, *args, **kwargs):
        advertised = settings()
        if advertised is None:
            return _error(
                "unauthorized_client",
                "Device sign-in is off on this server: it needs FIGTRAIL_PUBLIC_URL set to the server's "
                "https:// address (see docs/access.md).",
            )
        refused = self._client_error(request)
        if refused is not None:
            return refused
        audience = _field(request, "audience").rstrip("/")
        if audience and audience != advertised["auth0_audience"]:
            return _error(
                "invalid_request",
                f"Unknown audience {audience!r}: this server's is {advertised['auth0_audience']!r}.",
            )
        throttle = DeviceRequestThrottle()
        if not throttle.allow_request(request, self):
            return _error(
                "slow_down", throttle.message(), status=429, **{"Retry-After": str(throttle.seconds())}
            )
        throttle.record_failure()  # every request counts: each makes a row
        DeviceAuthorization.objects.filter(expiry__lt=timezone.now() - KEEP_FINISHED).delete()
        device_code = secrets.token_urlsafe(32)
        for _ in range(5):  # a user code already taken: draw again
            try:
                with transaction.atomic():
                    authorization = DeviceAuthorization.objects.create(
                        device_code_hash=hash_api_key(device_code),
                        user_code=new_user_code(),
                        client_id=_field(request, "client_id"),
                        scope=_field(request, "scope")[:200],
                        requested_from=request.META.get("REMOTE_ADDR", "")[:64],
                        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
                        expiry=timezone.now() + LIFETIME,
                        interval=INTERVAL,
                    )
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - five collisions in 20^8 codes
            return _error("server_error", "Could not make a user code; try again.", status=503)
        page = advertised["auth0_audience"] + reverse("web:device")
        return Response(
            {
                "device_code": device_code,
                "user_code": shown(authorization.user_code),
                "verification_uri": page,
                "verification_uri_complete": f"{page}?user_code={shown(authorization.user_code)}",
                "expires_in": int(LIFETIME.total_seconds()),
                "interval": authorization.interval,
            }
        )


class DeviceToken(_OAuthView):
    """``POST /oauth/token``: the client polls for its access token (module docstring, step 3)."""

    def post(self, request, *args, **kwargs):
        problem = self._body(request)
        if problem is not None:
            return _error("invalid_request", problem)
        grant_type = _field(request, "grant_type")
        if grant_type != GRANT_TYPE:
            return _error(
                "unsupported_grant_type",
                f"grant_type {grant_type!r} is not supported here; only {GRANT_TYPE!r} (device sign-in) is.",
            )
        refused = self._client_error(request)
        if refused is not None:
            return refused
        device_code = _field(request, "device_code")
        if not device_code:
            return _error("invalid_request", "device_code is missing.")
        found = DeviceAuthorization.objects.filter(device_code_hash=hash_api_key(device_code)).first()
        if found is None or found.client_id != _field(request, "client_id"):
            return _error("invalid_grant", "Unknown device_code: start the sign-in again.")
        return self._answer(found)

    def _answer(self, found: DeviceAuthorization) -> Response:
        State = DeviceAuthorization.State
        if found.state == State.USED:
            return _error(
                "invalid_grant", "This device_code was already exchanged for a token; sign in again."
            )
        if found.state == State.DENIED:
            return _error("access_denied", "The sign-in was denied on the server's /device page.")
        if found.is_expired():
            return _error("expired_token", "The sign-in was not approved within 10 minutes; start it again.")
        if found.state == State.PENDING:
            return self._pending(found)
        return self._exchange(found)

    def _pending(self, found: DeviceAuthorization) -> Response:
        now = timezone.now()
        early = found.last_polled is not None and (now - found.last_polled).total_seconds() < (
            found.interval - POLL_LEEWAY
        )
        DeviceAuthorization.objects.filter(pk=found.pk).update(last_polled=now)
        if early:
            return _error("slow_down", f"Poll at most every {found.interval} seconds.")
        return _error("authorization_pending", "Waiting for the sign-in to be approved on the /device page.")

    def _exchange(self, found: DeviceAuthorization) -> Response:
        user = get_user_model().objects.filter(pk=found.user_id).first()
        if user is None or not user.is_active or user.token_generation != found.token_generation:
            DeviceAuthorization.objects.filter(pk=found.pk).update(state=DeviceAuthorization.State.DENIED)
            return _error(
                "access_denied",
                "The account that approved this sign-in was deactivated, changed its password or signed "
                "out everywhere since; sign in again.",
            )
        won = DeviceAuthorization.objects.filter(
            pk=found.pk, state=DeviceAuthorization.State.APPROVED
        ).update(state=DeviceAuthorization.State.USED, last_polled=timezone.now())
        if not won:  # another poll exchanged it first
            return _error(
                "invalid_grant", "This device_code was already exchanged for a token; sign in again."
            )
        token = AccessToken.for_user(user)
        token[GENERATION_CLAIM] = user.token_generation
        return Response(
            {
                "access_token": str(token),
                "token_type": "Bearer",
                "expires_in": int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
            }
        )
