"""Searching: one workspace (its search page), or every workspace the user can see (``/search``). What
is searched and how results are counted and paged: ``web.search_results``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN, declare
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Workspace
from figtrail.server.web import viewer
from figtrail.server.web.search_results import MIN_QUERY
from figtrail.server.web.search_results import search as find
from figtrail.server.web.views.workspaces import workspace_header


@declare(Level.VIEW)
@require_safe
def search(request: HttpRequest, pk) -> HttpResponse:
    ws = viewer.fetch(request, Workspace, pk)
    query = request.GET.get("q", "").strip()
    context = workspace_header(request, ws, "search") | {
        "query": query,
        "too_short": False,
        "everywhere": False,
    }
    if len(query) < MIN_QUERY:
        context["too_short"] = bool(query)
        return render(request, "web/search.html", context)
    context["results"] = find(request, Workspace.objects.filter(pk=ws.pk), query)
    return render(request, "web/search.html", context)


@declare(SIGNED_IN)
@require_safe
def search_everywhere(request: HttpRequest) -> HttpResponse:
    """Every workspace the user is a member of (``access.policy.visible_workspaces``)."""
    query = request.GET.get("q", "").strip()
    context = {"query": query, "too_short": False, "everywhere": True}
    if len(query) < MIN_QUERY:
        context["too_short"] = bool(query)
        return render(request, "web/search_all.html", context)
    context["results"] = find(request, policy.visible_workspaces(viewer.actor(request)), query)
    return render(request, "web/search_all.html", context)
