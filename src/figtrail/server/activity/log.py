"""Writing activity entries. Every create, update and delete of a catalog object goes through here."""

from __future__ import annotations

from django.db.models import Model

from figtrail.server.activity.models import Action, LogEntry

TARGET_TYPES = {
    "Workspace": "workspace",
    "Analysis": "analysis",
    "Figure": "figure",
    "Revision": "revision",
    "Asset": "asset",
    "AssetRevision": "asset_revision",
    "Organization": "organization",
    "Comment": "comment",
    "Story": "story",
}


def _placement(obj: Model) -> tuple:
    """(workspace_id, analysis_id, analysis_name, organization_id) for an object."""
    name = type(obj).__name__
    if name == "Organization":
        return None, None, None, obj.pk
    if name == "Workspace":
        return obj.pk, None, None, obj.organization_id
    if name == "Analysis":
        return obj.workspace_id, obj.pk, obj.name, obj.workspace.organization_id
    if name == "Figure":
        return _with_analysis(obj.analysis)
    if name == "Revision":
        return _with_analysis(obj.figure.analysis)
    if name == "Asset":
        return obj.workspace_id, obj.analysis_id, None, obj.workspace.organization_id
    if name == "AssetRevision":
        return obj.asset.workspace_id, obj.asset.analysis_id, None, obj.asset.workspace.organization_id
    if name == "Story":
        analysis = obj.analysis
        return obj.workspace_id, obj.analysis_id, analysis and analysis.name, obj.workspace.organization_id
    if name == "Comment":  # a comment is placed, and named, by the object it is about
        return _placement(obj.target)
    raise TypeError(f"cannot log {name}")


def _with_analysis(analysis) -> tuple:
    return analysis.workspace_id, analysis.pk, analysis.name, analysis.workspace.organization_id


def _display_name(obj: Model) -> str | None:
    if type(obj).__name__ == "Comment":
        return _display_name(obj.target)
    if hasattr(obj, "name"):
        return obj.name
    if type(obj).__name__ == "Revision":
        return f"{obj.figure.name} #{obj.revision_index}"
    if type(obj).__name__ == "AssetRevision":
        return f"{obj.asset.name} #{obj.revision_index}"
    return None


def record(user, action: Action | str, obj: Model, *, silent: bool = False) -> LogEntry | None:
    """Log one event, unless the client asked for a silent change (``?silent=true``)."""
    if silent:
        return None
    workspace_id, analysis_id, analysis_name, organization_id = _placement(obj)
    return LogEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        target_type=TARGET_TYPES[type(obj).__name__],
        target_id=obj.pk,
        target_name=_display_name(obj),
        workspace_id=workspace_id,
        organization_id=organization_id,
        analysis_id=analysis_id,
        analysis_name=analysis_name,
        deleted=action == Action.DELETE,
    )
