"""Assets (tracked data files) and their revisions, with every figure revision made from each."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from figtrail.server.access.declarations import LINK, declare
from figtrail.server.catalog.data_formats import data_format
from figtrail.server.catalog.models import Asset, AssetRevision
from figtrail.server.catalog.staleness import uses_of as asset_uses
from figtrail.server.web import payloads, viewer
from figtrail.server.web.navigation import breadcrumbs, paginate
from figtrail.server.web.revision_parts import other_metadata, parts_of
from figtrail.server.web.views.comments import comments_panel
from figtrail.server.web.views.lineage import uses_of
from figtrail.server.web.views.sharing import share_panel

PER_PAGE = 50
TABLE_ROWS = 50


@declare(LINK)
@require_safe
def asset(request: HttpRequest, pk) -> HttpResponse:
    obj = viewer.fetch(request, Asset.objects.select_related("workspace", "analysis"), pk)
    revisions = (
        obj.revisions.select_related("created_by")
        .annotate(use_count=Count("figure_links"))
        .order_by("-revision_index")
    )
    context = {
        "asset": obj,
        "crumbs": breadcrumbs(request, obj),
        "page": paginate(request, revisions, PER_PAGE),
        # what uses this file: the figure revisions made from each version, those the viewer may see
        "uses": [use for use in asset_uses(obj) if viewer.can(request, use.revision)],
        "newest": revisions.first(),
        "share": share_panel(request, obj),
        "comments": comments_panel(request, obj),
    }
    return render(request, "web/asset.html", context)


@declare(LINK)
@require_safe
def asset_revision(request: HttpRequest, pk) -> HttpResponse:
    rev = viewer.fetch(request, AssetRevision.objects.select_related("asset__workspace", "created_by"), pk)
    viewer.shown(request, rev)  # without the file's path, for a link reader when the link hides it
    parts = parts_of(rev)
    page, uses, hidden = uses_of(request, rev)
    previews = []
    for data in parts.all:
        table = payloads.read_table(data, 1, TABLE_ROWS) if data_format(data) == "csv" else None
        previews.append((data, table))
    context = {
        "revision": rev,
        "asset": rev.asset,
        "crumbs": breadcrumbs(request, rev),
        "previews": previews,
        "metadata": other_metadata(rev.metadata),
        "uses_page": page,
        "uses": uses,
        "hidden_uses": hidden,
        "share": share_panel(request, rev),
        "comments": comments_panel(request, rev),
    }
    return render(request, "web/asset_revision.html", context)
