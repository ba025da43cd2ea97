"""``api.serializers.ModelSerializer``: fields made from the recorded recipe are the ones DRF builds, for
every model serializer of the server, and no two serializers ever share a field instance."""

from __future__ import annotations

import pytest

from tests.django_in_process import set_up


@pytest.fixture(scope="module")
def serializer_classes():
    """Every model serializer the server defines, imported once Django is set up."""
    with set_up("figtrail-serializers-"):
        from django.urls import get_resolver

        from figtrail.server.api.serializers import ModelSerializer

        get_resolver().url_patterns  # noqa: B018 (imports every view module, hence every serializer)

        def below(cls: type) -> list[type]:
            return [cls, *(sub for direct in cls.__subclasses__() for sub in below(direct))]

        yield [cls for cls in below(ModelSerializer)[1:] if hasattr(getattr(cls, "Meta", None), "model")]


def shape(value):
    """What a field is made of, compared without running a query (a field's repr would run its queryset)."""
    from django.db.models import QuerySet
    from rest_framework import serializers

    if isinstance(value, QuerySet):
        return ("queryset", value.model, str(value.query))
    if isinstance(value, serializers.Field):
        return (type(value), shape(value._args), shape(value._kwargs))
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [shape(item) for item in value]
    if callable(value) and not isinstance(value, type):
        return type(value)  # a validator: its kind (its queryset, if any, is a query to run)
    return value


def test_every_model_serializer_gets_the_fields_drf_builds(serializer_classes):
    from rest_framework import serializers

    assert len(serializer_classes) >= 20
    for cls in serializer_classes:
        first, second = cls(), cls()
        drf = serializers.ModelSerializer.get_fields(cls())  # DRF's own build, no recipe
        made = [second.get_fields(), first.get_fields()]  # the first call records the recipe
        for fields in made:
            assert list(fields) == list(drf), cls.__name__
            assert [shape(field) for field in fields.values()] == [shape(f) for f in drf.values()], cls
        assert not {id(f) for f in made[0].values()} & {id(f) for f in made[1].values()}, cls.__name__


def test_fields_made_from_the_recipe_serialize_as_before(serializer_classes):
    from figtrail.server.catalog.data import DataSerializer
    from figtrail.server.catalog.models import Data

    row = Data(position=2, name="figure", type="image", hash="ab" * 32, size_bytes=3, metadata={"f": 1})
    shown = [DataSerializer(row).data for _ in range(3)]
    assert shown[0] == shown[1] == shown[2]
    assert shown[0]["name"] == "figure" and shown[0]["metadata"] == {"f": 1} and shown[0]["size_bytes"] == 3
