"""The rows of the long lists (a figure's revisions, an analysis's figures, an activity log) as a
``values_list()`` gives them, read cheaper on SQLite.

Django turns every value of every row into an object (a ``UUID``, an aware ``datetime``, parsed JSON, a
``bool``), which costs several times the query itself for a list of thousands; the lists then turn
them straight back into text. On SQLite (with ``USE_TZ`` and UTC, Django's usual storage form) the rows
are read raw instead and only the columns that need it are converted, directly into what the lists
show: a UUID as its dashed text, a timestamp as the API's ISO text, JSON parsed, 0/1 as a bool. The
lists render both forms the same (``str()`` of a text, ``timestamp()`` of a text, are the text), so on
PostgreSQL, or with other settings, the usual ``values_list()`` rows serve as they are.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware


def uuid_text(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) == 32:  # Django stores a UUID as its 32 hex digits
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}".lower()
    return str(uuid.UUID(value))


def time_text(value) -> str | datetime | None:
    """A timestamp as SQLite hands it over (Django's driver settings make it a naive UTC datetime)."""
    if isinstance(value, datetime) and is_naive(value):
        return value.isoformat() + "Z"  # what revision_summaries.timestamp() renders for the UTC value
    if isinstance(value, str):
        value = parse_datetime(value)
    return make_aware(value, UTC) if value is not None and is_naive(value) else value


def parsed_json(value: str | None):
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def as_bool(value):
    return bool(value) if value in (0, 1) else value


UUID, TIME, JSON, BOOL = uuid_text, time_text, parsed_json, as_bool
Convert = Callable[[Any], Any] | None


def values_rows(rows: QuerySet, kinds: Sequence[Convert]) -> Sequence[tuple]:
    """The rows of ``rows`` (a ``values_list()`` query); ``kinds`` names, column by column, what its raw
    SQLite value needs: ``UUID``, ``TIME``, ``JSON``, ``BOOL`` or None (a number, a text)."""
    connection = connections[rows.db]
    if not (connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone_name == "UTC"):
        return list(rows)
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    if not raw:
        return []
    columns: list[Iterable] = list(zip(*raw, strict=True))  # column by column: the loops run in C
    for column, convert in enumerate(kinds):
        if convert is not None:
            columns[column] = map(convert, columns[column])
    return list(zip(*columns, strict=True))
