"""What the person looking at a page may see and do. Every decision is made by ``access.policy``.

A signed-out visitor who opened a share link (``/s/<token>``) carries its token in the session, so the
shared object and its descendants stay readable while they browse them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from figtrail.server.access import policy
from figtrail.server.access.policy import Level

SHARE_TOKENS = "figtrail_share_tokens"
MAX_SHARE_TOKENS = 50


def actor(request: HttpRequest) -> policy.Actor:
    return policy.actor_of(request)


def share_tokens(request: HttpRequest) -> list[str]:
    return list(request.session.get(SHARE_TOKENS, []))


def remember_share(request: HttpRequest, token: str) -> None:
    tokens = [t for t in share_tokens(request) if t != token]
    request.session[SHARE_TOKENS] = [token, *tokens][:MAX_SHARE_TOKENS]


def can(request: HttpRequest, obj: Model, level: Level = Level.VIEW) -> bool:
    who = actor(request)
    if policy.allowed(who, obj, level):
        return True
    if level != Level.VIEW:
        return False
    return any(policy.shared_with(who, obj, link_token=token) for token in share_tokens(request))


def require(request: HttpRequest, obj: Model, level: Level = Level.VIEW) -> None:
    if not can(request, obj, level):
        kind = type(obj).__name__.lower().replace("assetrevision", "asset revision")
        raise PermissionDenied(f"You do not have {level.name.lower()} access to this {kind}.")


def fetch(request: HttpRequest, source: type[Model] | QuerySet, pk, level: Level = Level.VIEW) -> Model:
    """The object with this id, if it exists (404) and the viewer holds ``level`` on it (403)."""
    queryset = source if isinstance(source, QuerySet) else source.objects.all()
    try:
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404(f"No {queryset.model.__name__.lower()} with id {pk}.") from exc
    require(request, obj, level)
    return obj
