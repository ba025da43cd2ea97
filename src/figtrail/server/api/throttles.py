"""Brute-force protection for sign-in: failed attempts per client address and username.

Both ``/api/token/`` and the web sign-in form count *failed* attempts only (a user who signs in often
is never slowed down), at most FIGTRAIL_LOGIN_RATE (default ``20/min``) per client address and
username; above it they answer 429 until the window has passed. The counts live in the ``throttle``
cache, a file-based cache under FIGTRAIL_HOME, so that every gunicorn worker (and every app server
sharing the home folder) sees the same counts; it needs no database table.
"""

from __future__ import annotations

import hashlib
import math

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle


class LoginThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle, keyed by address + username, that records failures only."""

    scope = "login"
    cache_format = "throttle_%(scope)s_%(ident)s"

    def __init__(self) -> None:
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self) -> str:
        return settings.FIGTRAIL_LOGIN_RATE

    def get_cache_key(self, request, view=None) -> str:
        username = str(_username(request)).strip().lower()
        # The client address as the server sees it: X-Forwarded-For is not trusted (it can be forged to
        # get a fresh count on every attempt); behind a proxy the username still keys the count.
        address = request.META.get("REMOTE_ADDR", "")
        digest = hashlib.sha256(f"{address}\n{username}".encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}

    def allow_request(self, request, view=None) -> bool:
        """True unless this address and username already failed ``num_requests`` times in the window.
        Does not count this attempt: call :meth:`record_failure` when it fails."""
        self.key = self.get_cache_key(request, view)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) < self.num_requests

    def record_failure(self) -> None:
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)

    def seconds(self) -> int:
        """Whole seconds until the next attempt may be made (the Retry-After of a 429)."""
        return math.ceil(self.wait() or 1)

    def message(self) -> str:
        return (
            "Too many failed sign-in attempts for this username; "
            f"try again in {self.seconds()} seconds (FIGTRAIL_LOGIN_RATE)."
        )


def _username(request) -> str:
    data = getattr(request, "data", None)  # a DRF request: form-encoded or JSON
    if data is None:
        data = request.POST
    try:
        value = data.get("username", "")
    except AttributeError:  # a JSON body that is not an object
        return ""
    return value if isinstance(value, str) else ""


class UserCodeThrottle(LoginThrottle):
    """Wrong user codes entered on the ``/device`` page (device sign-in), per signed-in user, at the same
    rate (FIGTRAIL_LOGIN_RATE): a code is eight letters, and this keeps guessing one hopeless."""

    scope = "user_code"

    def get_cache_key(self, request, view=None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}

    def message(self) -> str:
        return f"Too many wrong sign-in codes; try again in {self.seconds()} seconds (FIGTRAIL_LOGIN_RATE)."


class DeviceRequestThrottle(LoginThrottle):
    """New device sign-ins (``/oauth/device/code``) per client address, every one counted (each makes a
    row), at FIGTRAIL_LOGIN_RATE."""

    scope = "device_code"

    def get_cache_key(self, request, view=None) -> str:
        address = request.META.get("REMOTE_ADDR", "")
        digest = hashlib.sha256(address.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}

    def message(self) -> str:
        return (
            "Too many sign-in requests from this address; "
            f"try again in {self.seconds()} seconds (FIGTRAIL_LOGIN_RATE)."
        )
