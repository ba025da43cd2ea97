"""``/device``: where a signed-in user approves or denies a device sign-in (``accounts.device``), the
page the official clients' ``gfconfig`` opens. ``?user_code=`` (the link the client prints) fills in the
code; the page says which client asks, from where and when, and the user approves or denies it (a POST
with the CSRF token, then a redirect back here, which says what was decided). An unknown code, one past
its 10 minutes and one already decided each get their own message; wrong codes are throttled per user
(FIGTRAIL_LOGIN_RATE)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from figtrail.server.access.declarations import SIGNED_IN, declare
from figtrail.server.accounts import device
from figtrail.server.api.throttles import UserCodeThrottle

UNKNOWN = "No sign-in request has this code. Check it against the one your terminal shows, or start again."
EXPIRED = "This code has expired (a code lasts 10 minutes): run the sign-in again for a new one."
DECIDED = "This code has already been used. Run the sign-in again for a new one."


@declare(SIGNED_IN)  # the code is the capability; the signed-in user is who the client signs in as
@require_http_methods(["GET", "POST"])
def device_page(request: HttpRequest) -> HttpResponse:
    entered = (request.POST if request.method == "POST" else request.GET).get("user_code", "").strip()
    if not entered:
        return _render(request, {}, 200)
    throttle = UserCodeThrottle()
    if not throttle.allow_request(request):
        return _render(request, {"entered": entered, "problem": throttle.message()}, 429)
    found = device.find(entered)
    if found is None:
        throttle.record_failure()
        return _render(request, {"entered": entered, "problem": UNKNOWN}, 404)
    if request.method == "POST":
        return _decide(request, found)
    return _render(request, _context(request, found), 200)


def _decide(request: HttpRequest, found) -> HttpResponse:
    decision = request.POST.get("decision")
    if decision not in ("approve", "deny"):
        messages.error(request, "Choose Approve or Deny.")
    else:
        try:
            device.decide(found, request.user, approve=decision == "approve")
        except device.NotPending:
            messages.error(request, EXPIRED if found.is_expired() else DECIDED)
        else:
            if decision == "approve":
                messages.success(request, "Signed in: go back to your terminal, it carries on by itself.")
            else:
                messages.success(request, "Denied: the client that asked is not signed in.")
    query = urlencode({"user_code": device.shown(found.user_code)})
    return HttpResponseRedirect(f"{reverse('web:device')}?{query}")


def _context(request: HttpRequest, found) -> dict:
    State = found.State
    context = {
        "authorization": found,
        "code": device.shown(found.user_code),
        "client": device.client_name(found),
    }
    if found.state == State.PENDING and not found.is_expired():
        context["pending"] = True
    elif found.user_id == request.user.pk and found.state != State.PENDING:
        context["mine"] = "denied" if found.state == State.DENIED else "approved"
    elif found.state == State.PENDING:
        context["problem"] = EXPIRED
    else:
        context["problem"] = DECIDED
    return context


def _render(request: HttpRequest, context: dict, status: int) -> HttpResponse:
    return render(request, "web/device.html", context, status=status)
