"""What every catalog resource shares: its serializer fields and its view behaviour.

Each resource module (workspaces, analyses, figures, revisions, assets, ...) builds on these, so that
permission checks, activity logging and parent propagation happen the same way everywhere.
"""

from __future__ import annotations

from django.db.models import Model
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.response import Response

from figtrail.server.access import declarations, policy
from figtrail.server.access.declarations import LINK, SIGNED_IN
from figtrail.server.access.policy import Level
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action, LogEntry
from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.catalog import changes
from figtrail.server.catalog.models import Data
from figtrail.server.catalog.revision_summaries import timestamp
from figtrail.server.catalog.rows import BOOL, TIME, UUID, values_rows

TRACKED_FIELDS = ["api_id", "size_bytes", "created_by", "created_on", "updated_by", "updated_on"]
CONTAINER_FIELDS = [*TRACKED_FIELDS, "name", "description", "child_updated_by", "child_updated_on"]


class Username(serializers.CharField):
    """A user reference shown as a username (the client expects ``created_by`` to be a username)."""

    def __init__(self, source: str) -> None:
        super().__init__(source=f"{source}.username", read_only=True, allow_null=True)


class MetadataField(serializers.JSONField):
    """A metadata object. R's clients send an empty named list as ``[]``: that is stored as ``{}``;
    any other list or a bare value is a 400 naming the field, rather than stored as something no
    reader expects."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value == []:
            return {}
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object of names and values.")
        return value


class TrackedSerializer(ModelSerializer):
    created_by = Username("created_by")
    updated_by = Username("updated_by")

    class Meta:
        read_only_fields = ["api_id", "size_bytes", "created_on", "updated_on"]


class ContainerSerializer(TrackedSerializer):
    child_updated_by = Username("child_updated_by")
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)

    class Meta:
        read_only_fields = [*TrackedSerializer.Meta.read_only_fields, "child_updated_on"]


def is_silent(request) -> bool:
    """``?silent=true``: the client's way to change an object without an activity entry."""
    return request.query_params.get("silent", "").lower() in {"1", "true", "yes"}


def is_shallow(request) -> bool:
    return request.query_params.get("shallow", "").lower() in {"1", "true", "yes"}


class LogItemSerializer(ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True, allow_null=True)
    deleted_sentinel = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = LogEntry
        fields = [
            "api_id",
            "username",
            "timestamp",
            "action",
            "target_id",
            "target_type",
            "target_name",
            "deleted",
            "deleted_sentinel",
            "thumbnail",
            "analysis_id",
            "analysis_name",
        ]

    def get_deleted_sentinel(self, entry: LogEntry) -> bool:
        return entry.deleted

    def get_thumbnail(self, entry: LogEntry) -> None:
        return None


LOG_COLUMNS = (
    "api_id",
    "user__username",
    "timestamp",
    "action",
    "target_id",
    "target_type",
    "target_name",
    "deleted",
    "analysis_id",
    "analysis_name",
)
LOG_KINDS = (UUID, None, TIME, None, UUID, None, None, BOOL, UUID, None)


def log_items(entries) -> list[dict]:
    """A log of thousands of entries as ``LogItemSerializer`` gives each, without a serializer per row
    (the official client reads a whole ``log/`` at once); a test holds the two equal."""
    return [
        {
            "api_id": str(api_id),
            "username": username,
            "timestamp": timestamp(moment),
            "action": action,
            "target_id": str(target_id),
            "target_type": target_type,
            "target_name": target_name,
            "deleted": deleted,
            "deleted_sentinel": deleted,
            "thumbnail": None,
            "analysis_id": str(analysis_id) if analysis_id is not None else None,
            "analysis_name": analysis_name,
        }
        for (
            api_id,
            username,
            moment,
            action,
            target_id,
            target_type,
            target_name,
            deleted,
            analysis_id,
            analysis_name,
        ) in values_rows(entries.values_list(*LOG_COLUMNS), LOG_KINDS)
    ]


def logged_as(obj: Model) -> Model:
    """What the activity log names for an object: a data object is logged as its revision."""
    return obj.parent if isinstance(obj, Data) else obj


class CatalogViewSet(viewsets.GenericViewSet):
    """CRUD for one catalog model with object-level checks: 404 if absent, 403 if not allowed."""

    model: type[Model]
    # access.declarations: reading one object is LINK (anyone may read what is link-shared, the official
    # client's ``GoFigr(anonymous=True)``; policy answers 403/401 for the rest); create checks CREATE on
    # the parent named in the body; lists show only what policy.visible_workspaces holds.
    access = {
        "list": SIGNED_IN,
        "create": Level.CREATE,
        "retrieve": LINK,
        "update": Level.CREATE,
        "partial_update": Level.CREATE,
        "destroy": Level.CREATE,
    }
    edit_level = Level.CREATE
    delete_level = Level.CREATE
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return self.model.objects.all()

    def get_object(self, level: Level | None = None) -> Model:
        try:
            obj = policy.get_or_404(self.model, self.kwargs[self.lookup_url_kwarg or self.lookup_field])
            policy.check(self.actor, obj, level if level is not None else self.level_for_action())
        except (NotFound, PermissionDenied):
            if not self.actor.is_authenticated:  # signed out: ask for credentials, reveal nothing
                raise NotAuthenticated() from None
            raise
        return obj

    def level_for_action(self) -> Level:
        declared = declarations.view_declaration(self.request, self)
        if isinstance(declared, Level):
            return declared
        if declared == LINK:
            return Level.VIEW
        if self.action in {"update", "partial_update"}:
            return self.edit_level
        if self.action == "destroy":
            return self.delete_level
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return self.edit_level
        return Level.VIEW

    @property
    def actor(self) -> policy.Actor:
        return policy.actor_of(self.request)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        if policy.read_through_link(self.actor, obj):  # link views are counted in the activity log
            activity.record(request.user, Action.VIEW, logged_as(obj))
        return Response(self.shown(obj, self.get_serializer(obj).data))

    def shown(self, obj: Model, payload: dict) -> dict:
        """The payload as this reader may read it: a resource that carries the environment takes it out
        for a reader the policy says may not see it (``policy.environment_hidden``)."""
        return payload

    def update(self, request, *args, partial: bool = False, **kwargs):
        obj = self.get_object()
        serializer = self.get_serializer(obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        obj = changes.update(
            self.actor,
            request.user,
            obj,
            serializer.validated_data,
            silent=is_silent(request),
            check=lambda actor, user, target, data: self.check_update(target, data),
        )
        return Response(self.get_serializer(obj).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        changes.delete(request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def check_update(self, obj: Model, data: dict) -> None:
        """Checks an update must pass beyond the object's own level (moving it, say): the catalog's own
        (``changes.check_update``) unless a resource says otherwise."""
        changes.check_update(self.actor, self.request.user, obj, data)

    def created(self, obj: Model) -> Response:
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


class LogsMixin:
    """``log/`` and ``log/<id>/``: the object's activity and that of everything under it."""

    log_filter_field: str = "workspace_id"
    access = {"log": Level.VIEW, "log_item": Level.VIEW}

    def _entries(self, obj):
        return LogEntry.objects.filter(**{self.log_filter_field: obj.pk}).select_related("user")

    @action(detail=True, methods=["get"], url_path="log")
    def log(self, request, *args, **kwargs):
        obj = self.get_object(Level.VIEW)
        return Response(log_items(self._entries(obj)))

    @action(detail=True, methods=["get"], url_path=r"log/(?P<log_id>[^/]+)")
    def log_item(self, request, *args, log_id: str, **kwargs):
        obj = self.get_object(Level.VIEW)
        entry = policy.get_or_404(LogEntry, log_id, "log item")
        if getattr(entry, self.log_filter_field) != obj.pk:
            return Response({"detail": f"Log item {log_id} is not part of this object's log."}, status=404)
        return Response(LogItemSerializer(entry).data)
