"""Where objects live in the web UI: the breadcrumbs above a page, share kinds, and pagination (page
URLs come from ``page_urls``, which non-web code uses too)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse

from figtrail.server.catalog.models import Analysis, Asset, AssetRevision, Figure, Revision, Workspace
from figtrail.server.page_urls import PAGES, url_of
from figtrail.server.stories.models import Story
from figtrail.server.web import viewer

SHARE_KINDS = {
    Analysis: "analysis",
    Figure: "figure",
    Revision: "revision",
    Asset: "asset",
    AssetRevision: "asset_revision",
    Story: "story",
}


def label_of(obj: Model) -> str:
    if isinstance(obj, Revision | AssetRevision):
        return f"Revision {obj.revision_index}"
    return obj.name


def parent_of(obj: Model) -> Model | None:
    if isinstance(obj, Revision):
        return obj.figure
    if isinstance(obj, Figure):
        return obj.analysis
    if isinstance(obj, Analysis | Asset | Story):
        return obj.workspace
    if isinstance(obj, AssetRevision):
        return obj.asset
    return None


@dataclass
class Crumb:
    label: str
    url: str | None


def breadcrumbs(request: HttpRequest, obj: Model, *, include_self: bool = True) -> list[Crumb]:
    """The object's ancestors that the viewer may see, outermost first; hidden ones are left out."""
    chain = []
    current = obj if include_self else parent_of(obj)
    while current is not None:
        chain.append(current)
        current = parent_of(current)
    crumbs = []
    for item in reversed(chain):
        if item is obj or viewer.can(request, item):
            crumbs.append(Crumb(label_of(item), url_of(item)))
    return crumbs


def paginate(request: HttpRequest, items, per_page: int, param: str = "page") -> Page:
    """One page of ``items``; a page number out of range shows the nearest page instead of an error."""
    paginator = Paginator(items, per_page)
    return paginator.get_page(request.GET.get(param))


KIND_MODELS = {kind: model for model, kind in SHARE_KINDS.items()} | {"workspace": Workspace}


def target_of(kind: str, pk) -> Model | None:
    """The catalog object a share or an activity entry points at, if it still exists."""
    model = KIND_MODELS.get(kind)
    if model is None:
        return None
    return model.objects.filter(pk=pk).first()


def url_for_kind(kind: str, pk) -> str | None:
    model = KIND_MODELS.get(kind)
    return reverse(PAGES[model], args=[pk]) if model else None
