"""Revision summaries for a figure's ``revisions`` list, built from one ``values()`` query.

A figure may have thousands of revisions; going through a DRF serializer per row costs more than the
query itself, so this list is assembled directly, in the same shape the revision serializer uses.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from figtrail.server.catalog.models import api_index

SUMMARY_COLUMNS = (
    "api_id",
    "short_id",
    "figure_id",
    "revision_index",
    "size_bytes",
    "is_clean_room",
    "metadata",
    "created_by__username",
    "created_on",
    "updated_by__username",
    "updated_on",
)


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a 'Z', as DRF renders timestamps elsewhere in the API."""
    if value is None or isinstance(value, str):  # str: already rendered (see _sqlite_time)
        return value
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def revision_summaries(revisions: QuerySet) -> list[dict]:
    rows = revisions.order_by("created_on", "revision_index").values_list(*SUMMARY_COLUMNS)
    if _reads_raw_sqlite(rows):
        rows = _raw_sqlite_rows(rows)
    return [
        {
            "api_id": str(api_id),
            "short_id": short_id,
            "figure": str(figure_id),
            "revision_index": api_index(index),
            "size_bytes": size,
            "is_processing": False,
            "is_clean_room": clean_room,
            "metadata": metadata,
            "created_by": created_by,
            "created_on": timestamp(created_on),
            "updated_by": updated_by,
            "updated_on": timestamp(updated_on),
        }
        for (
            api_id,
            short_id,
            figure_id,
            index,
            size,
            clean_room,
            metadata,
            created_by,
            created_on,
            updated_by,
            updated_on,
        ) in rows
    ]


# SQLite: the same rows without Django's per-value converters (UUID, datetime, JSON, bool objects),
# which cost several times the query itself for a figure with 1,000 revisions. The text SQLite holds
# is turned into the same output directly; anything not in Django's usual storage form goes the
# converters' way.


def _reads_raw_sqlite(rows: QuerySet) -> bool:
    connection = connections[rows.db]
    return connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone_name == "UTC"


def _raw_sqlite_rows(rows: QuerySet) -> list[tuple]:
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    return [
        (
            _uuid_text(api_id),
            short_id,
            _uuid_text(figure_id),
            index,
            size,
            bool(clean_room) if clean_room in (1, 0) else clean_room,
            _json(metadata),
            created_by,
            _sqlite_time(created_on),
            updated_by,
            _sqlite_time(updated_on),
        )
        for (
            api_id,
            short_id,
            figure_id,
            index,
            size,
            clean_room,
            metadata,
            created_by,
            created_on,
            updated_by,
            updated_on,
        ) in raw
    ]


def _uuid_text(value: str) -> str:
    if len(value) == 32:  # Django stores a UUID as its 32 hex digits
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}".lower()
    return str(uuid.UUID(value))


def _json(value: str | None):
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _sqlite_time(value) -> str | datetime | None:
    """A timestamp as SQLite hands it over (Django's driver settings make it a naive UTC datetime)."""
    if isinstance(value, datetime) and is_naive(value):
        return value.isoformat() + "Z"  # what timestamp() renders for the aware UTC value
    if isinstance(value, str):
        value = parse_datetime(value)
    return make_aware(value, UTC) if value is not None and is_naive(value) else value
