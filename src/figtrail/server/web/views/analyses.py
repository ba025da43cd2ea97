"""An analysis: a paginated grid of its figures with thumbnails, names and revision counts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from figtrail.server.access.declarations import LINK, declare
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Analysis
from figtrail.server.web import viewer
from figtrail.server.web.figure_cards import annotate_cards, figure_cards
from figtrail.server.web.navigation import breadcrumbs, paginate
from figtrail.server.web.views.sharing import share_panel

PER_PAGE = 48
SORTS = {"recent": ("-last_change", "name"), "name": ("name", "created_on"), "oldest": ("created_on",)}


@declare(LINK)
@require_safe
def analysis(request: HttpRequest, pk) -> HttpResponse:
    obj = viewer.fetch(request, Analysis.objects.select_related("workspace"), pk)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "recent"
    figures = annotate_cards(obj.figures.all()).order_by(*SORTS[sort])
    if query := request.GET.get("q", "").strip():
        figures = figures.filter(name__icontains=query)
    page = paginate(request, figures, PER_PAGE)
    context = {
        "analysis": obj,
        "crumbs": breadcrumbs(request, obj),
        "page": page,
        "cards": figure_cards(page.object_list),
        "sort": sort,
        "sorts": list(SORTS),
        "query": query,
        "share": share_panel(request, obj),
        "can_edit": viewer.can(request, obj, Level.CREATE),
    }
    return render(request, "web/analysis.html", context)
