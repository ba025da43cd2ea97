"""``/invitation/<kind>/<token>``: the page an invitation email links to. Signed in, the invitee sees what
they are invited to and accepts it (once, before it expires); the rules are the API's
(``catalog.invitations.accept``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import NotFound, ValidationError

from figtrail.server.access.declarations import SIGNED_IN, declare
from figtrail.server.catalog import invitations


@declare(SIGNED_IN)  # the token is the credential; the signed-in user is who joins
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, kind: str, token: str) -> HttpResponse:
    found = invitations.find_invitation(kind, token)
    if found is None:
        raise Http404("No such invitation.")
    if request.method == "POST":
        try:
            accepted = invitations.accept(kind, token, request.user)
        except (NotFound, ValidationError) as error:
            messages.error(request, _message(error))
            return redirect("web:invitation", kind=kind, token=token)
        messages.success(request, "Invitation accepted.")
        if accepted.workspace_id:
            return redirect("web:workspace", pk=accepted.workspace_id)
        return redirect("web:organization", pk=accepted.organization_id)
    context = {
        "invitation": found,
        "target": found.workspace or found.organization,
        "kind": kind,
        "role": found.membership_type.replace("_", " "),
        "usable": found.status == "pending" and found.expiry > timezone.now(),
    }
    return render(request, "web/invitation.html", context)


def _message(error: Exception) -> str:
    detail = getattr(error, "detail", None)
    if isinstance(detail, dict):
        return " ".join(str(item) for items in detail.values() for item in items)
    return str(detail or error)
