"""Activity entries as the dashboard lists them: who did what to which object, and a link to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from figtrail.server.activity.models import LogEntry
from figtrail.server.web.navigation import url_for_kind

VERBS = {"create": "created", "update": "changed", "delete": "deleted", "view": "viewed", "move": "moved"}
KIND_LABELS = {"asset_revision": "asset revision"}


@dataclass
class ActivityRow:
    who: str
    verb: str
    kind: str
    name: str
    url: str | None
    where: str | None
    when: datetime


def activity_rows(entries) -> list[ActivityRow]:
    rows = []
    for entry in entries:
        entry: LogEntry
        url = None if entry.deleted else url_for_kind(entry.target_type, entry.target_id)
        rows.append(
            ActivityRow(
                who=entry.user.username if entry.user else "someone",
                verb=VERBS.get(entry.action, entry.action),
                kind=KIND_LABELS.get(entry.target_type, entry.target_type),
                name=entry.target_name or "",
                url=url,
                where=entry.analysis_name if entry.target_type != "analysis" else None,
                when=entry.timestamp,
            )
        )
    return rows
