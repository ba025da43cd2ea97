"""Where objects live in the web UI: the breadcrumbs above a page, share kinds, and pagination (page
URLs come from ``page_urls``, which non-web code uses too)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse

from figtrail.server.page_urls import PAGES, url_of
from figtrail.server.web import viewer

# every model with a page, by the kind shares and activity entries name it; and those one may share
KIND_MODELS = {model.kind: model for model in PAGES}
SHARE_KINDS = {model: model.kind for model in PAGES if model.shareable}


@dataclass
class Crumb:
    label: str
    url: str | None


def breadcrumbs(request: HttpRequest, obj: Model, *, include_self: bool = True) -> list[Crumb]:
    """The object's ancestors that the viewer may see, outermost first; hidden ones are left out."""
    chain = obj.lineage() if include_self else obj.lineage()[1:]
    crumbs = []
    for item in reversed(chain):
        if item is obj or viewer.can(request, item):
            crumbs.append(Crumb(item.label, url_of(item)))
    return crumbs


def paginate(request: HttpRequest, items, per_page: int, param: str = "page") -> Page:
    """One page of ``items``; a page number out of range shows the nearest page instead of an error."""
    paginator = Paginator(items, per_page)
    return paginator.get_page(request.GET.get(param))


def target_of(kind: str, pk) -> Model | None:
    """The catalog object a share or an activity entry points at, if it still exists."""
    model = KIND_MODELS.get(kind)
    if model is None:
        return None
    return model.objects.filter(pk=pk).first()


def url_for_kind(kind: str, pk) -> str | None:
    model = KIND_MODELS.get(kind)
    return reverse(PAGES[model], args=[pk]) if model else None
