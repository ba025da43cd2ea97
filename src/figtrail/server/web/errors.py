"""The web UI's answers when a page cannot be shown: sign in first, no access, not found, stale form."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render


def sign_in(request: HttpRequest) -> HttpResponseRedirect:
    """To the sign-in page (``LOGIN_URL``), and back here after (``?next=``)."""
    return redirect_to_login(request.get_full_path())


def denied(request: HttpRequest, message: str | None = None) -> HttpResponse:
    """Signed out: go and sign in, then come back. Signed in: a 403 page that says why."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return sign_in(request)
    context = {"title": "No access", "message": message or "You do not have access to this page."}
    return render(request, "web/error.html", context, status=403)


def not_found(request: HttpRequest, message: str | None = None) -> HttpResponse:
    context = {"title": "Not found", "message": message or "There is nothing here."}
    return render(request, "web/error.html", context, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF_FAILURE_VIEW: a form posted without (or with a stale) token."""
    context = {
        "title": "Form expired",
        "message": (
            "This form could not be checked (it may have been open too long). Reload the page and try again."
        ),
    }
    return render(request, "web/error.html", context, status=403)
