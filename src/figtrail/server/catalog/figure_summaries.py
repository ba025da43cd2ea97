"""Figure summaries for ``figure/`` lists, built from one ``values_list()`` query.

An analysis may hold thousands of figures; a DRF serializer per row costs several times the query (60%
of a 1,000-figure list was spent there), so the list is assembled directly, in exactly the shape
``FigureSummarySerializer`` gives (a test holds the two equal), as ``revision_summaries`` does for a
figure's revisions.
"""

from __future__ import annotations

from django.db.models import QuerySet

from figtrail.server.catalog.models import Figure
from figtrail.server.catalog.revision_summaries import timestamp
from figtrail.server.catalog.rows import TIME, UUID, values_rows
from figtrail.server.catalog.staleness import Behind

COLUMNS = (
    "api_id",
    "size_bytes",
    "created_by__username",
    "created_on",
    "updated_by__username",
    "updated_on",
    "name",
    "description",
    "child_updated_by__username",
    "child_updated_on",
    "analysis_id",
)
KINDS = (UUID, None, None, TIME, None, TIME, None, None, None, TIME, UUID)


def figure_summaries(figures: QuerySet[Figure], stale: dict[object, list[Behind]]) -> list[dict]:
    """``figures`` as the list answers them; ``stale``: ``staleness.stale_links`` of these figures."""
    behind = {str(figure_id): files for figure_id, files in stale.items()}  # rows may hold ids as text
    return [
        {
            "api_id": str(api_id),
            "size_bytes": size,
            "created_by": created_by,
            "created_on": timestamp(created_on),
            "updated_by": updated_by,
            "updated_on": timestamp(updated_on),
            "name": name,
            "description": description,
            "child_updated_by": child_updated_by,
            "child_updated_on": timestamp(child_updated_on),
            "analysis": str(analysis_id),
            "stale": [file.as_json() for file in behind.get(str(api_id), [])],
        }
        for (
            api_id,
            size,
            created_by,
            created_on,
            updated_by,
            updated_on,
            name,
            description,
            child_updated_by,
            child_updated_on,
            analysis_id,
        ) in values_rows(figures.values_list(*COLUMNS), KINDS)
    ]
