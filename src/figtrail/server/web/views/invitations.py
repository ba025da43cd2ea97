"""``/invitation/<kind>/<token>``: the page an invitation email links to. Signed in, the invitee sees what
they are invited to and accepts it (once, before it expires); the rules are the API's
(``catalog.invitations.accept``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import NotFound, ValidationError

from figtrail.server.access.declarations import SIGNED_IN, declare
from figtrail.server.catalog import invitations
from figtrail.server.ids import parse_uuid

MAX_LISTED = 100


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


def pending(request: HttpRequest, target) -> list:
    """The invitations of a workspace or an organization, newest first, for its admins' page."""
    now = timezone.now()
    found = list(target.invitations.select_related("initiator").order_by("-created")[:MAX_LISTED])
    for item in found:
        item.expired = item.expiry <= now
    return found


def change(request: HttpRequest, target, roles: tuple[str, ...]) -> None:
    """Invite by e-mail or revoke an invitation, from the members page of a workspace or an organization
    (the caller checked that the user manages it; ``catalog.invitations`` checks again, as for the API).
    The accept link is shown once to the inviter, as the API returns the token once."""
    post = request.POST
    if post.get("action") == "revoke":
        found = target.invitations.filter(pk=parse_uuid(post.get("invitation", ""))).first()
        if found is None:
            messages.error(request, "No such invitation.")
            return
        invitations.revoke(request, found)
        messages.success(request, f"The invitation of {found.email} is revoked.")
        return
    form = InviteForm(post, roles=roles)
    if not form.is_valid():
        messages.error(request, "Give an e-mail address and a role.")
        return
    made = invitations.invite(request, target, form.cleaned_data["email"], form.cleaned_data["role"])
    link = invitations.accept_link("workspace" if made.workspace_id else "organization", made.plain_token)
    messages.success(
        request,
        f"Invited {made.email} as {made.membership_type.replace('_', ' ')}. The e-mail links to {link} "
        "(it works once, for seven days).",
    )


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField()

    def __init__(self, *args, roles: tuple[str, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, role) for role in roles]
