"""A workspace: its analyses and assets, and its members with their roles."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count, Max
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from figtrail.server.access.declarations import declare
from figtrail.server.access.memberships import MembershipError, change_workspace_member
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Figure, Revision, Workspace, WorkspaceRole
from figtrail.server.web import viewer
from figtrail.server.web.navigation import breadcrumbs, paginate
from figtrail.server.web.views import invitations
from figtrail.server.web.views.stories import provider_label, workspace_stories

PER_PAGE = 50
WORKSPACE_INVITE_ROLES = ("viewer", "creator", "admin")  # invitations/workspace/: never owner


def workspace_header(request: HttpRequest, workspace: Workspace, tab: str) -> dict:
    """What every workspace tab shows above its content."""
    return {
        "workspace": workspace,
        "tab": tab,
        "crumbs": breadcrumbs(request, workspace),
        "can_admin": viewer.can(request, workspace, Level.ADMIN),
        "counts": {
            "analyses": workspace.analyses.count(),
            "figures": Figure.objects.filter(analysis__workspace=workspace).count(),
            "revisions": Revision.objects.filter(figure__analysis__workspace=workspace).count(),
            "assets": workspace.assets.count(),
            "members": workspace.memberships.count(),
            "stories": workspace.stories.count(),
        },
    }


@declare(Level.VIEW)
@require_safe
def workspace(request: HttpRequest, pk) -> HttpResponse:
    ws = viewer.fetch(request, Workspace.objects.select_related("organization"), pk)
    tab = request.GET.get("tab") if request.GET.get("tab") in ("assets", "stories") else "analyses"
    if tab == "stories":
        items = workspace_stories(ws)
    elif tab == "analyses":
        items = ws.analyses.annotate(
            figure_count=Count("figures"), last_change=Coalesce("child_updated_on", "created_on")
        ).order_by("-last_change")
    else:
        items = ws.assets.annotate(
            revision_count=Count("revisions"),
            last_change=Coalesce(Max("revisions__created_on"), "created_on"),
        ).order_by("-last_change")
    page = paginate(request, items, PER_PAGE)
    if tab == "stories":
        for story in page.object_list:
            story.provider_label = provider_label(story)
    context = workspace_header(request, ws, tab) | {"page": page}
    return render(request, "web/workspace.html", context)


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=WorkspaceRole.choices, required=False)
    change = forms.ChoiceField(choices=[("add", "add"), ("change", "change"), ("remove", "remove")])


@declare({"get": Level.VIEW, "post": Level.ADMIN})
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, pk) -> HttpResponse:
    ws = viewer.fetch(request, Workspace, pk)
    if request.method == "POST":
        viewer.require(request, ws, Level.ADMIN)
        if request.POST.get("action") in ("invite", "revoke"):
            invitations.change(request, ws, WORKSPACE_INVITE_ROLES)
            return redirect("web:workspace-members", pk=ws.pk)
        form = MemberForm(request.POST)
        if form.is_valid():
            error = change_member(request, ws, **form.cleaned_data)
            if error:
                messages.error(request, error)
            else:
                messages.success(request, _done(form.cleaned_data))
        else:
            messages.error(request, "Give a username and a role.")
        return redirect("web:workspace-members", pk=ws.pk)
    memberships = ws.memberships.select_related("user").order_by("user__username")
    context = workspace_header(request, ws, "members") | {
        "memberships": memberships,
        "roles": WorkspaceRole.choices,
        "invite_roles": [
            (value, label) for value, label in WorkspaceRole.choices if value in WORKSPACE_INVITE_ROLES
        ],
        "invitations": invitations.pending(request, ws),
        "organization_members": ws.organization.memberships.select_related("user").order_by("user__username")
        if ws.organization_id
        else [],
    }
    return render(request, "web/workspace_members.html", context)


def _done(fields: dict) -> str:
    if fields["change"] == "remove":
        return f"{fields['username']} is no longer a member."
    return f"{fields['username']} is now {fields['role']}."


def change_member(request: HttpRequest, ws: Workspace, username: str, role: str, change: str) -> str | None:
    """Add, change or remove one membership by the rules shared with the API's ``members/<change>/``.

    Returns an error message, or None when done. The caller has checked ADMIN on the workspace.
    """
    try:
        change_workspace_member(viewer.actor(request), ws, change, username, role or None)
    except MembershipError as error:
        return error.message
    return None
