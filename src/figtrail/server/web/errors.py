"""The web UI's answers when a page cannot be shown: sign in first, no access, not found, stale form.

A route that pages call with ``fetch()`` (:func:`json_endpoint`) gets every one of them as JSON,
``{"detail": ...}`` with the same status, never an HTML page or a redirect to one: :func:`wants_json`
decides, these functions answer, and ``WebMiddleware`` turns whatever else such a route answers with an
error status and no JSON (Django's 405 from ``require_POST``, its 400 and 500 pages) into the same shape
(:func:`as_json`).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

SIGN_IN_FIRST = "Sign in first: this needs a signed-in user."
FORM_EXPIRED = (
    "This form could not be checked (it may have been open too long). Reload the page and try again."
)


def json_endpoint(view: Callable) -> Callable:
    """Mark a view that pages call with ``fetch()`` and that answers JSON (or an event stream): refused,
    for any reason and with any status, it answers ``{"detail": ...}``, never a page or a redirect to one
    (:func:`wants_json`). Views import it from ``web.gate``, which enforces the sign-in part."""
    view.answers_json = True
    return view


def answers_json(view: Callable) -> bool:
    return bool(getattr(view, "answers_json", False))


def wants_json(request: HttpRequest) -> bool:
    """The request resolved to a view marked :func:`json_endpoint`."""
    match = getattr(request, "resolver_match", None)
    return match is not None and answers_json(match.func)


def json_refusal(status: int, detail: str, **extra) -> JsonResponse:
    """The one body of a refusal to ``fetch()``: ``{"detail": ...}``, plus what else names the fault
    (a 400 also names the field: ``{"detail": "At most ...", "question": ["At most ..."]}``)."""
    return JsonResponse({"detail": detail, **extra}, status=status)


def field_refusal(field: str, message: str) -> JsonResponse:
    """400 naming the field, as the API does, with the ``detail`` every refusal to ``fetch()`` has."""
    return json_refusal(400, message, **{field: [message]})


def error_detail(error) -> str:
    """One sentence from a DRF exception's detail (a string, or a list or dict of them)."""
    detail = error.detail
    if isinstance(detail, dict):
        detail = detail.get("detail") or next(iter(detail.values()), "")
    if isinstance(detail, list):
        detail = detail[0] if detail else ""
    return str(detail)


def sign_in(request: HttpRequest) -> HttpResponse:
    """To the sign-in page (``LOGIN_URL``), and back here after (``?next=``); 401 JSON to ``fetch()``."""
    if wants_json(request):
        return json_refusal(401, SIGN_IN_FIRST)
    return redirect_to_login(request.get_full_path())


def denied(request: HttpRequest, message: str | None = None) -> HttpResponse:
    """Signed out: go and sign in, then come back. Signed in: a 403 page that says why."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return sign_in(request)
    message = message or "You do not have access to this page."
    if wants_json(request):
        return json_refusal(403, message)
    context = {"title": "No access", "message": message}
    return render(request, "web/error.html", context, status=403)


def refused(request: HttpRequest, message: str | None = None) -> HttpResponse:
    """400: a change that may not be made by anyone (deleting the primary workspace, say), saying why."""
    message = message or "This change cannot be made."
    if wants_json(request):
        return json_refusal(400, message)
    context = {"title": "Not done", "message": message}
    return render(request, "web/error.html", context, status=400)


def not_found(request: HttpRequest, message: str | None = None) -> HttpResponse:
    message = message or "There is nothing here."
    if wants_json(request):
        return json_refusal(404, message)
    context = {"title": "Not found", "message": message}
    return render(request, "web/error.html", context, status=404)


def storage_unreachable(request: HttpRequest, message: str) -> HttpResponse:
    """502: the bytes are in an organization's bucket that does not answer (``blob_stores``)."""
    if wants_json(request):
        return json_refusal(502, message, code="organization_storage_unreachable")
    context = {"title": "Storage unreachable", "message": message}
    return render(request, "web/error.html", context, status=502)


NO_PAGE = "There is no page at this address."


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's ``handler404``: a path that no route matches (a typo, a malformed id) gets the app's own
    page, as every other refusal does. (Paths under /api/ never get here: ``NoSuchRoute`` answers them.)"""
    return not_found(request, NO_PAGE)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF_FAILURE_VIEW: a form posted without (or with a stale) token."""
    if wants_json(request):
        return json_refusal(403, FORM_EXPIRED)
    context = {"title": "Form expired", "message": FORM_EXPIRED}
    return render(request, "web/error.html", context, status=403)


def is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"


def as_json(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An error answer of a ``fetch()`` route that is not JSON, as the JSON refusal with its status
    (and its ``Allow`` header: a 405 says which methods the route takes)."""
    status = response.status_code
    if status == 405:
        detail = _not_allowed(request, response)
    else:
        try:
            detail = HTTPStatus(status).phrase + "."
        except ValueError:
            detail = f"Refused ({status})."
    answer = json_refusal(status, detail)
    if "Allow" in response:
        answer["Allow"] = response["Allow"]
    return answer


def as_page(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A page's bare 405 (Django's ``require_safe``/``require_POST`` answer with no body) as the error
    page saying which methods the page takes."""
    answer = render(
        request,
        "web/error.html",
        {"title": "Not allowed", "message": _not_allowed(request, response)},
        status=405,
    )
    answer["Allow"] = response.get("Allow", "")
    return answer


def _not_allowed(request: HttpRequest, response: HttpResponse) -> str:
    allowed = response.get("Allow", "")
    return f"{request.method} is not allowed here" + (f": use {allowed}." if allowed else ".")
