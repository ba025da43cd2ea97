"""Who may open a web route: its access declaration, enforced for every request before the view runs.

``WebMiddleware.process_view`` asks :func:`refusal` about every web request, so no view checks sign-in
itself. The rule is the API's (``access.declarations.DeclaredAccess``): ``OPEN`` routes (``PUBLIC``,
``LINK``) let everyone through, signed in or not; every other route needs a signed-in user; a route (or
method) without a declaration is closed to everyone. Signed out, a page answers with a redirect to the
sign-in page (``?next=`` brings the visitor back) and an endpoint that pages call with ``fetch()``
(marked :func:`json_endpoint`) answers 401 with the JSON body those endpoints always use,
``{"detail": ...}``; signed in, such an endpoint gets every other refusal (403, 404, 405, CSRF, 400) as
JSON ``{"detail": ...}`` too (``web.errors``). What a signed-in user may see of one object stays with
``access.policy``, asked by the view (``web.viewer``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from figtrail.server.access.declarations import OPEN, callback_declaration, request_method
from figtrail.server.web import errors
from figtrail.server.web.errors import SIGN_IN_FIRST, answers_json
from figtrail.server.web.errors import json_endpoint as json_endpoint  # the views' decorator, defined there

CLOSED = "This route declares no access rule, so it is closed."


def refusal(request: HttpRequest, view: Callable) -> HttpResponse | None:
    """None when the request may reach ``view``; else the answer that refuses it."""
    declaration = callback_declaration(view, request_method(request))
    if declaration in OPEN:
        return None
    if not request.user.is_authenticated:
        if answers_json(view):
            return JsonResponse({"detail": SIGN_IN_FIRST}, status=401)
        return errors.sign_in(request)
    if declaration is None:
        if answers_json(view):
            return JsonResponse({"detail": CLOSED}, status=403)
        return errors.denied(request, CLOSED)
    return None
