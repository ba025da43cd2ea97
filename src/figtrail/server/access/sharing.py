"""``share/link/`` and ``share/user/`` on analyses, figures, revisions, assets and asset revisions.

``share/link/`` answers ``{"enabled", "expiry", "hide_environment", "token"}`` (the official client
reads only ``enabled``); the token, the link's secret, only to those who may change the link (CREATE).
POST takes ``enabled``, an optional ``expiry`` (an ISO timestamp in the future, or null for none) and an
optional ``hide_environment`` (a boolean: whoever reads only through links gets no environment,
``catalog/environment.py``); either left out stays as it was (a new link: no expiry, environment shown).

``share/user/`` POST shares with an active account (200) and answers every other name, nobody's or a
deactivated account's, with one 400 ``{"username": [...]}`` that does not say which (``access.people``);
unsharing a name the object is not shared with is done already (200), whether or not the account exists.

The changes themselves (``set_link``, ``renew_link``, ``share_with``, ``unshare``) are the one sharing
service: these endpoints and the web UI's share page both call them.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty
from rest_framework.response import Response

from figtrail.server.access import people, policy
from figtrail.server.access.models import LinkShare, UserShare, new_link_token
from figtrail.server.access.policy import Level

UNCHANGED = object()


def set_link(kind: str, pk, by, *, enabled: bool, expiry=UNCHANGED, hide_environment=UNCHANGED) -> LinkShare:
    """Turn the object's share link on or off (made on first use); ``expiry``: a moment, None for
    none, or left out to keep the one it has; ``hide_environment``: whether link readers get the
    environment, or left out to keep it. A link turned on again after it was off (or had expired)
    is a new link: the old address stays dead, so whoever had it cannot come back."""
    changes = {
        "enabled": enabled,
        **({} if expiry is UNCHANGED else {"expiry": expiry}),
        **({} if hide_environment is UNCHANGED else {"hide_environment": hide_environment}),
    }
    link, created = LinkShare.objects.get_or_create(
        target_type=kind, target_id=pk, defaults={"created_by": by, **changes}
    )
    if not created:
        if enabled and not link.is_active():
            changes["token"] = new_link_token()
        for field, value in changes.items():
            setattr(link, field, value)
        link.save(update_fields=list(changes))
    return link


def renew_link(kind: str, pk) -> None:
    """A new token for the object's link: the old /s/<token> stops working at once."""
    LinkShare.objects.filter(target_type=kind, target_id=pk).update(token=new_link_token())


def share_with(kind: str, pk, username: str, by) -> UserShare | None:
    """Share with an active account; None for any other name, which callers answer alike
    (``people.CANNOT_SHARE``), so that no answer tells whether an account exists."""
    user = people.nameable_user(username)
    if user is None:
        return None
    share, _ = UserShare.objects.get_or_create(
        target_type=kind, target_id=pk, user=user, defaults={"created_by": by}
    )
    return share


def unshare(kind: str, pk, username: str) -> int:
    """Stop sharing with ``username`` (among the object's shares only); how many shares ended."""
    removed, _ = UserShare.objects.filter(target_type=kind, target_id=pk, user__username=username).delete()
    return removed


class OptionalBoolean(serializers.BooleanField):
    """A boolean that, left out, is left out, in a form-encoded body too (DRF reads a missing HTML
    checkbox as false)."""

    default_empty_html = empty


class LinkSharingSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    expiry = serializers.DateTimeField(required=False, allow_null=True)
    hide_environment = OptionalBoolean(required=False)

    def validate_expiry(self, expiry):
        if expiry is not None and expiry <= timezone.now():
            raise serializers.ValidationError("Must be in the future, or null for no expiry.")
        return expiry


class UserSharingSerializer(serializers.Serializer):
    username = serializers.CharField()
    sharing_enabled = serializers.BooleanField(default=True)


class ShareableMixin:
    """Adds the sharing endpoints; ``share_target`` names the object type in share rows."""

    share_target: str
    access = {
        "share_link": {"get": Level.VIEW, "post": Level.CREATE},
        "share_user": {"get": Level.VIEW, "post": Level.CREATE},
    }

    def _link(self, obj) -> LinkShare | None:
        return LinkShare.objects.filter(target_type=self.share_target, target_id=obj.pk).first()

    @action(
        detail=True, methods=["get", "post"], url_path="share/link", serializer_class=LinkSharingSerializer
    )
    def share_link(self, request, *args, **kwargs):
        if request.method == "GET":
            obj = self.get_object(Level.VIEW)
            return Response(self._link_state(self._link(obj), policy.allowed(self.actor, obj, Level.CREATE)))
        obj = self.get_object(Level.CREATE)
        body = LinkSharingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        link = set_link(
            self.share_target,
            obj.pk,
            request.user,
            enabled=body.validated_data["enabled"],
            expiry=body.validated_data.get("expiry", UNCHANGED),
            hide_environment=body.validated_data.get("hide_environment", UNCHANGED),
        )
        return Response(self._link_state(link, True))

    @staticmethod
    def _link_state(link: LinkShare | None, may_change: bool) -> dict:
        return {
            "enabled": bool(link and link.is_active()),
            "expiry": link.expiry if link else None,
            "hide_environment": bool(link and link.hide_environment),
            "token": link.token if link and may_change else None,
        }

    @action(
        detail=True, methods=["get", "post"], url_path="share/user", serializer_class=UserSharingSerializer
    )
    def share_user(self, request, *args, **kwargs):
        if request.method == "GET":
            obj = self.get_object(Level.VIEW)
            shares = UserShare.objects.filter(target_type=self.share_target, target_id=obj.pk)
            users = shares.select_related("user")
            return Response([{"username": s.user.username, "sharing_enabled": True} for s in users])
        obj = self.get_object(Level.CREATE)
        body = UserSharingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username = body.validated_data["username"]
        if body.validated_data["sharing_enabled"]:
            if share_with(self.share_target, obj.pk, username, request.user) is None:
                raise ValidationError({"username": [people.CANNOT_SHARE]})  # nobody, or may not be named
        else:  # no share with that name afterwards, whoever it names (or nobody): done
            unshare(self.share_target, obj.pk, username)
        return Response({"username": username, "sharing_enabled": body.validated_data["sharing_enabled"]})
