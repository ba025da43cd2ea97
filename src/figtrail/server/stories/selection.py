"""Turning the ids a client sends into revisions the caller may put in a story.

A story shows its slides' images to everyone who may read the story, so a revision enters a story only
if the person adding it may VIEW it and it is in the story's own workspace (stories.editing checks
that). An id that does not exist and an id the caller may not view get the same answer, so that nothing
leaks through it.
"""

from __future__ import annotations

import uuid

from rest_framework.exceptions import ValidationError

from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Analysis, Figure, Revision
from figtrail.server.ids import uuids_or_400

MAX_SLIDES = 100


def _queryset():
    return Revision.objects.select_related("figure__analysis__workspace")


def revisions_by_id(actor: policy.Actor, ids: list[uuid.UUID], field: str) -> list[Revision]:
    """The revisions with these ids, in that order, each one the actor may view."""
    known = {rev.pk: rev for rev in _queryset().filter(pk__in=ids)}
    for pk in ids:
        revision = known.get(pk)
        if revision is None or not policy.allowed(actor, revision, Level.VIEW):
            raise ValidationError({field: [f"No revision with id {pk} that you may view."]})
    return [known[pk] for pk in ids]


def latest_revisions(figures: list[Figure], field: str) -> list[Revision]:
    """Each figure's newest revision; a figure without one cannot be shown."""
    revisions = []
    for figure in figures:
        latest = _queryset().filter(figure=figure).order_by("-revision_index", "-created_on").first()
        if latest is None:
            raise ValidationError({field: [f"Figure {figure.pk} ({figure.name}) has no revision to show."]})
        revisions.append(latest)
    return revisions


def figures_by_id(actor: policy.Actor, ids: list[uuid.UUID], field: str) -> list[Figure]:
    known = {fig.pk: fig for fig in Figure.objects.select_related("analysis__workspace").filter(pk__in=ids)}
    for pk in ids:
        figure = known.get(pk)
        if figure is None or not policy.allowed(actor, figure, Level.VIEW):
            raise ValidationError({field: [f"No figure with id {pk} that you may view."]})
    return [known[pk] for pk in ids]


def figures_of(analysis: Analysis) -> list[Figure]:
    """The figures of an analysis that have something to show, in the analysis's order."""
    return list(analysis.figures.filter(revisions__isnull=False).distinct().order_by("created_on"))


def choose(
    actor: policy.Actor,
    *,
    revision_ids: list[str] | None,
    figure_ids: list[str] | None,
    analysis: Analysis | None,
) -> list[Revision]:
    """The revisions a new story shows: the revisions named, then the latest of each figure named; with
    neither list given, the latest revision of every figure of ``analysis``."""
    if revision_ids is None and figure_ids is None:
        if analysis is None:
            raise ValidationError({"revision_ids": ["Give revision_ids or figure_ids (or an analysis)."]})
        chosen = latest_revisions(figures_of(analysis), "analysis")
        field = "analysis"
    else:
        field = "revision_ids" if revision_ids is not None else "figure_ids"
        chosen = revisions_by_id(actor, uuids_or_400(revision_ids or [], "revision_ids"), "revision_ids")
        figures = figures_by_id(actor, uuids_or_400(figure_ids or [], "figure_ids"), "figure_ids")
        chosen += [rev for rev in latest_revisions(figures, "figure_ids") if rev not in chosen]
    if not chosen:
        raise ValidationError({field: ["Choose at least one figure or revision with an image to show."]})
    if len(chosen) > MAX_SLIDES:
        raise ValidationError({field: [f"A story holds at most {MAX_SLIDES} slides."]})
    return chosen
