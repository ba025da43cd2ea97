"""Revision summaries for a figure's ``revisions`` list, built from one ``values()`` query.

A figure may have thousands of revisions; going through a DRF serializer per row costs more than the
query itself, so this list is assembled directly, in the same shape the revision serializer uses.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from figtrail.server.catalog.models import api_index
from figtrail.server.catalog.rows import BOOL, JSON, TIME, UUID, values_rows

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
SUMMARY_KINDS = (UUID, None, UUID, None, None, BOOL, JSON, None, TIME, None, TIME)


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a 'Z', as DRF renders timestamps elsewhere in the API."""
    if value is None or isinstance(value, str):  # str: already rendered (rows.time_text)
        return value
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def revision_summaries(revisions: QuerySet) -> list[dict]:
    rows = values_rows(
        revisions.order_by("created_on", "revision_index").values_list(*SUMMARY_COLUMNS), SUMMARY_KINDS
    )
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
