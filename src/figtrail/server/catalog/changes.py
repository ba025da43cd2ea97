"""Creating, changing and deleting catalog objects: one set of operations for the API's viewsets
(``POST``/``PUT``/``PATCH``/``DELETE`` of ``workspace/``, ``analysis/``, ``figure/``, ``revision/``, ...)
and the web UI's forms, so both keep sizes up the tree (``tree``), the activity log (``activity.log``) and
the access rules (``access.policy``) the same way.

The level a change needs on the object itself (:func:`edit_level`, :func:`delete_level`) is checked by
the caller, which answers a refusal in its own way (the API's 403, the web's 404 or 403 page); what a
change needs beyond it (CREATE where an object moves to, the organization a workspace goes in) is
checked here, raising DRF's ``PermissionDenied`` (or ``ValidationError`` for a change no one may make).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Model, Sum
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied, ValidationError

from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.catalog import tree
from figtrail.server.catalog.models import (
    Analysis,
    Data,
    Figure,
    Revision,
    Workspace,
    WorkspaceMembership,
    WorkspaceRole,
    WorkspaceType,
)

# What changing or deleting an object needs on its workspace; CREATE for everything not named here.
EDIT_LEVELS: dict[type[Model], Level] = {Workspace: Level.ADMIN}
DELETE_LEVELS: dict[type[Model], Level] = {Workspace: Level.OWN}
PRIMARY_NOT_DELETED = "The primary workspace cannot be deleted."


def edit_level(model: type[Model]) -> Level:
    return EDIT_LEVELS.get(model, Level.CREATE)


def delete_level(model: type[Model]) -> Level:
    return DELETE_LEVELS.get(model, Level.CREATE)


def create_workspace(actor: policy.Actor, user, fields: dict) -> Workspace:
    """A new (secondary) workspace, owned by its creator; in an organization only for those who may
    create workspaces there."""
    fields = dict(fields)
    if fields.pop("workspace_type", None) == WorkspaceType.PRIMARY:
        raise ValidationError(
            {"workspace_type": ["A primary workspace cannot be created; it comes with the account."]}
        )
    if actor.scope_workspace_id is not None:
        raise PermissionDenied("An API key scoped to one workspace cannot create workspaces.")
    check_organization(user, fields.get("organization"))
    with transaction.atomic():
        workspace = Workspace.objects.create(
            **fields, created_by=user, workspace_type=WorkspaceType.SECONDARY
        )
        WorkspaceMembership.objects.create(
            workspace=workspace, user=user, membership_type=WorkspaceRole.OWNER
        )
        activity.record(user, Action.CREATE, workspace)
    return workspace


def check_organization(user, organization) -> None:
    """Only someone who may create workspaces in an organization may put one there."""
    if organization is not None and policy.organization_level(user, organization) < Level.CREATE:
        raise PermissionDenied(
            {
                "detail": "You may not create or move workspaces into this organization.",
                "field": "organization",
            }
        )


def create_analysis(actor: policy.Actor, user, fields: dict) -> Analysis:
    """A new analysis in ``fields["workspace"]``, which needs CREATE."""
    policy.check_workspace(actor, fields["workspace"], Level.CREATE)
    with transaction.atomic():
        analysis = Analysis.objects.create(**fields, created_by=user)
        tree.touch_ancestors(analysis, user, analysis.created_on)
        activity.record(user, Action.CREATE, analysis)
    return analysis


def create_figure(actor: policy.Actor, user, fields: dict) -> Figure:
    """A new figure in ``fields["analysis"]``, which needs CREATE."""
    policy.check(actor, fields["analysis"], Level.CREATE)
    with transaction.atomic():
        figure = Figure.objects.create(**fields, created_by=user)
        tree.touch_ancestors(figure, user, figure.created_on)
        activity.record(user, Action.CREATE, figure)
    return figure


def update(actor: policy.Actor, user, obj: Model, fields: dict, *, silent: bool = False, check=None) -> Model:
    """Change an object's fields (a rename, a new description, a move to another parent), in one
    transaction: the move's own checks and bookkeeping first (``check``, by default :func:`check_update`),
    then the save, the ancestors' "last child change" and the activity entry (none when ``silent``)."""
    with transaction.atomic():
        (check or check_update)(actor, user, obj, fields)
        now = timezone.now()
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.updated_by, obj.updated_on = user, now
        obj.save()
        tree.touch_ancestors(obj, user, now)
        activity.record(user, Action.UPDATE, obj, silent=silent)
    return obj


def check_update(actor: policy.Actor, user, obj: Model, fields: dict) -> None:
    """What a change needs beyond the object's own edit level, and the bookkeeping of a move."""
    if isinstance(obj, Workspace):
        _check_workspace_change(actor, user, obj, fields)
    elif isinstance(obj, Analysis):
        target = fields.get("workspace")
        if target is not None and target.pk != obj.workspace_id:
            move_analysis(actor, user, obj, target)
    elif isinstance(obj, Figure):
        target = fields.get("analysis")
        if target is not None and target.pk != obj.analysis_id:
            move_figure(actor, user, obj, target)


def _check_workspace_change(actor: policy.Actor, user, workspace: Workspace, fields: dict) -> None:
    if "workspace_type" in fields and fields["workspace_type"] != workspace.workspace_type:
        raise ValidationError({"workspace_type": ["A workspace's type cannot be changed."]})
    if "organization" in fields and fields["organization"] != workspace.organization:
        # Moving a workspace into, out of or between organizations hands it to the organization's admins
        # (OWN through their role): only an owner may, and only where they may create workspaces.
        # Otherwise an admin could move it into an organization of their own and lock the owner out.
        if policy.workspace_level(actor, workspace) < Level.OWN:
            raise PermissionDenied(
                {
                    "detail": "Only an owner of the workspace may move it to another organization.",
                    "field": "organization",
                }
            )
        check_organization(user, fields["organization"])


def move_analysis(actor: policy.Actor, user, analysis: Analysis, target: Workspace) -> None:
    """An analysis goes to another workspace (CREATE there), with its bytes and its scoped assets."""
    policy.check_workspace(actor, target, Level.CREATE)
    tree.move_sizes(analysis, Workspace(pk=analysis.workspace_id), Workspace(pk=target.pk))
    assets = analysis.assets.all()  # assets scoped to the analysis go with it; their bytes too
    moved = assets.aggregate(total=Sum("size_bytes"))["total"] or 0
    tree.adjust_size(Workspace(pk=analysis.workspace_id), -moved, include_self=True)
    tree.adjust_size(Workspace(pk=target.pk), moved, include_self=True)
    assets.update(workspace=target)
    activity.record(user, Action.MOVE, analysis)


def move_figure(actor: policy.Actor, user, figure: Figure, target: Analysis) -> None:
    """A figure goes to another analysis (CREATE there), with its bytes."""
    policy.check(actor, target, Level.CREATE)
    tree.move_sizes(figure, figure.analysis, target)
    activity.record(user, Action.MOVE, figure)


def delete(user, obj: Model) -> None:
    """Delete an object and everything under it: its bytes leave its ancestors' sizes, they record the
    change, and the log says it was deleted. A primary workspace is never deleted."""
    if isinstance(obj, Workspace) and obj.workspace_type == WorkspaceType.PRIMARY:
        raise ValidationError({"workspace_type": [PRIMARY_NOT_DELETED]})
    with transaction.atomic():
        tree.adjust_size(obj, -obj.size_bytes)
        tree.touch_ancestors(obj, user, timezone.now())
        activity.record(user, Action.DELETE, obj)
        obj.delete()


@dataclass(frozen=True)
class Contents:
    """What deleting an object takes with it."""

    analyses: int = 0
    figures: int = 0
    revisions: int = 0
    assets: int = 0
    stories: int = 0
    data: int = 0
    size_bytes: int = 0

    def counted(self) -> list[tuple[int, str]]:
        nouns = [
            (self.analyses, "analysis", "analyses"),
            (self.figures, "figure", "figures"),
            (self.revisions, "revision", "revisions"),
            (self.assets, "asset", "assets"),
            (self.stories, "story", "stories"),
            (self.data, "data object", "data objects"),
        ]
        return [(n, one if n == 1 else many) for n, one, many in nouns if n]


def contents(obj: Model) -> Contents:
    """What goes with ``obj`` when it is deleted (its assets stay when an analysis goes: they belong to
    the workspace; a story keeps its slides' words when their revision goes)."""
    if isinstance(obj, Workspace):
        return Contents(
            analyses=obj.analyses.count(),
            figures=Figure.objects.filter(analysis__workspace=obj).count(),
            revisions=Revision.objects.filter(figure__analysis__workspace=obj).count(),
            assets=obj.assets.count(),
            stories=obj.stories.count(),
            size_bytes=obj.size_bytes,
        )
    if isinstance(obj, Analysis):
        return Contents(
            figures=obj.figures.count(),
            revisions=Revision.objects.filter(figure__analysis=obj).count(),
            size_bytes=obj.size_bytes,
        )
    if isinstance(obj, Figure):
        return Contents(revisions=obj.revisions.count(), size_bytes=obj.size_bytes)
    if isinstance(obj, Revision):
        return Contents(data=Data.objects.filter(revision=obj).count(), size_bytes=obj.size_bytes)
    return Contents(size_bytes=getattr(obj, "size_bytes", 0))
