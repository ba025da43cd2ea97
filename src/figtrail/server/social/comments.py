"""``comment/``: threaded Markdown comments on assets, asset revisions, figures and figure revisions.

``GET comment/?target_type=figure&target_id=<id>`` lists one object's comments in thread order. The
rules (who may post, edit, delete) live in :mod:`figtrail.server.social.threads`.
"""

from __future__ import annotations

from django.db.models import Model, Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.access.policy import Level
from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.social import reactions, targets, threads
from figtrail.server.social.models import TARGET_FIELDS, Comment, Reaction, TargetType
from figtrail.server.social.rendering import render

# what access checks, labels and links read, fetched with a comment: its target, up to the workspace
TARGET_RELATED = tuple(f"{TARGET_FIELDS[kind]}__{path}" for kind, (path,) in targets.RELATED.items())


class CommentSerializer(ModelSerializer):
    target_id = serializers.UUIDField(read_only=True)
    parent = serializers.UUIDField(source="parent_id", read_only=True, allow_null=True)
    content_html = serializers.SerializerMethodField()
    author = serializers.CharField(source="author.username", read_only=True, allow_null=True)
    reactions = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "api_id",
            "target_type",
            "target_id",
            "parent",
            "content",
            "content_html",
            "author",
            "created_on",
            "updated_on",
            "is_edited",
            "is_ai",
            "reactions",
        ]
        read_only_fields = fields

    def get_content_html(self, comment: Comment) -> str:
        return render(comment.content)

    def get_reactions(self, comment: Comment) -> list[dict]:
        request = self.context.get("request")
        return reactions.summary(comment, request.user if request else None)


class CommentBody(serializers.Serializer):
    """What a client sends to post a comment; edits send ``content`` only."""

    target_type = serializers.CharField()
    target_id = serializers.CharField()
    content = serializers.CharField(trim_whitespace=False)
    parent = serializers.CharField(required=False, allow_null=True, allow_blank=True)


def json_object(data):
    """The request body, which must be a JSON object (or form): 400 for an array, a string, a number."""
    if not hasattr(data, "get"):
        raise ValidationError({"non_field_errors": ["The request body must be a JSON object."]})
    return data


REACTIONS = Prefetch("reactions", queryset=Reaction.objects.select_related("user"))


def with_reactions(comments):
    return comments.select_related("author").prefetch_related(REACTIONS)


class CommentViewSet(reactions.ReactionsMixin, viewsets.GenericViewSet):
    serializer_class = CommentSerializer
    # access.declarations: signed in; each action checks the commented object through access.policy
    access = {
        action: SIGNED_IN
        for action in (
            "list",
            "retrieve",
            "create",
            "update",
            "partial_update",
            "destroy",
            "reactions",
            "reaction",
        )
    }
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return Comment.objects.all()

    @property
    def actor(self) -> policy.Actor:
        return policy.actor_of(self.request)

    @extend_schema(
        parameters=[
            OpenApiParameter("target_type", str, required=True, enum=list(TargetType.values)),
            OpenApiParameter("target_id", str, required=True),
        ]
    )
    def list(self, request, *args, **kwargs):
        target = self._visible_target(request.query_params, "query parameter")
        ordered = [
            comment for comment, _ in threads.thread_order(with_reactions(targets.comments_on(target)))
        ]
        return Response(self.get_serializer(ordered, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.visible_comment()).data)

    @extend_schema(request=CommentBody)
    def create(self, request, *args, **kwargs):
        target = self._visible_target(json_object(request.data), "field")
        body = CommentBody(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            comment = threads.post(
                request, target, body.validated_data["content"], body.validated_data.get("parent")
            )
        except threads.CommentError as error:
            raise threads.as_api_error(error) from error
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        comment = self.visible_comment()
        data = json_object(request.data)
        if partial and "content" not in data:
            return Response(self.get_serializer(comment).data)
        try:
            threads.edit(request, comment, data.get("content"))
        except threads.CommentError as error:
            raise threads.as_api_error(error) from error
        return Response(self.get_serializer(comment).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        try:
            threads.delete(request, self.visible_comment())
        except threads.CommentError as error:
            raise threads.as_api_error(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)

    def visible_comment(self) -> Comment:
        """The comment in the URL: 404 if there is none, 403 if the caller cannot view its object."""
        comment = policy.get_or_404(
            Comment, self.kwargs["pk"], "comment", related=("author", *TARGET_RELATED)
        )
        policy.check(self.actor, comment.target, Level.VIEW)
        prefetch_related_objects([comment], REACTIONS)
        return comment

    def _visible_target(self, params, kind: str) -> Model:
        missing = {
            name: [f"This {kind} is required."]
            for name in ("target_type", "target_id")
            if not params.get(name)
        }
        if missing:
            raise ValidationError(missing)
        target = targets.find(targets.parse_type(params["target_type"]), params["target_id"])
        policy.check(self.actor, target, Level.VIEW)
        return target
