"""Sessions, sign-in, route access, CSRF, messages and a strict Content Security Policy for the web UI only.

The REST API under ``/api/`` stays stateless: it never reads or sets a cookie and DRF's own
authentication classes decide who is calling. So instead of listing Django's session, auth and CSRF
middleware in ``MIDDLEWARE`` (which would run them for every request), this one middleware runs them for
non-API paths and steps aside for the API.
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from rest_framework import exceptions as drf_exceptions

from figtrail.server.blob_stores import StoreUnreachable
from figtrail.server.web import errors, gate

API_PREFIX = "/api/"

# App pages run only our own static scripts and styles. User content (SVG, HTML) is never inlined: it is
# served from /web/data/ with its own sandboxing policy and shown in sandboxed iframes.
APP_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


class WebMiddleware:
    """Wraps Django's session, auth, message and CSRF middleware around every non-API request."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        self.web = SessionMiddleware(AuthenticationMiddleware(MessageMiddleware(self.csrf)))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api(request):
            return self.get_response(request)
        response = self.web(request)
        if response.status_code >= 400 and errors.wants_json(request) and not errors.is_json(response):
            response = errors.as_json(request, response)  # fetch() callers always get {"detail": ...}
        elif response.status_code == 405 and not response.content:
            response = errors.as_page(request, response)  # a page's bare 405 says what it takes
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = APP_CSP
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("X-Content-Type-Options", "nosniff")
        return response

    def process_view(self, request: HttpRequest, view, args, kwargs):
        """The route's access declaration first (``web.gate``: a signed-out request never reaches a
        view that needs sign-in), then CSRF."""
        if is_api(request):
            return None
        if refused := gate.refusal(request, view):
            return refused
        return self.csrf.process_view(request, view, args, kwargs)

    def process_exception(self, request: HttpRequest, exception: Exception):
        """Pages call the access policy directly; its DRF exceptions become web answers here (JSON ones
        for ``fetch()`` routes, which also get any other DRF refusal as ``{"detail": ...}``)."""
        if is_api(request):
            return None
        if isinstance(exception, drf_exceptions.PermissionDenied):  # its detail may be a dict naming a field
            return errors.denied(request, errors.error_detail(exception) or None)
        if isinstance(exception, PermissionDenied):
            return errors.denied(request, str(exception) or None)
        if isinstance(exception, Http404 | drf_exceptions.NotFound):
            return errors.not_found(request, str(exception) or None)
        if isinstance(exception, StoreUnreachable):
            return errors.storage_unreachable(request, f"{exception.message} {exception.hint}")
        if isinstance(exception, drf_exceptions.APIException) and errors.wants_json(request):
            return errors.json_refusal(exception.status_code, errors.error_detail(exception) or "Refused.")
        if isinstance(exception, drf_exceptions.ValidationError):  # a change no one may make (a page's form)
            return errors.refused(request, errors.error_detail(exception) or None)
        return None
