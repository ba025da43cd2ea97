"""Emoji reactions on comments: ``comment/<id>/reactions/`` (GET, POST) and
``comment/<id>/reactions/<emoji>/`` (DELETE). Anyone who can read a comment can react to it, once per
emoji."""

from __future__ import annotations

import emoji as emoji_data
from django.db import IntegrityError, transaction
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.social.models import Comment, Reaction


class ReactionSerializer(ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Reaction
        fields = ["api_id", "comment", "emoji", "user", "created_on"]
        read_only_fields = fields


class ReactionBody(serializers.Serializer):
    emoji = serializers.CharField(max_length=64, trim_whitespace=True)

    def validate_emoji(self, value: str) -> str:
        return clean_emoji(value)


def clean_emoji(value: str) -> str:
    """One emoji, as one grapheme (a skin tone, a flag or a family still count as one)."""
    value = (value or "").strip()
    if not emoji_data.is_emoji(value):
        raise ValidationError({"emoji": [f"Must be a single emoji, like 👍; got {value!r}."]})
    return value


def add(user, comment: Comment, emoji: str) -> tuple[Reaction, bool]:
    """The user's reaction with this emoji, and whether it is new (a repeat returns the first one)."""
    existing = Reaction.objects.filter(comment=comment, user=user, emoji=emoji).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            return Reaction.objects.create(comment=comment, user=user, emoji=emoji), True
    except IntegrityError:  # the same reaction arrived twice at once
        return Reaction.objects.get(comment=comment, user=user, emoji=emoji), False


def remove(user, comment: Comment, emoji: str) -> bool:
    deleted, _ = Reaction.objects.filter(comment=comment, user=user, emoji=emoji).delete()
    return bool(deleted)


def summary(comment: Comment, viewer) -> list[dict]:
    """Reactions grouped by emoji, in the order each emoji first appeared; ``mine`` for the viewer's own.

    Reads ``comment.reactions.all()``, so prefetch ``reactions__user`` when summarising many comments.
    """
    groups: dict[str, dict] = {}
    for reaction in comment.reactions.all():
        group = groups.setdefault(
            reaction.emoji, {"emoji": reaction.emoji, "count": 0, "users": [], "mine": False}
        )
        group["count"] += 1
        group["users"].append(reaction.user.username)
        group["mine"] = group["mine"] or reaction.user_id == getattr(viewer, "pk", None)
    return list(groups.values())


class ReactionsMixin:
    """The reaction routes of the comment API; ``visible_comment()`` checks access to the comment."""

    @action(detail=True, methods=["get", "post"], url_path="reactions", serializer_class=ReactionBody)
    def reactions(self, request, *args, **kwargs):
        comment = self.visible_comment()
        if request.method == "GET":
            rows = comment.reactions.select_related("user")
            return Response(ReactionSerializer(rows, many=True).data)
        body = ReactionBody(data=request.data)
        body.is_valid(raise_exception=True)
        reaction, created = add(request.user, comment, body.validated_data["emoji"])
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ReactionSerializer(reaction).data, status=code)

    @action(detail=True, methods=["delete"], url_path=r"reactions/(?P<emoji>[^/]+)")
    def reaction(self, request, *args, emoji: str, **kwargs):
        comment = self.visible_comment()
        if not remove(request.user, comment, emoji.strip()):
            raise NotFound(f"You have not reacted with {emoji} to this comment.")
        return Response(status=status.HTTP_204_NO_CONTENT)
