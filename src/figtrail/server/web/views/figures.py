"""A figure: the timeline of its revisions, newest first, from which two can be picked to compare."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from figtrail.server.access.declarations import LINK, declare
from figtrail.server.catalog.models import Figure
from figtrail.server.web import viewer
from figtrail.server.web.figure_cards import THUMBNAIL_SIZE
from figtrail.server.web.navigation import breadcrumbs, paginate
from figtrail.server.web.views.comments import comments_panel
from figtrail.server.web.views.insight import figure_ai
from figtrail.server.web.views.sharing import share_panel

PER_PAGE = 30


@declare(LINK)
@require_safe
def figure(request: HttpRequest, pk) -> HttpResponse:
    obj = viewer.fetch(request, Figure.objects.select_related("analysis__workspace"), pk)
    revisions = obj.revisions.select_related("created_by").order_by("-revision_index")
    page = paginate(request, revisions, PER_PAGE)
    items = list(page.object_list)
    latest = revisions.first()
    context = {
        "figure": obj,
        "crumbs": breadcrumbs(request, obj),
        "page": page,
        "revisions": items,
        "latest": latest,
        "total": page.paginator.count,
        "thumbnail_size": THUMBNAIL_SIZE,
        # preselect the two newest on the page: the most common comparison
        "pick_a": items[1].pk if len(items) > 1 else None,
        "pick_b": items[0].pk if items else None,
        "share": share_panel(request, obj),
        "comments": comments_panel(request, obj),
        "ai": figure_ai(request, obj),
    }
    return render(request, "web/figure.html", context)
