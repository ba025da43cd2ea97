"""Imported images into the catalog: figures found or made by name, revisions through the catalog's own
``store_revision`` (blob store, numbering, sizes up the tree, activity log) like any published revision."""

from __future__ import annotations

from django.db import transaction

from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.catalog import tree
from figtrail.server.catalog.data import build_data, store_for
from figtrail.server.catalog.models import Analysis, Data, Figure, Revision, Workspace
from figtrail.server.catalog.revisions import store_revision

MAX_FIGURE_NAME = 500


def create_analysis(workspace: Workspace, user, name: str) -> Analysis:
    with transaction.atomic():
        analysis = Analysis.objects.create(workspace=workspace, name=name, created_by=user)
        tree.touch_ancestors(analysis, user, analysis.created_on)
        activity.record(user, Action.CREATE, analysis)
    return analysis


def figure_named(analysis: Analysis, user, name: str) -> tuple[Figure, bool]:
    """The analysis's (oldest) figure with this name, or a new one; and whether it was made now."""
    name = name[:MAX_FIGURE_NAME]
    figure = Figure.objects.filter(analysis=analysis, name=name).order_by("created_on").first()
    if figure is not None:
        return figure, False
    with transaction.atomic():
        figure = Figure.objects.create(analysis=analysis, name=name, created_by=user)
        tree.touch_ancestors(figure, user, figure.created_on)
        activity.record(user, Action.CREATE, figure)
    return figure, True


def add_image_revision(figure: Figure, user, payload: bytes, image_format: str, metadata: dict) -> Revision:
    item = {
        "name": figure.name,
        "type": "image",
        "data": payload,
        "metadata": {"format": image_format, "is_watermarked": False},
    }
    rows = build_data([item], store_id=store_for(figure))
    revision, _links = store_revision(figure, user, rows, metadata=metadata)
    return revision


def latest_image_hash(figure: Figure) -> str | None:
    """The image of the figure's newest revision: an import that would add the same picture skips it."""
    latest = Revision.objects.filter(figure=figure).order_by("-revision_index").first()
    if latest is None:
        return None
    image = Data.objects.filter(revision=latest, type="image").order_by("position").first()
    return image.hash if image else None


def imported_commits(analysis: Analysis) -> set[tuple[str, str]]:
    """(path, commit) pairs already imported from Git into the analysis: a re-import skips them."""
    rows = Revision.objects.filter(figure__analysis=analysis).values_list("metadata", flat=True)
    pairs = set()
    for metadata in rows:
        if isinstance(metadata, dict) and metadata.get("import") == "git":
            pairs.add((str(metadata.get("path")), str(metadata.get("commit"))))
    return pairs
