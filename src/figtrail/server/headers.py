"""Strict-Transport-Security on every answer, when the operator says the server is reached over https.

TLS usually ends at a reverse proxy, and figtrail does not trust ``X-Forwarded-Proto`` (a client can
send it), so Django's own HSTS (``SECURE_HSTS_SECONDS``, sent only when the request itself is https)
would never fire. ``FIGTRAIL_PUBLIC_URL`` starting with ``https://`` is the operator's statement that
users reach the server over https: then every answer says so for ``FIGTRAIL_HSTS_SECONDS`` (a year by
default; 0 turns it off). Browsers ignore the header on plain http answers, so a test request straight
to the app server over http changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def hsts_value() -> str | None:
    config = settings.CONFIG
    if not (config.public_url or "").startswith("https://") or config.hsts_seconds <= 0:
        return None
    return f"max-age={config.hsts_seconds}"


class StrictTransportSecurityMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.value = hsts_value()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.value:
            response.setdefault("Strict-Transport-Security", self.value)
        return response
