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
from figtrail.server.catalog import environment

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


def hides_environment(request: HttpRequest, obj: Model) -> bool:
    """Whether the viewer sees ``obj`` without the environment it was made in: they read it only through
    links that hide it (``policy.environment_hidden``, the one rule, for the API too)."""
    return policy.environment_hidden(actor(request), obj)


def shown(request: HttpRequest, obj):
    """A revision or asset revision in hand, as the viewer may read it: without the environment
    (``environment.hide_in``: metadata, data objects, paths) when ``hides_environment``. For pages and
    downloads only: the instance is never saved afterwards."""
    if hides_environment(request, obj):
        environment.hide_in(obj)
    return obj


def require(request: HttpRequest, obj: Model, level: Level = Level.VIEW) -> None:
    """Refuse unless the viewer holds ``level`` on ``obj``: 403 for someone who may read it but not do
    this (a viewer asking to edit); for a signed-in user who may not even read it, the very 404 an id
    nobody uses gets (:func:`missing`), so a page never tells a stranger that an object exists; signed
    out, the sign-in page (``errors.denied``), since the object may be theirs."""
    if can(request, obj, level):
        return
    signed_in = request.user.is_authenticated
    if signed_in and (level == Level.VIEW or not can(request, obj, Level.VIEW)):
        raise missing(type(obj), obj.pk)
    raise PermissionDenied(f"You do not have {level.name.lower()} access to this {policy.noun(obj)}.")


def missing(model: type[Model], pk) -> Http404:
    """The one answer for an id that names nothing, or nothing the viewer may see."""
    return Http404(f"No {policy.noun(model)} with id {pk}.")


def fetch(request: HttpRequest, source: type[Model] | QuerySet, pk, level: Level = Level.VIEW) -> Model:
    """The object with this id, if it exists and the viewer may see it (else 404) and holds ``level`` on
    it (else 403): see :func:`require`."""
    queryset = source if isinstance(source, QuerySet) else source.objects.all()
    try:
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise missing(queryset.model, pk) from exc
    require(request, obj, level)
    return obj
