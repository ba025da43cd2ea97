"""``task/``: the caller's background tasks, newest first; ``task/<id>/`` for polling one.

Tasks are made by the server code that does the work (see :mod:`figtrail.server.tasks.runner`), never
through the API, so the API only reads them.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.catalog.common import Username
from figtrail.server.tasks.models import Task, TaskStatus


class TaskSerializer(ModelSerializer):
    """The fields and statuses the API has always answered; ``status`` and ``result`` come from the
    framework's queue row (its statuses mapped to ours: models.OUR_STATUS)."""

    created_by = Username("created_by")
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)
    result = serializers.JSONField(read_only=True)

    class Meta:
        model = Task
        fields = [
            "api_id",
            "kind",
            "status",
            "progress",
            "result",
            "error",
            "created_by",
            "created_on",
            "updated_on",
            "workspace",
        ]
        read_only_fields = fields


class TaskQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)


class TaskViewSet(viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    access = {"list": SIGNED_IN, "retrieve": SIGNED_IN}  # access.declarations: one's own tasks only
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return Task.objects.all()

    def list(self, request, *args, **kwargs):
        query = TaskQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        tasks = self._own_tasks(request)
        if "status" in query.validated_data:
            tasks = tasks.with_status(query.validated_data["status"])
        return Response(TaskSerializer(tasks[: query.validated_data["limit"]], many=True).data)

    def retrieve(self, request, *args, pk: str, **kwargs):
        task = policy.get_or_404(Task, pk, "task", related=("created_by", "job"))
        if task.created_by_id != request.user.pk or not self._in_scope(request, task):
            raise PermissionDenied("This task belongs to someone else.")
        return Response(TaskSerializer(task).data)

    def _own_tasks(self, request):
        tasks = Task.objects.filter(created_by=request.user).select_related("created_by", "job")
        scope = policy.actor_of(request).scope_workspace_id
        return tasks.filter(workspace_id=scope) if scope is not None else tasks

    def _in_scope(self, request, task: Task) -> bool:
        """An API key scoped to one workspace sees only that workspace's tasks."""
        scope = policy.actor_of(request).scope_workspace_id
        return scope is None or task.workspace_id == scope
