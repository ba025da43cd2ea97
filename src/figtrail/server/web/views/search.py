"""Searching one workspace: figures and analyses by name, revisions by their metadata and by the text read
off their pictures (``Revision.image_text``: OCR, see ``catalog/image_reading.py``), comments by text."""

from __future__ import annotations

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from figtrail.server.access.declarations import declare
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Analysis, Figure, Revision, Workspace
from figtrail.server.page_urls import url_of
from figtrail.server.social.comments import TARGET_RELATED
from figtrail.server.social.models import Comment
from figtrail.server.web import viewer
from figtrail.server.web.diffs import flatten
from figtrail.server.web.figure_cards import annotate_cards, figure_cards
from figtrail.server.web.views.workspaces import workspace_header

LIMIT = 50
MIN_QUERY = 2


def _matching_comments(workspace: Workspace, query: str) -> list[tuple[Comment, str, str]]:
    """Workspace comments holding ``query``, newest first, with their object's label and page."""
    in_workspace = (
        Q(figure__analysis__workspace=workspace)
        | Q(revision__figure__analysis__workspace=workspace)
        | Q(asset__workspace=workspace)
        | Q(asset_revision__asset__workspace=workspace)
    )
    found = (
        Comment.objects.filter(in_workspace, content__icontains=query)
        .select_related("author", *TARGET_RELATED)
        .order_by("-created_on")[:LIMIT]
    )
    return [(c, c.target.full_label, url_of(c.target) + f"#comment-{c.pk}") for c in found]


def _matching_metadata(metadata: dict | None, query: str) -> list[tuple[str, str]]:
    needle = query.lower()
    return [(k, v) for k, v in flatten(metadata or {}).items() if needle in k.lower() or needle in v.lower()][
        :3
    ]


def _matching_text(revision: Revision, query: str) -> str | None:
    """The line of the revision's picture text holding ``query``, if any."""
    needle = query.lower()
    return next((line for line in (revision.image_text or "").splitlines() if needle in line.lower()), None)


@declare(Level.VIEW)
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
        .filter(Q(metadata_text__icontains=query) | Q(image_text__icontains=query))
        .select_related("figure")
        .order_by("-created_on")[:LIMIT]
    )
    context |= {
        "figures": figure_cards(figures.order_by("-last_change")[:LIMIT]),
        "analyses": analyses,
        "revisions": [
            (r, _matching_metadata(r.metadata, query), _matching_text(r, query)) for r in revisions
        ],
        "comments": _matching_comments(ws, query),
    }
    return render(request, "web/search.html", context)
