"""The dashboard: the viewer's workspaces, what happened in them lately, and recently changed figures."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN, declare
from figtrail.server.access.models import UserShare
from figtrail.server.accounts.models import Organization
from figtrail.server.activity.models import LogEntry
from figtrail.server.catalog.models import Figure
from figtrail.server.page_urls import url_of
from figtrail.server.web import viewer
from figtrail.server.web.activity import activity_rows
from figtrail.server.web.client_setup import KEY_PLACEHOLDER, client_setup
from figtrail.server.web.figure_cards import annotate_cards, figure_cards
from figtrail.server.web.navigation import target_of

RECENT_FIGURES = 12
RECENT_ACTIVITY = 15


@declare(SIGNED_IN)
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    workspaces = (
        policy.visible_workspaces(viewer.actor(request))
        .annotate(
            analysis_count=Count("analyses", distinct=True),
            figure_count=Count("analyses__figures", distinct=True),
            last_change=Coalesce("child_updated_on", "updated_on", "created_on"),
        )
        .select_related("organization")
        .order_by("-workspace_type", "name")
    )
    workspace_ids = [w.pk for w in workspaces]
    figures = annotate_cards(Figure.objects.filter(analysis__workspace_id__in=workspace_ids)).order_by(
        "-last_change"
    )
    entries = LogEntry.objects.filter(workspace_id__in=workspace_ids).select_related("user")[:RECENT_ACTIVITY]
    organizations = Organization.objects.filter(memberships__user=request.user).distinct().order_by("name")
    shares = UserShare.objects.filter(user=request.user).order_by("-created_on")[:20]
    context = {
        "workspaces": workspaces,
        "figures": figure_cards(figures[:RECENT_FIGURES]),
        "activity": activity_rows(entries),
        "organizations": organizations,
        "shared": _shared_items(request, shares),
    }
    if not context["figures"]:  # a new user: how to publish the first figure, with this server's URL
        context["setup"] = client_setup(request)
        context["placeholder"] = KEY_PLACEHOLDER
        context["keys_url"] = reverse("web:account-api-keys")
    return render(request, "web/home.html", context)


def _shared_items(request: HttpRequest, shares) -> list[dict]:
    items = []
    for share in shares:
        target = target_of(share.target_type, share.target_id)
        if target is not None and viewer.can(request, target):
            items.append(
                {
                    "kind": target.noun,
                    "label": target.label,
                    "url": url_of(target),
                }
            )
    return items
