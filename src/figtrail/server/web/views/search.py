"""Searching one workspace: figures and analyses by name, revisions by their metadata.

Comment text joins the search when comments exist (they are built in another part of the server).
"""

from __future__ import annotations

from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from figtrail.server.catalog.models import Analysis, Figure, Revision, Workspace
from figtrail.server.web import viewer
from figtrail.server.web.diffs import flatten
from figtrail.server.web.figure_cards import annotate_cards, figure_cards
from figtrail.server.web.views.workspaces import workspace_header

LIMIT = 50
MIN_QUERY = 2


def _matching_metadata(metadata: dict | None, query: str) -> list[tuple[str, str]]:
    needle = query.lower()
    return [(k, v) for k, v in flatten(metadata or {}).items() if needle in k.lower() or needle in v.lower()][
        :3
    ]


@require_safe
def search(request: HttpRequest, pk) -> HttpResponse:
    ws = viewer.fetch(request, Workspace, pk)
    query = request.GET.get("q", "").strip()
    context = workspace_header(request, ws, "search") | {"query": query, "too_short": False}
    if len(query) < MIN_QUERY:
        context["too_short"] = bool(query)
        return render(request, "web/search.html", context)
    figures = annotate_cards(Figure.objects.filter(analysis__workspace=ws, name__icontains=query))
    analyses = Analysis.objects.filter(workspace=ws, name__icontains=query).order_by("name")[:LIMIT]
    revisions = (
        Revision.objects.filter(figure__analysis__workspace=ws)
        .annotate(metadata_text=Cast("metadata", TextField()))
        .filter(metadata_text__icontains=query)
        .select_related("figure")
        .order_by("-created_on")[:LIMIT]
    )
    context |= {
        "figures": figure_cards(figures.order_by("-last_change")[:LIMIT]),
        "analyses": analyses,
        "revisions": [(r, _matching_metadata(r.metadata, query)) for r in revisions],
    }
    return render(request, "web/search.html", context)
