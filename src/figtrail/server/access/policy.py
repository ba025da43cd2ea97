"""The one module that decides whether an actor may act on an object.

API views and web views call :func:`check` (raising) or :func:`allowed` (a bool). Everything is denied
unless a rule here grants it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from uuid import UUID

from django.db.models import Model, Q, QuerySet
from rest_framework.exceptions import NotFound, PermissionDenied

from figtrail.server.access.models import LinkShare, UserShare
from figtrail.server.accounts.models import ApiKey, OrganizationMembership, OrganizationRole
from figtrail.server.catalog.models import Node, Workspace, WorkspaceMembership, WorkspaceRole


class Level(IntEnum):
    """What a role allows, in increasing order; every action needs one level on the workspace."""

    NONE = 0
    VIEW = 1  # read everything in the workspace
    CREATE = 2  # add and change analyses, figures, revisions, assets
    ADMIN = 3  # rename the workspace, manage members and invitations
    OWN = 4  # delete the workspace


WORKSPACE_ROLE_LEVEL = {
    WorkspaceRole.VIEWER: Level.VIEW,
    WorkspaceRole.CREATOR: Level.CREATE,
    WorkspaceRole.ADMIN: Level.ADMIN,
    WorkspaceRole.OWNER: Level.OWN,
}

# An organization role's level on the organization itself: VIEW to see it and its members, CREATE (or
# ADMIN) to create workspaces in it, OWN to manage it (members, roles, branding, invitations).
ORGANIZATION_ROLE_LEVEL = {
    OrganizationRole.ADMIN: Level.OWN,
    OrganizationRole.WORKSPACE_ADMIN: Level.ADMIN,
    OrganizationRole.WORKSPACE_CREATOR: Level.CREATE,
    OrganizationRole.WORKSPACE_VIEWER: Level.VIEW,
}

# What an organization role grants on EVERY workspace of the organization (docs/access.md). A workspace
# creator reaches only the workspaces they created (OWN there, see ``workspace_level``); a workspace
# viewer only those they were added to, at the role their workspace membership says.
ORGANIZATION_ROLE_WORKSPACE_LEVEL = {
    OrganizationRole.ADMIN: Level.OWN,
    OrganizationRole.WORKSPACE_ADMIN: Level.ADMIN,
    OrganizationRole.WORKSPACE_CREATOR: Level.NONE,
    OrganizationRole.WORKSPACE_VIEWER: Level.NONE,
}
ORGANIZATION_WIDE_ROLES = (OrganizationRole.ADMIN, OrganizationRole.WORKSPACE_ADMIN)  # reach every workspace


@dataclass
class Actor:
    """Who is asking: a user (or nobody), maybe limited to one workspace by a scoped API key."""

    user: Model | None
    scope_workspace_id: UUID | None = None
    _levels: dict[UUID, Level] = field(default_factory=dict)
    _hidden: dict[tuple, bool] = field(default_factory=dict)  # environment_hidden, by share chain

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and self.user.is_authenticated


def actor_of(request) -> Actor:
    """The actor behind a DRF or Django request; cached on the request."""
    cached = getattr(request, "_figtrail_actor", None)
    if cached is not None:
        return cached
    user = request.user if request.user.is_authenticated else None
    auth = getattr(request, "auth", None)
    scope = auth.workspace_id if isinstance(auth, ApiKey) else None
    actor = Actor(user=user, scope_workspace_id=scope)
    request._figtrail_actor = actor
    return actor


def workspace_level(actor: Actor, workspace: Workspace) -> Level:
    """The actor's level on a workspace: the higher of their workspace role and what their organization
    role grants there (``ORGANIZATION_ROLE_WORKSPACE_LEVEL``; OWN for a creator on what they created)."""
    if not actor.is_authenticated:
        return Level.NONE
    if actor.scope_workspace_id is not None and actor.scope_workspace_id != workspace.pk:
        return Level.NONE
    if workspace.pk in actor._levels:
        return actor._levels[workspace.pk]
    level = Level.NONE
    role = WorkspaceMembership.objects.filter(workspace=workspace, user=actor.user).values_list(
        "membership_type", flat=True
    )[:1]  # one membership a user and workspace (unique): no ORDER BY needed
    if role:
        level = WORKSPACE_ROLE_LEVEL[role[0]]
    if workspace.organization_id:
        org_role = (
            OrganizationMembership.objects.filter(organization_id=workspace.organization_id, user=actor.user)
            .values_list("membership_type", flat=True)
            .first()
        )
        if org_role:
            level = max(level, ORGANIZATION_ROLE_WORKSPACE_LEVEL[org_role])
            if org_role == OrganizationRole.WORKSPACE_CREATOR and workspace.created_by_id == actor.user.pk:
                level = Level.OWN  # "own only": the workspaces they created
    actor._levels[workspace.pk] = level
    return level


def organization_level(user, organization) -> Level:
    """The user's level on an organization itself (not on its workspaces): see ORGANIZATION_ROLE_LEVEL."""
    if user is None or not user.is_authenticated:
        return Level.NONE
    role = (
        OrganizationMembership.objects.filter(organization=organization, user=user)
        .values_list("membership_type", flat=True)
        .first()
    )
    return ORGANIZATION_ROLE_LEVEL[role] if role else Level.NONE


def visible_workspaces(actor: Actor) -> QuerySet[Workspace]:
    """Workspaces where ``workspace_level`` is at least VIEW: direct members, organization admins and
    workspace admins, and organization workspace creators for the workspaces they created."""
    if not actor.is_authenticated:
        return Workspace.objects.none()
    user = actor.user
    org_wide = OrganizationMembership.objects.filter(user=user, membership_type__in=ORGANIZATION_WIDE_ROLES)
    org_creator = OrganizationMembership.objects.filter(
        user=user, membership_type=OrganizationRole.WORKSPACE_CREATOR
    )
    qs = Workspace.objects.filter(
        Q(memberships__user=user)
        | Q(organization_id__in=org_wide.values("organization_id"))
        | Q(created_by=user, organization_id__in=org_creator.values("organization_id"))
    ).distinct()
    if actor.scope_workspace_id is not None:
        qs = qs.filter(pk=actor.scope_workspace_id)
    return qs


def readable_scope(actor: Actor, model: type[Node], link_tokens: Iterable[str] = ()) -> Q:
    """A filter on ``model`` for what the actor may read across workspaces: the objects of the workspaces
    they view (``visible_workspaces``) and what is shared with them (``shared_scope``)."""
    path = model.workspace_path()
    member = Q(**{f"{path}__in" if path else "pk__in": visible_workspaces(actor)})
    return member | shared_scope(actor, model, link_tokens)


def shared_scope(actor: Actor, model: type[Node], link_tokens: Iterable[str] = ()) -> Q:
    """A filter on ``model`` for the objects the actor reads through shares, for lists that reach past
    one object (similar figures): everything under the actor's user shares, and everything under the
    active share links whose tokens they hold (``link_tokens``: the links a web visitor opened). A link
    they do not hold is left out, though its object may be read by id: a link is held, not listed."""
    targets: list[tuple[str, UUID]] = []
    if actor.is_authenticated and actor.scope_workspace_id is None:
        targets += UserShare.objects.filter(user=actor.user).values_list("target_type", "target_id")
    if tokens := list(link_tokens):
        links = LinkShare.objects.filter(token__in=tokens, enabled=True)
        targets += [(link.target_type, link.target_id) for link in links if link.is_active()]
    kinds = {kind.kind: kind for kind in (model, *_ancestors(model))}
    query = Q(pk__in=[])
    for kind, pk in targets:
        if kind in kinds:
            path = model.path_up(kinds[kind])
            query |= Q(pk=pk) if not path else Q(**{f"{path}_id": pk})
    return query


def _ancestors(model: type[Node]) -> list[type[Node]]:
    found: list[type[Node]] = []
    for parent in model.parent_models():
        found += [parent, *_ancestors(parent)]
    return found


def _share_chain(obj: Model) -> list[tuple[str, UUID]]:
    """The object and its shareable ancestors: a share on any of them grants read access. The climb stops
    below the first level nothing above which can be shared (a workspace never is), without loading it."""
    chain: list[tuple[str, UUID]] = []
    if not isinstance(obj, Node):  # organizations, users: never shared
        return chain
    for model, pk in obj.levels():
        if model.shareable:
            chain.append((model.kind, pk))
        if not any(parent.shareable for parent in model.parent_models()):
            break
    return chain


def _chain_filter(chain: list[tuple[str, UUID]]) -> Q:
    query = Q(pk__in=[])
    for target_type, target_id in chain:
        query |= Q(target_type=target_type, target_id=target_id)
    return query


def shared_with(actor: Actor, obj: Model, link_token: str | None = None) -> bool:
    """Whether a user share or an active share link gives the actor read access to ``obj``."""
    chain = _share_chain(obj)
    return bool(chain) and (_user_shared(actor, chain) or _link_active(chain, link_token))


def read_through_link(actor: Actor, obj: Model, link_token: str | None = None) -> bool:
    """Whether the actor reads ``obj`` only thanks to an active share link (not as a member, not by a user
    share): such reads are counted as "view" entries in the activity log."""
    chain = _share_chain(obj)  # empty for what cannot be shared: workspaces, organizations
    if not chain or workspace_level(actor, workspace_of(obj)) >= Level.VIEW:
        return False
    return not _user_shared(actor, chain) and _link_active(chain, link_token)


def environment_hidden(actor: Actor, obj: Model) -> bool:
    """Whether ``obj`` is to be shown to the actor without the environment it was made in
    (``catalog/environment.py``): they read it only through share links (not as a member, not by a
    user share) and every active link that reaches it hides the environment (``hide_environment``).
    One link that does not hide it shows it: the official client reads a link-shared object by id,
    without the token. Someone with no access at all gets nothing anyway, and is counted as hidden."""
    chain = _share_chain(obj)  # empty for what cannot be shared: workspaces, organizations
    if not isinstance(obj, Node) or workspace_level(actor, workspace_of(obj)) >= Level.VIEW:
        return False
    if not chain:
        return True
    key = tuple(chain)
    if key not in actor._hidden:
        links = [
            link for link in LinkShare.objects.filter(_chain_filter(chain), enabled=True) if link.is_active()
        ]
        actor._hidden[key] = not _user_shared(actor, chain) and all(link.hide_environment for link in links)
    return actor._hidden[key]


def _user_shared(actor: Actor, chain: list[tuple[str, UUID]]) -> bool:
    """A user share on the object or an ancestor (never through a workspace-scoped API key)."""
    if not actor.is_authenticated or actor.scope_workspace_id is not None:
        return False
    return UserShare.objects.filter(_chain_filter(chain), user=actor.user).exists()


def _link_active(chain: list[tuple[str, UUID]], link_token: str | None) -> bool:
    """An enabled, unexpired share link on the object or an ancestor (that very link, if a token is given)."""
    links = LinkShare.objects.filter(_chain_filter(chain), enabled=True)
    if link_token is not None:
        links = links.filter(token=link_token)
    return any(link.is_active() for link in links)


def workspace_of(obj: Model) -> Workspace:
    """The workspace an object lives in (``Node.lineage``: itself for a workspace)."""
    if not isinstance(obj, Node):
        raise TypeError(f"no workspace for {type(obj).__name__}")
    return obj.lineage()[-1]


def allowed(actor: Actor, obj: Model, level: Level) -> bool:
    """Whether the actor holds ``level`` on the object's workspace (or, for reading, a share)."""
    if workspace_level(actor, workspace_of(obj)) >= level:
        return True
    return level == Level.VIEW and shared_with(actor, obj)


def check(actor: Actor, obj: Model, level: Level) -> None:
    """Raise 403 unless allowed. The object exists, and the official client expects 403, not 404."""
    if not allowed(actor, obj, level):
        raise PermissionDenied(f"You do not have {level.name.lower()} access to this {noun(obj)}.")


def check_workspace(actor: Actor, workspace: Workspace, level: Level) -> None:
    if workspace_level(actor, workspace) < level:
        raise PermissionDenied(f"You do not have {level.name.lower()} access to this workspace.")


def get_or_404(model: type[Model], pk, what: str | None = None, *, related: tuple[str, ...] = ()) -> Model:
    """Fetch by primary key; a malformed id is reported as not found, like a missing one.

    ``related`` names foreign keys to fetch in the same query (``select_related``).
    """
    try:
        return (model.objects.select_related(*related) if related else model.objects).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"No {what or noun(model)} with id {pk}.") from exc
    except Exception as exc:  # ValidationError for malformed UUIDs
        if exc.__class__.__name__ == "ValidationError":
            raise NotFound(f"No {what or noun(model)} with id {pk}.") from exc
        raise


def noun(obj: Model | type[Model]) -> str:
    """What a message calls an object or a model: ``Node.noun`` ("asset revision"), else its class name."""
    model = obj if isinstance(obj, type) else type(obj)
    return model.noun if issubclass(model, Node) else model.__name__.lower()
