"""Figures as grid cards: name, revision count, last change, latest revision, whether it is stale
(``catalog.staleness``) and whether a revision in it waits to be auto-assigned, in two queries per page.

An analysis may hold thousands of figures, so the grid is paginated and every card's numbers come from
annotations on the page's query, never from a query per card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from figtrail.server.catalog.models import Figure, Revision
from figtrail.server.catalog.staleness import Behind, stale_links

THUMBNAIL_SIZE = 320


@dataclass
class FigureCard:
    figure: Figure
    revision_count: int
    last_change: datetime
    latest_id: UUID | None
    stale: list[Behind] | None = None  # the data files its latest revision is behind on
    assigning: bool = False  # holds a revision published with auto-assign, not yet moved to its figure

    @property
    def url(self) -> str:
        return reverse("web:figure", args=[self.figure.pk])

    @property
    def thumbnail_url(self) -> str | None:
        if self.latest_id is None:
            return None
        return reverse("web:thumbnail", args=[self.latest_id, THUMBNAIL_SIZE])


def annotate_cards(figures: QuerySet[Figure]) -> QuerySet[Figure]:
    latest = Revision.objects.filter(figure=OuterRef("pk")).order_by("-revision_index").values("api_id")[:1]
    return figures.annotate(
        revision_count=Count("revisions"),
        last_change=Coalesce("child_updated_on", "created_on"),
        latest_id=Subquery(latest),
        assigning=Exists(Revision.objects.filter(figure=OuterRef("pk"), is_processing=True)),
    )


def figure_cards(figures) -> list[FigureCard]:
    """Cards for already-annotated figures, or for a plain list/slice (annotated here)."""
    items = list(figures)
    if items and not hasattr(items[0], "revision_count"):
        by_id = {f.pk: f for f in annotate_cards(Figure.objects.filter(pk__in=[f.pk for f in items]))}
        items = [by_id[f.pk] for f in items]
    stale = stale_links([f.pk for f in items])  # one query for the page
    return [
        FigureCard(f, f.revision_count, f.last_change, f.latest_id, stale.get(f.pk), f.assigning)
        for f in items
    ]
