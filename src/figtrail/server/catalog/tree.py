"""Keeping the tree consistent: sizes and "last child change" propagate from a node to its ancestors."""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any

from django.db.models import F, Model

from figtrail.server.catalog.models import Tracked


def ancestors(obj: Model) -> list[tuple[type[Model], Any]]:
    """``(model, pk)`` of the containers above ``obj``, nearest first (``Node.levels``: no extra queries).
    Only catalog objects keep sizes: a story, a data object or an organization has none above it."""
    if not isinstance(obj, Tracked):
        return []
    return list(islice(obj.levels(), 1, None))


def adjust_size(obj: Model, delta: int, *, include_self: bool = False) -> None:
    """Add ``delta`` bytes to the aggregate size of every ancestor (and the object itself if asked)."""
    if delta == 0:
        return
    nodes = ([(type(obj), obj.pk)] if include_self else []) + ancestors(obj)
    for model, pk in nodes:
        model.objects.filter(pk=pk).update(size_bytes=F("size_bytes") + delta)


def move_sizes(obj: Model, old_parent: Model, new_parent: Model) -> None:
    """Carry an object's bytes from one parent chain to another when it moves."""
    adjust_size(old_parent, -obj.size_bytes, include_self=True)
    adjust_size(new_parent, obj.size_bytes, include_self=True)


def add_child(obj: Model, user, when: datetime) -> None:
    """A new object: ``adjust_size(obj, obj.size_bytes)`` and ``touch_ancestors``, one UPDATE an ancestor."""
    for model, pk in ancestors(obj):
        model.objects.filter(pk=pk).update(
            size_bytes=F("size_bytes") + obj.size_bytes, child_updated_on=when, child_updated_by=user
        )


def touch_ancestors(obj: Model, user, when: datetime) -> None:
    """Record on every ancestor that a descendant changed, by whom and when."""
    for model, pk in ancestors(obj):
        model.objects.filter(pk=pk).update(child_updated_on=when, child_updated_by=user)
