"""Keeping the tree consistent: sizes and "last child change" propagate from a node to its ancestors."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from itertools import islice
from typing import Any

from django.db import connection
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
    """A new object: ``adjust_size(obj, obj.size_bytes)`` and ``touch_ancestors``, one UPDATE an ancestor.

    Every publish runs this, so the UPDATEs are written once per model (``_add_child_sql``) rather than
    compiled by the ORM each time, which cost several times what running them does."""
    nodes = ancestors(obj)
    if not nodes:
        return
    user_id = user.pk if user is not None else None
    with connection.cursor() as cursor:
        for model, pk in nodes:
            stamp = model._meta.get_field("child_updated_on").get_db_prep_value(when, connection)
            key = model._meta.pk.get_db_prep_value(pk, connection)
            cursor.execute(_add_child_sql(model, connection.vendor), [obj.size_bytes, stamp, user_id, key])


@cache
def _add_child_sql(model: type[Model], vendor: str) -> str:
    """``adjust_size`` and ``touch_ancestors`` of one ancestor in one UPDATE, as the ORM would write it."""
    quote = connection.ops.quote_name
    size, stamp, by = (quote(model._meta.get_field(name).column) for name in TOUCHED)
    return (
        f"UPDATE {quote(model._meta.db_table)} SET {size} = {size} + %s, {stamp} = %s, {by} = %s "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )


TOUCHED = ("size_bytes", "child_updated_on", "child_updated_by")


def touch_ancestors(obj: Model, user, when: datetime) -> None:
    """Record on every ancestor that a descendant changed, by whom and when."""
    for model, pk in ancestors(obj):
        model.objects.filter(pk=pk).update(child_updated_on=when, child_updated_by=user)
