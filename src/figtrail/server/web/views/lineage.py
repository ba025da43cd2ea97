"""Lineage: what a figure revision was made from (code, environment, asset revisions), and every
figure revision an asset revision went into."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from figtrail.server.access.declarations import LINK, declare
from figtrail.server.catalog.models import AssetLink, AssetRevision, Revision
from figtrail.server.web import viewer
from figtrail.server.web.navigation import breadcrumbs, paginate
from figtrail.server.web.revision_parts import environment, git_info, parts_of

USES_PER_PAGE = 50


@declare(LINK)
@require_safe
def revision_lineage(request: HttpRequest, pk) -> HttpResponse:
    rev = viewer.shown(
        request, viewer.fetch(request, Revision.objects.select_related("figure__analysis__workspace"), pk)
    )
    parts = parts_of(rev)
    links = AssetLink.objects.filter(figure_revision=rev).select_related("asset_revision__asset")
    inputs = []
    for link in links:
        visible = viewer.can(request, link.asset_revision)
        other_uses = (
            AssetLink.objects.filter(asset_revision=link.asset_revision).exclude(figure_revision=rev).count()
            if visible
            else 0
        )
        inputs.append({"link": link, "visible": visible, "other_uses": other_uses})
    context = {
        "revision": rev,
        "figure": rev.figure,
        "crumbs": breadcrumbs(request, rev),
        "inputs": inputs,
        "code": parts.code,
        "texts": parts.text,
        "packages": parts.packages,
        "environment": environment(rev.metadata),
        "git": git_info(rev.metadata),
    }
    return render(request, "web/lineage.html", context)


def uses_of(request: HttpRequest, asset_revision: AssetRevision):
    """The page of figure revisions made from this asset revision that the viewer may see."""
    links = (
        AssetLink.objects.filter(asset_revision=asset_revision)
        .select_related("figure_revision__figure__analysis")
        .order_by("-figure_revision__created_on")
    )
    page = paginate(request, links, USES_PER_PAGE, param="uses_page")
    rows = [(link, viewer.can(request, link.figure_revision)) for link in page.object_list]
    return page, [(link, visible) for link, visible in rows if visible], sum(1 for _, v in rows if not v)
