"""The base of every model serializer here: DRF's, with the fields it builds from the model worked out
once per class instead of once per instance.

DRF's ``ModelSerializer.get_fields`` inspects the model and builds each field's class and arguments
(``build_field``, ``get_field_kwargs``, uniqueness validators) every time a serializer is made: about a
millisecond for a revision, on every request that returns one. The outcome depends only on the class
(its ``Meta`` and declared fields), so the first instance records it as a recipe, in field order: a
declared field's name, or ``(field class, args, kwargs)`` for a field built from the model; later
instances make their fields from it. Declared fields are deep-copied from the class, as DRF does, and
built ones made anew from their arguments (a built field holding another field, a to-many relation's
``child_relation``, is deep-copied too), so no field instance is ever shared.
"""

from __future__ import annotations

import copy
from typing import Any

from rest_framework import serializers

Built = tuple[type[serializers.Field], tuple, dict[str, Any]]
Recipe = list[tuple[str, Built | serializers.Field | None]]  # None: declared; a field: copy it


def _recipe(field: serializers.Field) -> Built | serializers.Field:
    holds_field = any(isinstance(value, serializers.Field) for value in field._kwargs.values())
    return field if holds_field else (type(field), field._args, field._kwargs)


class ModelSerializer(serializers.ModelSerializer):
    _recipes: dict[type, Recipe] = {}  # keyed by the concrete class: a subclass has its own

    def get_fields(self) -> dict[str, serializers.Field]:
        recipe = ModelSerializer._recipes.get(type(self))
        if recipe is None:
            fields = super().get_fields()
            ModelSerializer._recipes[type(self)] = [
                (name, None if name in self._declared_fields else _recipe(copy.deepcopy(field)))
                for name, field in fields.items()
            ]
            return fields
        declared = copy.deepcopy(self._declared_fields)
        return {name: _made(name, entry, declared) for name, entry in recipe}


def _made(name: str, entry: Built | serializers.Field | None, declared: dict) -> serializers.Field:
    if entry is None:
        return declared[name]
    if isinstance(entry, serializers.Field):
        return copy.deepcopy(entry)
    field_class, args, kwargs = entry
    return field_class(*args, **kwargs)
