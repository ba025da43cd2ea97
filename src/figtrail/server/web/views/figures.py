"""A figure: the timeline of its revisions, newest first, each saying what changed, from which two can be
picked to compare; the strip of every revision to scrub through; the table of the parameters that vary."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from figtrail.server.access.declarations import LINK, declare
from figtrail.server.catalog import environment
from figtrail.server.catalog.models import Figure, Revision
from figtrail.server.catalog.staleness import stale_links
from figtrail.server.web import viewer
from figtrail.server.web.diffs import flatten
from figtrail.server.web.figure_cards import THUMBNAIL_SIZE
from figtrail.server.web.figure_history import filmstrip, parameters, what_changed
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
    hidden = viewer.hides_environment(request, obj)  # a link reader's, when the link hides it
    strip = environment.without_environment if hidden else _same
    for rev in items:
        rev.metadata = strip(rev.metadata)  # never saved: this page only reads
    keys = parameters([strip(metadata) for metadata in obj.revisions.values_list("metadata", flat=True)])
    changes = what_changed(items, obj, keys)
    if hidden:
        for change in changes.values():
            change.environment = False  # whether it changed says something of it too
    context = {
        "figure": obj,
        "crumbs": breadcrumbs(request, obj),
        "page": page,
        "revisions": items,
        "rows": [(rev, changes[rev.pk]) for rev in items],
        "parameters": keys,
        "filmstrip": filmstrip(obj),
        "stale": stale_links([obj.pk]).get(obj.pk),
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


TABLE_PER_PAGE = 100


@declare(LINK)
@require_safe
def figure_table(request: HttpRequest, pk) -> HttpResponse:
    """Every revision against the metadata keys that vary (MLflow's compare-runs table, for figures):
    sorted by any column (``?sort=<key>&order=desc``; numbers as numbers), filtered by ``?q=`` (text in
    any of its values) and ``?where=<key>=<value>``; two rows picked open the compare page."""
    obj = viewer.fetch(request, Figure.objects.select_related("analysis__workspace"), pk)
    # plain rows, not model instances: a figure may have thousands of revisions
    strip = environment.without_environment if viewer.hides_environment(request, obj) else _same
    revisions = [
        Row(pk, number, strip(metadata) or {})
        for pk, number, metadata in Revision.objects.filter(figure=obj)
        .order_by("revision_index")
        .values_list("pk", "revision_index", "metadata")
    ]
    keys = parameters([rev.metadata for rev in revisions])
    rows = [(rev, flatten(rev.metadata)) for rev in revisions]
    query = request.GET.get("q", "").strip().lower()
    if query:
        rows = [row for row in rows if any(query in str(row[1].get(key, "")).lower() for key in keys)]
    where = request.GET.get("where", "")
    if "=" in where:
        key, _, value = where.partition("=")
        rows = [row for row in rows if row[1].get(key.strip(), "") == value.strip()]
    sort, descending = request.GET.get("sort", "number"), request.GET.get("order") == "desc"
    if sort in keys:
        rows.sort(key=lambda row: _sortable(row[1].get(sort)), reverse=descending)
    elif descending:
        rows.reverse()
    page = paginate(request, rows, TABLE_PER_PAGE)
    context = {
        "figure": obj,
        "crumbs": breadcrumbs(request, obj),
        "keys": keys,
        "rows": [(rev, [flat.get(key, "") for key in keys]) for rev, flat in page.object_list],
        "page": page,
        "total": len(revisions),
        "shown": page.paginator.count,
        "sort": sort if sort in keys else "number",
        "descending": descending,
        "q": request.GET.get("q", ""),
        "where": where,
    }
    return render(request, "web/figure_table.html", context)


def _same(metadata):
    return metadata


class Row(NamedTuple):
    """A revision as the table shows it."""

    pk: Any
    revision_index: int
    metadata: dict


def _sortable(value: str | None) -> tuple[int, float, str]:
    """Missing values last; numbers by value, before text; text as text."""
    if value is None or value == "":
        return (2, 0.0, "")
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value.lower())
