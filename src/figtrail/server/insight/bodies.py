"""What the AI endpoints accept; a bad body answers 400 naming the field (DRF serializers)."""

from __future__ import annotations

from rest_framework import serializers

MAX_QUESTION = 4000


class InsightBody(serializers.Serializer):
    revision_id = serializers.UUIDField()
    question = serializers.CharField(required=False, allow_blank=True, max_length=MAX_QUESTION, default="")
    stream = serializers.BooleanField(required=False, default=False)


class CompareBody(serializers.Serializer):
    revision_ids = serializers.ListField(child=serializers.UUIDField(), min_length=2, max_length=6)
    question = serializers.CharField(required=False, allow_blank=True, max_length=MAX_QUESTION, default="")
    stream = serializers.BooleanField(required=False, default=False)

    def validate_revision_ids(self, value: list) -> list:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Name each revision once.")
        return value


class RevisionBody(serializers.Serializer):
    revision_id = serializers.UUIDField()


class QueryBody(serializers.Serializer):
    question = serializers.CharField(max_length=MAX_QUESTION)
    workspace_id = serializers.UUIDField(required=False, allow_null=True)
    stream = serializers.BooleanField(required=False, default=False)


class AvailabilityQuery(serializers.Serializer):
    revision_id = serializers.UUIDField(required=False)


def parse(serializer_class: type[serializers.Serializer], data) -> dict:
    """The validated body, or a 400 naming the fields at fault."""
    if not hasattr(data, "get"):
        raise serializers.ValidationError({"non_field_errors": ["The request body must be a JSON object."]})
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data
