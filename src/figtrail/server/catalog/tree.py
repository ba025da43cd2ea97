"""Keeping the tree consistent: sizes and "last child change" propagate from a node to its ancestors."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Model

from figtrail.server.catalog.models import Analysis, Asset, AssetRevision, Figure, Revision, Workspace


def ancestors(obj: Model) -> list[Model]:
    """The containers above ``obj``, nearest first (ids only are needed; no extra queries)."""
    if isinstance(obj, Revision):
        return [Figure(pk=obj.figure_id), *ancestors(obj.figure)]
    if isinstance(obj, Figure):
        return [Analysis(pk=obj.analysis_id), Workspace(pk=obj.analysis.workspace_id)]
    if isinstance(obj, Analysis | Asset):
        return [Workspace(pk=obj.workspace_id)]
    if isinstance(obj, AssetRevision):
        return [Asset(pk=obj.asset_id), Workspace(pk=obj.asset.workspace_id)]
    return []


def adjust_size(obj: Model, delta: int, *, include_self: bool = False) -> None:
    """Add ``delta`` bytes to the aggregate size of every ancestor (and the object itself if asked)."""
    if delta == 0:
        return
    nodes = ([obj] if include_self else []) + ancestors(obj)
    for node in nodes:
        type(node).objects.filter(pk=node.pk).update(size_bytes=F("size_bytes") + delta)


def add_child(obj: Model, user, when: datetime) -> None:
    """A new object: ``adjust_size(obj, obj.size_bytes)`` and ``touch_ancestors``, one UPDATE an ancestor."""
    for node in ancestors(obj):
        type(node).objects.filter(pk=node.pk).update(
            size_bytes=F("size_bytes") + obj.size_bytes, child_updated_on=when, child_updated_by=user
        )


def touch_ancestors(obj: Model, user, when: datetime) -> None:
    """Record on every ancestor that a descendant changed, by whom and when."""
    for node in ancestors(obj):
        type(node).objects.filter(pk=node.pk).update(child_updated_on=when, child_updated_by=user)
